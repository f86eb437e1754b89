from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Vedtak og klager")

    def ready(self) -> None:
        from housing_office.audit import audit

        from . import models
        from .kinds import register_own_kinds
        from .letter_kinds import register_letter_kinds

        audit(models.Decision, household_of=lambda decision: decision.household_id)
        audit(
            models.Complaint,
            household_of=lambda complaint: (
                models.Decision.all_objects.filter(pk=complaint.decision_id)
                .values_list("household_id", flat=True)
                .first()
            ),
        )
        audit(models.DecisionKindSetting)
        register_own_kinds()
        register_letter_kinds()
