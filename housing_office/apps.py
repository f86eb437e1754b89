from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HousingOfficeConfig(AppConfig):
    name = "housing_office"
    verbose_name = _("Boligkontoret")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import audit, integer_lookups, security
        from .roles import ensure_roles

        audit.register()
        integer_lookups.register()

        # Roles are made after every migrate, so that permissions added by a
        # new migration reach the groups without a data migration of their own.
        post_migrate.connect(ensure_roles, dispatch_uid="housing_office.ensure_roles")
        user_logged_in.connect(security.session_touched_at_login, dispatch_uid="housing_office.session_touch")
