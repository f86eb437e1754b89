from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def summons_letter_since(since: Any) -> Any:
    """A sign for the candidate list that a household was summoned since
    `since`: a summons letter was made (and did not fail)."""
    from django.db.models import Exists, OuterRef

    from .models import Letter, LetterKind, LetterStatus

    return Exists(
        Letter.objects.filter(
            household=OuterRef("pk"), kind=LetterKind.SUMMONS, created_at__gte=since
        ).exclude(status=LetterStatus.FAILED)
    )


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Brev")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        # The batches, the wizard and the templates are all under /brev/.
        register_menu_item(
            "letters",
            _("Innkallinger"),
            "letters:batch-list",
            order=50,
            claims=("letters:summons-new", "letters:template-list"),
        )
        from housing_office.audit import audit
        from housing_office.jobs import register_job_kind
        from tenants.candidates import register_recent_summons_check

        from . import models
        from .kinds import register_kind
        from .summons import JOB_KIND, SUMMONS

        register_kind(SUMMONS)
        # The letter's context is a copy of the household's data when the
        # letter was made; its PDF, checksum and status are what the trail needs.
        audit(models.Letter, exclude_fields=["context"])
        audit(models.LetterTemplate)
        audit(models.SummonsBatch, exclude_fields=["left_out"])
        register_job_kind(JOB_KIND, permission="letters.view_letter")
        register_recent_summons_check(summons_letter_since)
