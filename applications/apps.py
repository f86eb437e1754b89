from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def household_of_offer(obj: Any) -> int | None:
    from .models import Application

    return (
        Application.all_objects.filter(pk=obj.application_id).values_list("household_id", flat=True).first()
    )


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Søknader om kommunal bolig")

    def ready(self) -> None:
        from housing_office.audit import audit
        from housing_office.navigation import register_menu_item

        register_menu_item("applications", _("Søknader"), "applications:list", order=65)
        from housing_office.start_page import register_office_figure

        from . import models
        from .allocation import register_allocation_kind
        from .figures import replies_due, share_decided_within_a_month
        from .letter_kinds import register_letter_kinds
        from .waiting_list import waiting_list_size

        audit(models.Application)
        audit(models.Offer, household_of=household_of_offer)
        audit(models.AllocationCriterion)
        audit(models.DocumentRequirement)
        register_letter_kinds()
        register_allocation_kind()
        register_office_figure("waiting_list", _("På venteliste"), waiting_list_size, order=25)
        register_office_figure(
            "provisional_replies_due", _("Søknader som venter på foreløpig svar"), replies_due, order=26
        )
        register_office_figure(
            "decided_within_a_month",
            _("Søknader avgjort innen en måned i år (%)"),
            share_decided_within_a_month,
            order=27,
        )
