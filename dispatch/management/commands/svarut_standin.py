"""Run the stand-in SvarUt for the demo: `manage.py svarut_standin --port 8765`,
then start the app with SVARUT_BASE_URL=http://127.0.0.1:8765/api and the
same account, integration and token (README.md, "Dispatch by SvarUt")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_ACCOUNT = "8b7c3d0e-1f2a-4b5c-9d6e-7f8091a2b3c4"
DEMO_INTEGRATION = "2f1e0d9c-8b7a-4c6d-9e5f-a0b1c2d3e4f5"
DEMO_PASSWORD = "demo-passord"  # noqa: S105 - the stand-in's, never a real one
DEMO_TOKEN = "demo-maskinporten-token"  # noqa: S105


class Command(BaseCommand):
    help = "Kjører en lokal stand-in for KS Fiks SvarUt på 127.0.0.1 (for demo og test)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--spec-dir", default=settings.SVARUT_SPEC_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from dispatch.standin import StandIn as make_standin
        except ImportError as exc:  # jsonschema: in requirements.lock, missing from a trimmed install
            raise CommandError(f"Stand-in SvarUt trenger jsonschema: {exc}") from exc
        folder = Path(options["spec_dir"])
        if not (folder / "openapi-v3").is_dir():
            raise CommandError(
                f"Finner ikke SvarUts OpenAPI-filer i {folder}. Sett SVARUT_SPEC_DIR eller --spec-dir."
            )
        standin = make_standin(
            folder,
            account_id=settings.SVARUT_ACCOUNT_ID or DEMO_ACCOUNT,
            integration_id=settings.SVARUT_INTEGRATION_ID or DEMO_INTEGRATION,
            integration_password=settings.SVARUT_INTEGRATION_PASSWORD or DEMO_PASSWORD,
            token=settings.SVARUT_MASKINPORTEN_TOKEN or DEMO_TOKEN,
            port=options["port"],
        )
        self.stdout.write(
            f"Stand-in SvarUt på {standin.base_url}\n"
            f"  SVARUT_BASE_URL={standin.base_url}\n"
            f"  SVARUT_ACCOUNT_ID={standin.account_id}\n"
            f"  SVARUT_INTEGRATION_ID={standin.integration_id}\n"
            f"  SVARUT_INTEGRATION_PASSWORD={standin.integration_password}\n"
            f"  SVARUT_MASKINPORTEN_TOKEN={standin.token}\n"
            "Stopp med Ctrl+C."
        )
        try:
            standin.serve_forever()
        except KeyboardInterrupt:
            standin.stop()
