"""A stand-in for KS Fiks SvarUt on 127.0.0.1, for the tests and the demo
(`manage.py svarut_standin`). It answers the endpoints the dispatch step
uses, as the published OpenAPI files describe them, and checks every
request against those files (jsonschema) and the README's rules for the
multipart body; a request that does not conform gets SvarUt's 400
ErrorMessage and is noted in `invalid`. Its own answers are checked against
the response schemas too (`errors`).

    POST /v3/kontoer/{kontoId}/forsendelser/person       send v3 (multipart)
    POST /v3/kontoer/{kontoId}/forsendelser/status/sok   status v3
    GET  /v2/kontoer/{kontoId}/forsendelser?eksternRef=  eksternref v2

Each accepted shipment walks a status path, one step each time it is asked
about. What happens to a send (accept, reject, time out after storing it,
time out without storing it) and which path it walks are set per national
id (`behaviour`, `paths`); by default the path is picked from the id so a
demo batch shows a mix. The OpenAPI files are not in this repository: they
are read from SVARUT_SPEC_DIR (dispatch/specs/, shipped, by default).
"""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEND_SPEC = "openapi-v3/forsendelse-send-api-v3.json"
STATUS_SPEC = "openapi-v3/forsendelse-status-api-v3.json"
EXTREF_SPEC = "openapi-v2/forsendelse-eksternref-api-v2.json"
SEND_PATH = "/v3/kontoer/{kontoId}/forsendelser/person"
STATUS_PATH = "/v3/kontoer/{kontoId}/forsendelser/status/sok"
EXTREF_PATH = "/v2/kontoer/{kontoId}/forsendelser"
FORBIDDEN_IN_FILENAME = set('*:"\\/<>|?')

# Status paths (v3 enum; meanings in ../shared/reference/svarut/README.md).
PATHS: dict[str, list[str]] = {
    "sdp_read": ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP", "LEST"],
    "altinn_read": ["MOTTATT", "AKSEPTERT", "VARSLET", "LEST"],
    "altinn_unread": ["MOTTATT", "AKSEPTERT", "VARSLET", "SENDT_DIGITALT"],
    "not_delivered": ["MOTTATT", "AKSEPTERT", "IKKE_LEVERT"],
    "manual": ["MOTTATT", "AKSEPTERT", "MANUELT_HANDTERT"],
    "rejected": ["MOTTATT", "AVVIST"],
    "failed": ["MOTTATT", "FEILET_UNDER_MOTTAK"],
    "svarinn": ["MOTTATT", "AKSEPTERT", "KLAR_FOR_MOTTAK", "LEST"],
    "printed": ["MOTTATT", "AKSEPTERT", "SENDT_PRINT", "PRINTET"],
    "deleted": ["MOTTATT", "AKSEPTERT", "SENDT_SDP", "LEVERT_SDP", "LEST", "SLETTET"],
    "nhn": ["MOTTATT", "AKSEPTERT", "SENDT_NHN_MOTTAKER", "LEVERT_NHN_MOTTAKER"],
}
# The demo's mix, by the digit sum of the national id: mostly read.
DEMO_MIX = ["sdp_read"] * 5 + ["altinn_read", "altinn_unread", "not_delivered", "manual", "sdp_read"]


def default_path(digital_id: str) -> str:
    return DEMO_MIX[sum(int(c) for c in digital_id if c.isdigit()) % len(DEMO_MIX)]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


@dataclass
class StoredShipment:
    id: str
    external_reference: str
    digital_id: str
    shipment: dict[str, Any]
    files: list[tuple[str, str, bytes]]
    path: list[str]
    step: int = 0
    changed_at: str = field(default_factory=_now)

    @property
    def status(self) -> str:
        return self.path[self.step]


