from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Utsending")

    def ready(self) -> None:
        from housing_office.audit import audit
        from housing_office.navigation import register_menu_item
        from letters.delivery import Delivery, register_delivery

        from . import models, services

        register_menu_item("dispatch", _("Utsending"), "dispatch:overview", order=55)

        # letters does not import dispatch: it calls these through letters.delivery.
        register_delivery(
            Delivery(
                dispatch=services.plan_dispatch,
                take_for_print=services.take_for_print,
                with_delivery=services.with_shipments,
                summaries=services.summaries,
                aggregates=services.batch_aggregates,
            )
        )
        audit(models.Shipment, household_of=lambda shipment: shipment.letter.household_id)
        audit(models.PrintFile)
