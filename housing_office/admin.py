from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Job, Municipality, PersonalDataAccess, User
from .roles import assignable_roles, is_administrator, may_use_admin, within_roles_of


def _admin_has_permission(request: HttpRequest) -> bool:
    """The admin answers only administrators and office leaders marked as
    staff (see roles.may_use_admin), not everyone with `is_staff`."""
    return may_use_admin(request.user)


# The one admin site of the project, as urls.py mounts it.
admin.site.has_permission = _admin_has_permission

# Fields that hold whole national identity numbers. The admin never shows
# them: the full number may be read only through the household page's
# logged reveal (personopplysningsloven § 12, GDPR art. 32).
NEVER_IN_ADMIN = frozenset({"national_id"})


# Django's admin splits a date and time into two boxes under one label, and
# the time box has no name a screen reader can read (axe: critical; WCAG
# 2.1 1.3.1 and 4.1.2). One labelled box of the browser's own kind instead.
ONE_BOX_DATETIME = {
    models.DateTimeField: {
        "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    }
}


class MunicipalityScopedAdmin(admin.ModelAdmin):
    """Admin for municipality-owned rows.

    The rows are already filtered by the scoping manager; this hides the
    municipality field from staff who belong to one and fills it in for them,
    and leaves out every field in NEVER_IN_ADMIN.
    """

    formfield_overrides = ONE_BOX_DATETIME

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        model_fields = {f.name for f in self.model._meta.fields}
        exclude += sorted((NEVER_IN_ADMIN & model_fields) - set(exclude))
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

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        municipality_id = request.user.municipality_id
        if not municipality_id or not hasattr(self.model, "municipality_id"):
            return form

        class ScopedForm(form):  # type: ignore[misc, valid-type]
            """Checks the constraints that name the municipality (a name
            unique per municipality) although the field is hidden, so a
            clash is a message on the form, not a database error."""

            def _get_validation_exclusions(self) -> Any:
                exclude = super()._get_validation_exclusions()
                if not self.instance.municipality_id:
                    self.instance.municipality_id = municipality_id
                exclude.discard("municipality")
                return exclude

        return ScopedForm

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
    # A website typed without a scheme is an https address (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
    formfield_overrides = ONE_BOX_DATETIME
    # Plain labelled lists: Django's two-pane chooser puts ARIA attributes
    # where they are not allowed (axe: serious).
    filter_horizontal = ()
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

    # An office leader manages their own office's users within the role
    # table (roles.py), never privileges: staff, superuser and single
    # permissions are read-only to them, the groups offered are the roles
    # they may give, and users beyond those roles are theirs to view only.
    LEADER_READONLY = (
        "municipality",
        "is_staff",
        "is_superuser",
        "user_permissions",
        "last_login",
        "date_joined",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_administrator(request.user):
            return ()
        return self.LEADER_READONLY

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not within_roles_of(obj, request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not within_roles_of(obj, request.user):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not is_administrator(request.user):
            # The form has no such fields for them; this holds even if it did.
            obj.municipality_id = request.user.municipality_id
            if change:
                before = User.objects.get(pk=obj.pk)
                obj.is_staff, obj.is_superuser = before.is_staff, before.is_superuser
            else:
                obj.is_staff = obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not is_administrator(request.user):
            user = form.instance
            user.user_permissions.clear()
            allowed = set(assignable_roles(request.user))
            extra = user.groups.exclude(name__in=allowed)
            if extra.exists():
                user.groups.remove(*extra)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            from django.contrib.auth.models import Group

            kwargs["queryset"] = Group.objects.filter(name__in=assignable_roles(request.user))
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
