from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def household_of_plan_part(obj: Any) -> int | None:
    """A contact or an action concerns the household of its plan."""
    from .models import FollowUpPlan

    return FollowUpPlan.all_objects.filter(pk=obj.plan_id).values_list("household_id", flat=True).first()


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Oppfølging")

    def ready(self) -> None:
        from housing_office.audit import audit
        from housing_office.navigation import register_menu_item
        from tenants.household_page import register_household_section

        from . import models
        from .views import household_section

        register_menu_item("followup", _("Oppfølging"), "followup:worklist", order=45)
        audit(
            models.FollowUpPlan, household_of=lambda plan: plan.household_id, exclude_fields=["request_token"]
        )
        audit(models.FollowUpContact, household_of=household_of_plan_part, exclude_fields=["request_token"])
        audit(models.AgreedAction, household_of=household_of_plan_part, exclude_fields=["request_token"])
        audit(models.PostMoveCheckIn, household_of=lambda check_in: check_in.household_id)
        audit(models.FollowUpSetting)
        register_household_section(
            "followup",
            "followup/_household_section.html",
            household_section,
            permission="followup.view_followupplan",
            order=50,
        )
