from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def household_of_arrears(arrears: Any) -> int | None:
    """Rent arrears concern the household of their tenancy."""
    tenancy = arrears._state.fields_cache.get("tenancy")
    if tenancy is not None:
        return tenancy.household_id
    return (
        type(arrears)
        ._meta.get_field("tenancy")
        .related_model.all_objects.filter(pk=arrears.tenancy_id)
        .values_list("household_id", flat=True)
        .first()
    )


class DwellingsConfig(AppConfig):
    name = "dwellings"
    verbose_name = _("Boliger")

    def ready(self) -> None:
        from housing_office.navigation import register_menu_item

        register_menu_item("dwellings", _("Boliger"), "dwellings:dwelling-list", order=60)
        from housing_office.audit import audit

        from . import models

        audit(models.Dwelling)
        audit(models.Tenancy)
        audit(models.RentArrears, household_of=household_of_arrears)
        audit(models.StockChange)
        _register_office_figures(models)


def _register_office_figures(models: Any) -> None:
    from housing_office.start_page import register_office_figure

    register_office_figure(
        "running_tenancies",
        _("Løpende leieforhold"),
        lambda today: models.Tenancy.objects.running(today).count(),
        order=10,
    )
    register_office_figure(
        "vacant_dwellings",
        _("Ledige boliger"),
        lambda today: models.Dwelling.objects.in_stock(today).having_status("vacant", today).count(),
        order=20,
    )
