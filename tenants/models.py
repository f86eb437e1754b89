"""Households, their members, the rent-to-own pathway, meetings, letters and notes."""

from __future__ import annotations

import copy
import datetime
import uuid

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
        indexes = [models.Index(fields=["municipality", "pathway_stage"])]

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


class LetterKind(models.TextChoices):
    SUMMONS = "summons", _("Innkalling til kartleggingssamtale")
    LOAN_DECISION = "loan_decision", _("Vedtak om startlån")
    LOAN_ASSESSMENT = "loan_assessment", _("Vurdering av betjeningsevne")


class LetterTemplate(MunicipalityOwned):
    """A versioned letter template. Saving a change makes a new version, so
    a letter already made keeps the version it was made from."""

    kind = models.CharField(_("brevtype"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("målform"), max_length=2, choices=WrittenLanguage.choices)
    version = models.PositiveIntegerField(_("versjon"))
    subject = models.CharField(_("overskrift"), max_length=200)
    body = models.TextField(_("brevtekst"), help_text=_("Django-mal. Variabler står i {{ … }}."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("laget av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("brevmal")
        verbose_name_plural = _("brevmaler")
        ordering = ["kind", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "language", "version"],
                name="letter_template_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="letter_template_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_language_display()}) v{self.version}"


class LetterStatus(models.TextChoices):
    PENDING = "pending", _("Venter på utskrift")
    RENDERED = "rendered", _("Laget")
    FAILED = "failed", _("Feilet")


class ImmutableLetterError(ValueError):
    """A rendered letter is an archive record; it cannot be changed or deleted."""


class Letter(MunicipalityOwned):
    """The archive copy of a letter the household got. Once rendered, its PDF
    and checksum never change."""

    # Fields frozen once the letter is rendered (see `save`).
    ARCHIVED_FIELDS = ("status", "pdf", "sha256", "template_id", "context", "household_id", "kind")

    kind = models.CharField(_("brevtype"), max_length=20, choices=LetterKind.choices)
    household = models.ForeignKey(
        Household, verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="letters"
    )
    template = models.ForeignKey(
        LetterTemplate, verbose_name=_("mal"), on_delete=models.PROTECT, related_name="letters"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    # What the template was rendered with, so the archive copy can be
    # explained (and re-rendered identically) long after the records change.
    context = models.JSONField(_("innhold"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    archive_reference = models.CharField(_("arkivreferanse"), max_length=40, blank=True, default="")
    batch_key = models.CharField(
        _("puljenøkkel"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Samme pulje og husstand gir aldri to brev."),
    )
    error = models.TextField(_("feil"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("laget av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rendered_at = models.DateTimeField(_("laget"), null=True, blank=True)

    class Meta:
        verbose_name = _("brev")
        verbose_name_plural = _("brev")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "batch_key"],
                condition=~models.Q(batch_key=""),
                name="letter_one_per_household_and_batch",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rendered") | (~models.Q(pdf="") & ~models.Q(sha256="")),
                name="letter_rendered_has_pdf_and_checksum",
            ),
        ]
        # A batch's letters are claimed by (batch_key, status) while rendering.
        indexes = [models.Index(fields=["batch_key", "status"], name="letter_batch_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.household}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_archived_state()
        return instance

    def _archived_state(self) -> dict:
        loaded = self.__dict__
        return {
            # Deep copies, so that changing the context dict in place is seen.
            name: (self.pdf.name if name == "pdf" else copy.deepcopy(loaded.get(name)))
            for name in self.ARCHIVED_FIELDS
            if name in loaded
        }

    def _remember_archived_state(self) -> None:
        self._loaded_state = self._archived_state()

    @property
    def is_archived(self) -> bool:
        loaded = getattr(self, "_loaded_state", {})
        return loaded.get("status") == LetterStatus.RENDERED

    def save(self, *args, **kwargs):
        # The guard covers saves through the model; bulk updates are used
        # only by the renderer, and only on pending letters.
        if self.is_archived:
            now = self._archived_state()
            changed = sorted(k for k, v in self._loaded_state.items() if now.get(k, v) != v)
            if changed:
                raise ImmutableLetterError(
                    f"Letter {self.pk} is rendered and archived; cannot change {', '.join(changed)}"
                )
        super().save(*args, **kwargs)
        self._remember_archived_state()

    def delete(self, *args, **kwargs):
        if self.is_archived or self.status == LetterStatus.RENDERED:
            raise ImmutableLetterError(f"Letter {self.pk} is rendered and archived; it cannot be deleted")
        return super().delete(*args, **kwargs)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    HELD = "held", _("Gjennomført")
    NO_SHOW = "no_show", _("Møtte ikke")
    CANCELLED = "cancelled", _("Avlyst")


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
    summons_letter = models.OneToOneField(
        Letter,
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


class SummonsBatch(MunicipalityOwned):
    """One run of the summons wizard: the households it called in, how the
    slots were laid out, and the job that renders the letters.

    Its letters carry `batch_key` (see `batch_key`), unique per household, so
    re-running or retrying the job never makes a second letter or meeting.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("laget av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The wizard's form carries this token; a second submit of the same form
    # (a double click, the back button) finds the batch instead of making one.
    request_token = models.UUIDField(_("skjemanøkkel"), default=uuid.uuid4, unique=True, editable=False)
    place = models.CharField(_("sted"), max_length=200)
    first_slot = models.DateTimeField(_("første samtale"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutter per samtale"))
    day_starts = models.TimeField(_("første samtale på dagen"), default=datetime.time(8, 0))
    day_ends = models.TimeField(_("siste samtale slutter"), default=datetime.time(15, 30))
    letter_date = models.DateField(_("brevdato"))
    caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("saksbehandlere"), related_name="summons_batches"
    )
    job = models.OneToOneField(
        "housing_office.Job",
        verbose_name=_("jobb"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="summons_batch",
    )
    letter_count = models.PositiveIntegerField(_("antall brev"), default=0)
    # Households the wizard left out, and why: [{"id", "reference", "reason"}].
    left_out = models.JSONField(_("utelatt"), default=list, blank=True)
    print_file = models.FileField(_("utskriftsfil"), upload_to="letters/print/%Y/%m/", blank=True)
    print_sha256 = models.CharField(_("SHA-256 for utskriftsfilen"), max_length=64, blank=True, default="")
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)

    class Meta:
        verbose_name = _("innkallingspulje")
        verbose_name_plural = _("innkallingspuljer")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5), name="summons_batch_slot_at_least_5_minutes"
            ),
            models.CheckConstraint(
                condition=models.Q(day_ends__gt=models.F("day_starts")),
                name="summons_batch_day_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.first_slot)
        return f"Innkalling {local:%d.%m.%Y} ({self.letter_count})"

    @property
    def batch_key(self) -> str:
        return f"summons-{self.pk}"
