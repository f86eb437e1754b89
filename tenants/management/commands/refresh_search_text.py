"""Recompute every household's stored search text with the current
`housing_office.text.fold`. Run it once after fold changes (the search then
finds the new spellings for old households too); running it again changes
nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tenants.services import refresh_all_search_text


class Command(BaseCommand):
    help = "Beregner søketeksten til alle husstander på nytt (etter en endring i søkefoldingen)."

    def handle(self, *args, **options) -> None:
        changed, total = refresh_all_search_text()
        self.stdout.write(f"Søketeksten er beregnet på nytt for {changed} av {total} husstander.")
