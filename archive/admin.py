from django.contrib import admin

from .models import CaseFile, RegistryEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The journal is written by the app; the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyAdmin):
    list_display = ["number", "public_title", "opened_on", "responsible"]
    exclude = ["household"]


@admin.register(RegistryEntry)
class RegistryEntryAdmin(ReadOnlyAdmin):
    list_display = ["reference", "journal_number", "entry_type", "public_title", "journal_date", "screened"]
    exclude = ["case_file", "letter"]
