from django.contrib import admin

from housing_office.admin import ReadOnlyAdmin

from .models import Letter, LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnlyAdmin):
    list_display = ("kind", "language", "version", "subject", "created_by", "created_at")
    list_filter = ("kind", "language")


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ("household", "kind", "status", "created_at", "sha256")
    list_filter = ("kind", "status")
    list_select_related = ("household",)
