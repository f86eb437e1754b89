"""Recompute every household's stored search text with the current
`housing_office.text.fold`. Run it once after fold changes (the search then
finds the new spellings for old households too); running it again changes
nothing."""

from __future__ import annotations

from collections import defaultdict

from django.core.management.base import BaseCommand
from django.db import transaction

from tenants.models import Household, Person
from tenants.services import search_text_from

BATCH = 2000


class Command(BaseCommand):
    help = "Beregner søketeksten til alle husstander på nytt (etter en endring i søkefoldingen)."

    def handle(self, *args, **options) -> None:
        changed = 0
        ids = list(Household.all_objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            names = defaultdict(list)
            for household_id, first, last in (
                Person.all_objects.filter(household_id__in=chunk)
                .order_by("household", "role", "date_of_birth", "pk")
                .values_list("household_id", "first_name", "last_name")
            ):
                names[household_id].append((first, last))
            stale = []
            for household in Household.all_objects.filter(pk__in=chunk).only(
                "pk", "reference", "address", "postal_place", "search_text"
            ):
                text = search_text_from(
                    household.reference, household.address, household.postal_place, names[household.pk]
                )
                if text != household.search_text:
                    household.search_text = text
                    stale.append(household)
            with transaction.atomic():
                Household.all_objects.bulk_update(stale, ["search_text"])
            changed += len(stale)
        self.stdout.write(f"Søketeksten er beregnet på nytt for {changed} av {len(ids)} husstander.")
