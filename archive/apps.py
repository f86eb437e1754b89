from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EXTRACTION_JOB = "archive_extraction"


def _letter_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A letter saved one by one (not through a bulk create) is journaled here."""
    if created and not raw:
        from .services import journal_letter

        journal_letter(instance)


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Arkiv")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        register_menu_item(
            "archive",
            _("Arkiv"),
            "archive:public-journal",
            order=200,
            leader_only=True,
            claims=("archive:extraction",),
        )
        from django.db.models.signals import post_save

        from housing_office.audit import audit
        from housing_office.jobs import register_job_kind
        from housing_office.permissions import LEAD_OFFICE
        from letters.journal import register_journal
        from letters.models import Letter

        from . import models
        from .services import journal_new_letters

        # Letters made in bulk (the summons wizard) come through letters.journal;
        # a letter created with save() through post_save. Both journal once.
        register_journal(journal_new_letters)
        post_save.connect(_letter_saved, sender=Letter, dispatch_uid="archive_journal_letter")
        register_job_kind(EXTRACTION_JOB, permission=LEAD_OFFICE)
        audit(models.CaseFile, household_of=lambda case: case.household_id)
        audit(models.RegistryEntry, household_of=lambda entry: entry.case_file.household_id)
