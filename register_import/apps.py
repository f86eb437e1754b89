from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PREVIEW_JOB = "register_import_preview"
IMPORT_JOB = "register_import"


class RegisterImportConfig(AppConfig):
    name = "register_import"
    verbose_name = _("Registerimport")

    def ready(self) -> None:
        from housing_office.jobs import register_job_kind
        from housing_office.permissions import LEAD_OFFICE

        # An import's preview and its error list are the leader's, like the
        # import page itself.
        register_job_kind(PREVIEW_JOB, permission=LEAD_OFFICE)
        register_job_kind(IMPORT_JOB, permission=LEAD_OFFICE)
