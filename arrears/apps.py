from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def household_of_case(obj: Any) -> int | None:
    """A case (or a reservation) concerns the household of its tenancy."""
    from dwellings.models import Tenancy

    return Tenancy.all_objects.filter(pk=obj.tenancy_id).values_list("household_id", flat=True).first()


def household_of_case_part(obj: Any) -> int | None:
    """An event or agreement concerns the household of its case's tenancy."""
    from .models import ArrearsCase

    return (
        ArrearsCase.all_objects.filter(pk=obj.case_id).values_list("tenancy__household_id", flat=True).first()
    )


class ArrearsConfig(AppConfig):
    name = "arrears"
    verbose_name = _("Husleierestanser")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        register_menu_item("arrears", _("Restanser"), "arrears:case-list", order=80)
        from housing_office.audit import audit
        from housing_office.jobs import register_job_kind
        from housing_office.start_page import register_office_figure

        from . import models
        from .letter_kinds import register_letter_kinds

        audit(models.ArrearsCase, household_of=household_of_case)
        audit(models.ArrearsEvent, household_of=household_of_case_part)
        audit(models.PaymentAgreement, household_of=household_of_case_part)
        audit(models.NavReservation, household_of=household_of_case)
        audit(models.ArrearsImport)
        register_letter_kinds()
        # The list import's check and import, and their error lists, are the
        # caseworker's who may import (arrears.add_arrearsimport).
        from .import_views import IMPORT_JOB, IMPORT_PERMISSION, PREVIEW_JOB

        register_job_kind(PREVIEW_JOB, permission=IMPORT_PERMISSION)
        register_job_kind(IMPORT_JOB, permission=IMPORT_PERMISSION)
        register_office_figure(
            "open_arrears_cases",
            _("Åpne restansesaker"),
            lambda today: models.ArrearsCase.objects.filter(closed_on__isnull=True).count(),
            order=35,
        )
