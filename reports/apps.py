from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

YEARLY_REPORT_JOB = "yearly_report"
STOCK_PLAN_JOB = "stock_plan"


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Rapporter")

    def ready(self) -> None:
        # Everything under /rapporter/ (reports, the register import) is the leader's.
        from django.db.models.signals import post_migrate

        from housing_office.navigation import register_menu_item

        from .figures_triggers import install_triggers

        # Kept figures are forgotten by triggers; every migrate (and the
        # test database, built from the models) gets them, as the roles.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="reports.install_triggers")
        register_menu_item("dashboard", _("Dashbord"), "reports:dashboard", order=210, leader_only=True)
        from housing_office.audit import audit
        from housing_office.jobs import register_job_kind
        from housing_office.permissions import LEAD_OFFICE

        from .models import YearlyReportText

        # The yearly report is the leader's, like the page that orders it.
        register_job_kind(YEARLY_REPORT_JOB, permission=LEAD_OFFICE)
        register_job_kind(STOCK_PLAN_JOB, permission=LEAD_OFFICE)
        # Who wrote what in a report's introduction and comments.
        audit(YearlyReportText)
