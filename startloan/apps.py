from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StartloanConfig(AppConfig):
    name = "startloan"
    verbose_name = _("Startlån")
