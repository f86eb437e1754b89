from django.contrib import admin

from .models import Complaint, Decision, DecisionKindSetting


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """Read-only: a decision is made and changed only through the services
    (its letter, deadline and the owning app's reaction go with it)."""

    list_display = ("household", "kind", "outcome", "status", "decided_at", "complaint_deadline")
    list_filter = ("kind", "outcome", "status")

    def get_queryset(self, request):
        return Decision.objects.select_related("household")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("decision", "received_on", "in_time", "review_result", "final_outcome")
    list_filter = ("in_time", "review_result", "final_outcome")

    def get_queryset(self, request):
        return Complaint.objects.select_related("decision__household")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DecisionKindSetting)
class DecisionKindSettingAdmin(admin.ModelAdmin):
    list_display = ("kind", "appeal_body", "two_person_rule")
