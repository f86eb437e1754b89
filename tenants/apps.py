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
