from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _give_default_barriers(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from .services import ensure_default_barriers

        ensure_default_barriers(instance.pk)


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Husstander")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        register_menu_item("home", _("Start"), "home", order=0, exact=True)
        register_menu_item("households", _("Husstander"), "tenants:household-list", order=10)
        register_menu_item("candidates", _("Kandidater"), "tenants:candidate-list", order=20)
        register_menu_item("pathway", _("Løpet"), "tenants:pathway-board", order=30)
        register_menu_item("meetings", _("Samtaler"), "tenants:meeting-list", order=40)
        from housing_office.audit import audit, household_of_self

        from . import models

        audit(models.Household, household_of=household_of_self, exclude_fields=["search_text"])
        audit(
            models.Person, mask_fields=["national_id"], mask_callable="housing_office.audit.mask_national_id"
        )
        # The one-time form token only guards against double submits.
        audit(models.JournalNote, exclude_fields=["request_token"])
        audit(models.OutreachMeeting, exclude_fields=["request_token"])
        audit(models.Barrier)
        # Every municipality starts with Melhus' four barriers (see Barrier).
        from django.db.models.signals import post_save

        from housing_office.models import Municipality

        post_save.connect(
            _give_default_barriers, sender=Municipality, dispatch_uid="tenants_default_barriers"
        )
