from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Job, Municipality, PersonalDataAccess, User


class MunicipalityScopedAdmin(admin.ModelAdmin):
    """Admin for municipality-owned rows.

    The rows are already filtered by the scoping manager; this hides the
    municipality field from staff who belong to one and fills it in for them.
    """

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if request.user.municipality_id and "municipality" in {f.name for f in self.model._meta.fields}:
            exclude.append("municipality")
        return exclude

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if (
            request.user.is_superuser
            and not request.user.municipality_id
            and hasattr(self.model, "municipality")
        ):
            filters.insert(0, "municipality")
        return filters

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if request.user.municipality_id and hasattr(obj, "municipality_id") and not change:
            obj.municipality_id = request.user.municipality_id
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(MunicipalityScopedAdmin):
    """For append-only records: viewable, never edited in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "written_language")
    search_fields = ("number", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Municipality]:
        qs = super().get_queryset(request)
        if request.user.is_superuser and not request.user.municipality_id:
            return qs
        return qs.filter(pk=request.user.municipality_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "municipality", "is_active")
    list_filter = ("is_active", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Boligkontoret"), {"fields": ("municipality", "title", "phone")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        if request.user.is_superuser and not request.user.municipality_id:
            return qs
        return qs.filter(municipality_id=request.user.municipality_id)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return ()
        # An office leader manages their own office's users, not privileges.
        return ("municipality", "is_superuser", "user_permissions", "last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.municipality_id = request.user.municipality_id
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups" and not request.user.is_superuser:
            from django.contrib.auth.models import Group

            from .roles import CASEWORKER, LEADER

            kwargs["queryset"] = Group.objects.filter(name__in=[CASEWORKER, LEADER])
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "state", "progress_done", "progress_total", "created_by", "created_at")
    list_filter = ("kind", "state")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "action", "household", "object_repr")
    list_filter = ("action",)
    list_select_related = ("user", "household")
