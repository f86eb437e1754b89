from django.contrib import admin

from .models import ArrearsCase, ArrearsImport


@admin.register(ArrearsCase)
class ArrearsCaseAdmin(admin.ModelAdmin):
    list_display = ("tenancy", "opened_on", "closed_on", "close_reason", "amount", "stage")
    list_filter = ("stage", "close_reason")
    readonly_fields = (
        "tenancy",
        "opened_on",
        "closed_on",
        "close_reason",
        "amount",
        "oldest_due_date",
        "as_of",
    )

    def get_queryset(self, request):
        return ArrearsCase.objects.select_related("tenancy__household", "tenancy__dwelling")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArrearsImport)
class ArrearsImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "as_of", "rows", "opened", "updated", "closed", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
