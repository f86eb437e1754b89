from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from housing_office.admin import MunicipalityScopedAdmin, ReadOnlyAdmin

from .models import (
    Household,
    JournalNote,
    OutreachMeeting,
    PathwayStageChange,
    Person,
)


@admin.display(description=_("fødselsnummer"))
def masked_national_id(person: Person) -> str:
    return person.masked_national_id or "–"


# The admin never shows or takes a whole national identity number: reading
# one is logged (personopplysningsloven § 12, GDPR art. 32), and only the
# household page's reveal does that. Numbers are changed on the household
# edit form, which asks for a new number without showing the old one.
NATIONAL_ID_FIELDS = ("national_id",)


class PersonInline(admin.StackedInline):  # a label on every box; a table row has none
    model = Person
    extra = 0
    fields = ("role", "first_name", "last_name", "date_of_birth", masked_national_id)
    readonly_fields = (masked_national_id,)
    exclude = NATIONAL_ID_FIELDS


@admin.register(Household)
class HouseholdAdmin(MunicipalityScopedAdmin):
    list_display = ("reference", "address", "postal_place", "pathway_stage", "caseworker")
    list_filter = ("pathway_stage",)
    search_fields = ("reference", "address", "members__last_name")
    list_select_related = ("caseworker",)
    # When the stage changed is recorded when it changes, not typed (and
    # Django's split date-and-time widget has no label on either box).
    readonly_fields = ("stage_changed_at",)
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(MunicipalityScopedAdmin):
    list_display = ("__str__", "household", "role", "date_of_birth")
    list_filter = ("role",)
    search_fields = ("first_name", "last_name", "household__reference")
    list_select_related = ("household",)
    exclude = NATIONAL_ID_FIELDS
    readonly_fields = (masked_national_id,)


@admin.register(PathwayStageChange)
class PathwayStageChangeAdmin(ReadOnlyAdmin):
    list_display = ("household", "from_stage", "to_stage", "changed_by", "changed_at")
    list_select_related = ("household", "changed_by")


@admin.register(JournalNote)
class JournalNoteAdmin(ReadOnlyAdmin):
    list_display = ("household", "author", "created_at")
    list_select_related = ("household", "author")


@admin.register(OutreachMeeting)
class OutreachMeetingAdmin(MunicipalityScopedAdmin):
    list_display = ("household", "caseworker", "starts_at", "place", "status")
    list_filter = ("status",)
    list_select_related = ("household", "caseworker")
    raw_id_fields = ("household", "summons_letter")
