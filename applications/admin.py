"""The admin of the way in: the leader keeps the allocation criteria and the
document checklist here as on their pages; applications and offers are
only viewed, since they change only through the services (their letters,
decisions and tenancies go with them)."""

from django.contrib import admin

from housing_office.admin import MunicipalityScopedAdmin, ReadOnlyAdmin

from .models import AllocationCriterion, Application, DocumentRequirement, Offer


@admin.register(AllocationCriterion)
class AllocationCriterionAdmin(MunicipalityScopedAdmin):
    list_display = ("name", "priority", "active")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None):
        # Applications point at their criteria; a criterion no longer in
        # use is marked so ("i bruk"), not deleted.
        return False


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(MunicipalityScopedAdmin):
    list_display = ("name", "order", "active")
    list_filter = ("active",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "household", "received_on", "status", "outcome", "decided_on", "is_transfer")
    list_filter = ("status", "outcome", "is_transfer")
    list_select_related = ("household",)
    search_fields = ("reference",)


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ("application", "dwelling", "offered_on", "answer_deadline", "answer", "answered_on")
    list_filter = ("answer",)
    list_select_related = ("application__household", "dwelling")
