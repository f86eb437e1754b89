from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Husstander")

    def ready(self) -> None:
        from housing_office.audit import audit, household_of_self

        from . import models

        audit(models.Household, household_of=household_of_self, exclude_fields=["search_text"])
        audit(
            models.Person, mask_fields=["national_id"], mask_callable="housing_office.audit.mask_national_id"
        )
        # The one-time form token only guards against double submits.
        audit(models.JournalNote, exclude_fields=["request_token"])
        audit(models.OutreachMeeting, exclude_fields=["request_token"])
        _ready_letters(models)


def _ready_letters(models) -> None:
    """The letters' registrations. They move to the letters app's own
    AppConfig.ready() with the letter models."""
    from django.db.models import Exists, OuterRef

    from housing_office.audit import audit
    from housing_office.jobs import register_job_kind

    from .candidates import register_recent_summons_check

    # The letter's context is a copy of the household's data when the letter
    # was made; its PDF, checksum and status are what the trail needs.
    audit(models.Letter, exclude_fields=["context"])
    audit(models.LetterTemplate)
    audit(models.SummonsBatch, exclude_fields=["left_out"])
    register_job_kind("summons_letters", permission="tenants.view_letter")

    def summons_letter_since(since):
        return Exists(
            models.Letter.objects.filter(
                household=OuterRef("pk"), kind=models.LetterKind.SUMMONS, created_at__gte=since
            ).exclude(status=models.LetterStatus.FAILED)
        )

    register_recent_summons_check(summons_letter_since)
