"""Decisions and complaints are only viewed here: they are made and changed
through the services (their letters, deadlines and the owning app's
reaction go with them). The leader keeps the settings per kind here as on
the settings page."""

from django import forms
from django.contrib import admin

from housing_office.admin import MunicipalityScopedAdmin, ReadOnlyAdmin

from .kinds import registered_decision_kinds
from .models import Complaint, Decision, DecisionKindSetting


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("household", "kind", "outcome", "status", "decided_at", "complaint_deadline")
    list_filter = ("kind", "outcome", "status")
    list_select_related = ("household",)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("decision", "received_on", "in_time", "review_result", "final_outcome")
    list_filter = ("in_time", "review_result", "final_outcome")
    list_select_related = ("decision__household",)


class DecisionKindSettingForm(forms.ModelForm):
    kind = forms.ChoiceField(label=DecisionKindSetting._meta.get_field("kind").verbose_name)

    class Meta:
        model = DecisionKindSetting
        fields = ["kind", "appeal_body", "two_person_rule"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only registered kinds: a setting for an unknown code would apply to nothing.
        self.fields["kind"].choices = [(k.code, k.label) for k in registered_decision_kinds()]


@admin.register(DecisionKindSetting)
class DecisionKindSettingAdmin(MunicipalityScopedAdmin):
    form = DecisionKindSettingForm
    list_display = ("__str__", "appeal_body", "two_person_rule")

    def has_delete_permission(self, request, obj=None):
        # Deleting a setting silently brings back the kind's defaults.
        return False
