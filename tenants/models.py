"""Households, their members, the rent-to-own pathway, meetings and notes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned, WrittenLanguage, postal_code_validator
from housing_office.national_id import mask, validate_national_id
from housing_office.scoping import ScopedManager


class PathwayStage(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Ikke vurdert")
    SUMMONED = "summoned", _("Innkalt")
    MAPPED = "mapped", _("Kartlagt")
    GUIDANCE = "guidance", _("Veiledning")
    APPLYING_LOAN = "applying_loan", _("Søker startlån")
    LOAN_GRANTED = "loan_granted", _("Startlån innvilget")
    BOUGHT_HOME = "bought_home", _("Kjøpt egen bolig")
    PRIVATE_RENTAL = "private_rental", _("Flyttet til privat leie")
    NOT_RELEVANT = "not_relevant", _("Ikke aktuelt")


# Stages where the rent-to-own work with the household has ended.
CLOSED_STAGES = frozenset({PathwayStage.BOUGHT_HOME, PathwayStage.PRIVATE_RENTAL, PathwayStage.NOT_RELEVANT})


class Household(MunicipalityOwned):
    reference = models.CharField(_("referanse"), max_length=40)
    address = models.CharField(_("adresse"), max_length=200, blank=True, default="")
    postal_code = models.CharField(
        _("postnummer"), max_length=4, blank=True, default="", validators=[postal_code_validator]
    )
    postal_place = models.CharField(_("poststed"), max_length=100, blank=True, default="")
    # Set when the household moved out and its new address is not known yet
    # (`tenants.services.change_address`); no letter goes out meanwhile
    # (`tenants.services.address_left_behind`).
    address_unknown = models.BooleanField(_("ny adresse ukjent"), default=False, editable=False)
    phone = models.CharField(_("telefon"), max_length=30, blank=True, default="")
    email = models.EmailField(_("e-post"), blank=True, default="")
    letter_language = models.CharField(
        _("målform i brev"),
        max_length=2,
        choices=WrittenLanguage.choices,
        blank=True,
        default="",
        help_text=_("Tom: kommunens målform."),
    )
    interpreter_language = models.CharField(
        _("tolk på språk"),
        max_length=60,
        blank=True,
        default="",
        help_text=_("Fyll ut hvis husstanden trenger tolk, for eksempel «arabisk»."),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saksbehandler"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
    )
    pathway_stage = models.CharField(
        _("fase"), max_length=20, choices=PathwayStage.choices, default=PathwayStage.NOT_ASSESSED
    )
    stage_changed_at = models.DateTimeField(_("fase endret"), default=timezone.now)
    # Reference, address and members' names folded by `housing_office.text.fold`,
    # kept up to date by `tenants.services.refresh_search_text`, so that one
    # indexed LIKE finds "Ødegård" from "odegard" on SQLite and PostgreSQL alike.
    search_text = models.TextField(_("søketekst"), blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("husstand")
        verbose_name_plural = _("husstander")
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("reference"),
                name="household_reference_unique_per_municipality",
                violation_error_message=_("Det finnes allerede en husstand med denne referansen."),
            ),
        ]
        indexes = [
            # The pathway board's columns: the first few of a stage by time
            # in it, read from the index whatever the register's size.
            models.Index(
                fields=["municipality", "pathway_stage", "stage_changed_at", "id"],
                name="household_stage_board",
            ),
            # The household list's default order, and its first page read
            # from the index rather than by sorting the municipality.
            models.Index(fields=["municipality", "reference"], name="household_list_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def has_postal_address(self) -> bool:
        return bool(self.address.strip() and self.postal_code and self.postal_place.strip())


class PersonRole(models.TextChoices):
    MAIN = "main", _("Hovedperson")
    CO_APPLICANT = "co_applicant", _("Medsøker")
    ADULT = "adult", _("Voksen")
    CHILD = "child", _("Barn")


class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("husstand"), on_delete=models.CASCADE, related_name="members"
    )
    first_name = models.CharField(_("fornavn"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("etternavn"), max_length=100, blank=True, default="")
    date_of_birth = models.DateField(_("fødselsdato"), null=True, blank=True)
    national_id = models.CharField(
        _("fødselsnummer"),
        max_length=11,
        blank=True,
        default="",
        validators=[validate_national_id],
        help_text=_("11 siffer. Vises bare i sin helhet for dem som har tilgang, og det logges."),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=PersonRole.choices)

    municipality_path = "household__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["household", "role", "date_of_birth"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(role="main"),
                name="person_one_main_per_household",
                violation_error_message=_("Husstanden har allerede en hovedperson."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or str(self.get_role_display())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def masked_national_id(self) -> str:
        return mask(self.national_id)

    def age_on(self, day: datetime.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PathwayStageChange(models.Model):
    """One row per stage change: who moved the household, when and why."""

    household = models.ForeignKey(
        Household, verbose_name=_("husstand"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("fra fase"), max_length=20, choices=PathwayStage.choices)
    to_stage = models.CharField(_("til fase"), max_length=20, choices=PathwayStage.choices)
    changed_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("endret av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("begrunnelse"))

    municipality_path = "household__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("faseendring")
        verbose_name_plural = _("faseendringer")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class JournalNote(MunicipalityOwned):
    household = models.ForeignKey(
        Household, verbose_name=_("husstand"), on_delete=models.CASCADE, related_name="journal_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("skrevet av"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("notat"))
    # The form that writes this row carries a one-time token, as the summons
    # wizard's does (SummonsBatch.request_token): a second submit of the same
    # form (a double click, a resent POST) finds this row instead of making
    # another. Empty for rows written without a form.
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("journalnotat")
        verbose_name_plural = _("journalnotater")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household} {self.created_at:%d.%m.%Y}"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    HELD = "held", _("Gjennomført")
    NO_SHOW = "no_show", _("Møtte ikke")
    CANCELLED = "cancelled", _("Avlyst")


class Barrier(MunicipalityOwned):
    """What keeps a household in a municipal dwelling, as the office codes it
    after a mapping meeting. The leader keeps the list; every municipality
    starts with the four barriers Melhus kommune's project names (economy,
    the neighbourhood, attachment to the place, a dwelling that does not fit;
    Husbanken's «Fra leie til eie» reports), so the dashboard can say why
    households stay and which barriers fall over time."""

    name = models.CharField(_("navn"), max_length=100)
    description = models.CharField(_("beskrivelse"), max_length=300, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=100)
    active = models.BooleanField(_("i bruk"), default=True)

    class Meta:
        verbose_name = _("hindring")
        verbose_name_plural = _("hindringer")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                "municipality", Lower("name"), name="tenants_barrier_name_unique_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OutreachMeeting(MunicipalityOwned):
    household = models.ForeignKey(
        Household, verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="meetings"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saksbehandler"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    starts_at = models.DateTimeField(_("tidspunkt"))
    duration_minutes = models.PositiveSmallIntegerField(_("varighet (minutter)"), default=45)
    place = models.CharField(_("sted"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    outcome_notes = models.TextField(_("hva kom fram"), blank=True, default="")
    next_steps = models.TextField(_("videre oppfølging"), blank=True, default="")
    # The coded outcome of a held mapping meeting (issue: follow-up): what
    # keeps the household where it is, and the household's own goal.
    barriers = models.ManyToManyField(
        Barrier, verbose_name=_("hindringer"), blank=True, related_name="meetings"
    )
    household_goal = models.CharField(_("husstandens eget mål"), max_length=300, blank=True, default="")
    summons_letter = models.OneToOneField(
        "letters.Letter",
        verbose_name=_("innkalling"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting",
    )
    # The form that writes this row carries a one-time token, as the summons
    # wizard's does (SummonsBatch.request_token): a second submit of the same
    # form (a double click, a resent POST) finds this row instead of making
    # another. Empty for rows written without a form.
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("kartleggingssamtale")
        verbose_name_plural = _("kartleggingssamtaler")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["municipality", "starts_at"]),
            models.Index(fields=["caseworker", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5), name="meeting_duration_at_least_5_minutes"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.household} {local:%d.%m.%Y %H:%M}"