class Validator:
    """Request and response schemas from the OpenAPI files."""

    def __init__(self, spec_dir: Path) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.specs: dict[str, dict[str, Any]] = {}
        registry: Registry = Registry()
        for name in (SEND_SPEC, STATUS_SPEC, EXTREF_SPEC):
            spec = json.loads((spec_dir / name).read_text(encoding="utf-8"))
            self.specs[name] = spec
            registry = registry.with_resource(
                f"urn:{name}", Resource.from_contents(spec, default_specification=DRAFT202012)
            )
        self._registry = registry
        self._cls = Draft202012Validator

    def _pointer(self, spec: str, *parts: str) -> str:
        escaped = [p.replace("~", "~0").replace("/", "~1") for p in parts]
        return f"urn:{spec}#/" + "/".join(escaped)

    def errors(self, instance: Any, spec: str, *parts: str) -> list[str]:
        validator = self._cls(
            {"$ref": self._pointer(spec, *parts)},
            registry=self._registry,
            format_checker=self._cls.FORMAT_CHECKER,
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(rot)'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    def operation(self, spec: str, path: str, method: str) -> dict[str, Any]:
        return self.specs[spec]["paths"][path][method]


class StandIn:
    """The server. `start()` binds 127.0.0.1 (port 0: any free one)."""

    def __init__(
        self,
        spec_dir: Path | str,
        *,
        account_id: str,
        integration_id: str,
        integration_password: str,
        token: str,
        port: int = 0,
        hang_seconds: float = 30.0,
    ) -> None:
        self.validator = Validator(Path(spec_dir))
        self.account_id = account_id
        self.integration_id = integration_id
        self.integration_password = integration_password
        self.token = token
        self.hang_seconds = hang_seconds
        self.shipments: dict[str, StoredShipment] = {}
        self.behaviour: dict[str, str] = {}  # digitalId → accept|reject|timeout|lost (once each)
        self.paths: dict[str, str] = {}  # digitalId → a key of PATHS
        self.requests: list[tuple[str, str]] = []
        self.invalid: list[str] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> StandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def sends_for(self, external_reference: str) -> list[StoredShipment]:
        return [s for s in self.shipments.values() if s.external_reference == external_reference]

    # --- the endpoints -------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(raw_path)
        path = url.path.removeprefix("/api")
        with self.lock:
            self.requests.append((method, path))
        match = re.fullmatch(r"/v(\d)/kontoer/([^/]+)/forsendelser(/.*)?", path)
        if not match:
            return 404, self._error(404, "Not Found", path)
        version, account, rest = match.group(1), match.group(2), match.group(3) or ""
        refused = self._auth(headers, account, path)
        if refused:
            return refused
        if version == "3" and rest == "/person" and method == "POST":
            return self._send(headers, body, path)
        if version == "3" and rest == "/status/sok" and method == "POST":
            return self._statuses(body, path)
        if version == "2" and rest == "" and method == "GET":
            return self._by_external_reference(parse_qs(url.query), path)
        return 404, self._error(404, "Not Found", path)

    def _auth(self, headers: Any, account: str, path: str) -> tuple[int, dict[str, Any]] | None:
        for problem in self.validator.errors(
            account, SEND_SPEC, "paths", SEND_PATH, "post", "parameters", "0", "schema"
        ):
            return 400, self._invalid(f"kontoId {problem}", path)
        if headers.get("Authorization", "") != f"Bearer {self.token}":
            return 401, self._error(401, "Klarte ikke å validere access_token", path)
        if (headers.get("IntegrasjonId"), headers.get("IntegrasjonPassord")) != (
            self.integration_id,
            self.integration_password,
        ):
            return 401, self._error(401, "Ugyldig integrasjon eller passord", path)
        if account != self.account_id:
            return 403, self._error(403, "Integrasjonen har ikke tilgang til kontoen", path)
        return None

    def _send(self, headers: Any, body: bytes, path: str) -> tuple[int, dict[str, Any]]:
        content_type = headers.get("Content-Type", "")
        operation = self.validator.operation(SEND_SPEC, SEND_PATH, "post")
        if (
            not content_type.startswith("multipart/form-data")
            or "multipart/form-data" not in operation["requestBody"]["content"]
        ):
            return 400, self._invalid("Content-Type må være multipart/form-data", path)
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        parts = list(message.iter_parts()) if message.is_multipart() else []
        if not parts or parts[0].get_param("name", header="content-disposition") != "forsendelse":
            return 400, self._invalid("Første del må hete 'forsendelse'", path)
        try:
            shipment = json.loads(parts[0].get_payload(decode=True))
        except ValueError:
            return 400, self._invalid("'forsendelse' er ikke JSON", path)
        body_schema = ("paths", SEND_PATH, "post", "requestBody", "content", "multipart/form-data", "schema")
        problems = self.validator.errors(shipment, SEND_SPEC, *body_schema, "properties", "forsendelse")
        documents = shipment.get("dokumenter", []) if isinstance(shipment, dict) else []
        files = parts[1:]
        if len(files) != len(documents):
            problems.append(f"{len(documents)} dokumenter i metadata, {len(files)} filer")
        names = [d.get("filnavn", "") for d in documents]
        if len(set(names)) != len(names):
            problems.append("filnavn må være unike")
        for document, part in zip(documents, files, strict=False):
            name = document.get("filnavn", "")
            if FORBIDDEN_IN_FILENAME & set(name):
                problems.append(f"ulovlig tegn i filnavn {name!r}")
            if part.get_filename() != name:
                problems.append(f"filename {part.get_filename()!r} er ikke filnavn {name!r}")
            if part.get_content_type() != document.get("mimeType"):
                problems.append(
                    f"Content-Type {part.get_content_type()} er ikke mimeType {document.get('mimeType')}"
                )
            if document.get("mimeType") == "application/pdf" and not part.get_payload(decode=True).startswith(
                b"%PDF"
            ):
                problems.append(f"{name} er ikke en PDF")
        digital_id = (
            str((shipment.get("mottaker") or {}).get("digitalId", "")) if isinstance(shipment, dict) else ""
        )
        if not re.fullmatch(r"\d{11}", digital_id):
            problems.append("digitalId må være et fødsels- eller d-nummer (11 siffer)")
        if problems:
            return 400, self._invalid("; ".join(problems), path)
        behaviour = self.behaviour.pop(digital_id, "accept")
        if behaviour == "reject":
            return 400, self._error(400, "Forsendelsen ble avvist", path, error_code="VALIDERING")
        if behaviour == "lost":
            self._release.wait(self.hang_seconds)
            return 504, self._error(504, "Gateway Timeout", path)
        stored = StoredShipment(
            id=str(uuid.uuid4()),
            external_reference=shipment.get("eksternReferanse", ""),
            digital_id=digital_id,
            shipment=shipment,
            files=[(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in files],
            path=PATHS[self.paths.get(digital_id) or default_path(digital_id)],
        )
        with self.lock:
            self.shipments[stored.id] = stored
        if behaviour == "timeout":
            self._release.wait(self.hang_seconds)
        return 200, self._answer({"id": stored.id}, SEND_SPEC, SEND_PATH)

    def _statuses(self, body: bytes, path: str) -> tuple[int, dict[str, Any]]:
        try:
            query = json.loads(body)
        except ValueError:
            return 400, self._invalid("Kroppen er ikke JSON", path)
        problems = self.validator.errors(query, STATUS_SPEC, "components", "schemas", "Forsendelser")
        if problems:
            return 400, self._invalid("; ".join(problems), path)
        found = []
        with self.lock:
            for shipment_id in query["id"]:
                stored = self.shipments.get(shipment_id)
                if stored is None:
                    continue
                found.append(
                    {"id": stored.id, "sisteStatusEndring": stored.changed_at, "status": stored.status}
                )
                if stored.step < len(stored.path) - 1:
                    stored.step += 1
                    stored.changed_at = _now()
        return 200, self._answer({"statuser": found}, STATUS_SPEC, STATUS_PATH)

    def _by_external_reference(self, query: dict[str, list[str]], path: str) -> tuple[int, dict[str, Any]]:
        reference = (query.get("eksternRef") or [""])[0]
        if not reference:
            return 400, self._invalid("eksternRef mangler", path)
        ids = [s.id for s in self.sends_for(reference)]
        return 200, self._answer({"forsendelseIds": ids}, EXTREF_SPEC, EXTREF_PATH, method="get")

    # --- answers ---------------------------------------------------------------

    def _answer(self, data: dict[str, Any], spec: str, path: str, method: str = "post") -> dict[str, Any]:
        problems = self.validator.errors(
            data, spec, "paths", path, method, "responses", "200", "content", "application/json", "schema"
        )
        self.errors.extend(problems)
        return data

    def _error(self, status: int, message: str, path: str, error_code: str = "") -> dict[str, Any]:
        data = {
            "timestamp": int(datetime.datetime.now(datetime.UTC).timestamp() * 1000),
            "status": status,
            "error": message,
            "errorId": str(uuid.uuid4()),
            "path": path,
            "originalPath": f"/api{path}",
            "message": message,
            **({"errorCode": error_code} if error_code else {}),
        }
        self.errors.extend(self.validator.errors(data, SEND_SPEC, "components", "schemas", "ErrorMessage"))
        return data

    def _invalid(self, message: str, path: str) -> dict[str, Any]:
        with self.lock:
            self.invalid.append(message)
        return self._error(400, message, path, error_code="VALIDERING")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, data = self.server.standin.handle(method, self.path, self.headers, body)  # type: ignore[attr-defined]
        payload = json.dumps(data).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return
