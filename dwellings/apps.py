from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DwellingsConfig(AppConfig):
    name = "dwellings"
    verbose_name = _("Boliger")
