from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

YEARLY_REPORT_JOB = "yearly_report"


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Rapporter")

    def ready(self) -> None:
        from housing_office.jobs import register_job_kind
        from housing_office.permissions import LEAD_OFFICE

        # The yearly report is the leader's, like the page that orders it.
        register_job_kind(YEARLY_REPORT_JOB, permission=LEAD_OFFICE)
