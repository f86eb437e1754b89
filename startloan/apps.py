from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ASSESSMENT_PDF_JOB = "startloan_assessment_pdf"


def household_of_assessment_job(job: Any) -> int | None:
    """An assessment PDF is about the household of its application."""
    from .models import StartLoanApplication

    application_id = (job.params or {}).get("application_id")
    if not isinstance(application_id, int):
        return None
    return (
        StartLoanApplication.all_objects.filter(pk=application_id, municipality_id=job.municipality_id)
        .values_list("household_id", flat=True)
        .first()
    )


class StartloanConfig(AppConfig):
    name = "startloan"
    verbose_name = _("Startlån")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        register_menu_item("startloan", _("Startlån"), "startloan:application-list", order=90)
        register_menu_item("readiness", _("Eierskapsvakt"), "startloan:readiness-list", order=91)
        from housing_office.audit import audit
        from housing_office.jobs import register_job_kind

        from . import models

        audit(models.StartLoanApplication)
        audit(models.LoanParameters)
        audit(models.DocumentKind)
        audit(models.HouseholdBudget)
        audit(models.ApplicationDocument)
        register_job_kind(
            ASSESSMENT_PDF_JOB,
            permission="startloan.view_startloanapplication",
            household_of=household_of_assessment_job,
        )
        from .readiness import READINESS_JOB

        register_job_kind(READINESS_JOB, permission="startloan.view_householdbudget")
