"""Letters: versioned templates, the archived letters made from them, and
the summons batches that make many at once.

The tables were made when these models lived in the tenants app; they keep
their names (`db_table`), so moving the models moved no data (see
migrations/0001_initial.py).
"""

from __future__ import annotations

import copy
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned, WrittenLanguage


class LetterKind(models.TextChoices):
    """The kinds of letter the office sends. Each has a `LetterKindSpec` in
    `letters.kinds` (its default templates, variables and snapshot); adding
    a kind is a member here (and its migration), a spec and a template."""

    SUMMONS = "summons", _("Innkalling til kartleggingssamtale")
    ARREARS_REMINDER = "arrears_reminder", _("Purring på husleie")
    ARREARS_AGREEMENT = "arrears_agreement", _("Betalingsavtale for husleierestanse")
    ARREARS_NOTICE_4_18 = "arrears_notice_4_18", _("Varsel etter tvangsfullbyrdelsesloven § 4-18")
    ARREARS_NAV_NOTICE = (
        "arrears_nav_notice",
        _("Varsel til NAV etter husleieloven § 9-11 (kopi til leietaker)"),
    )
    ARREARS_NAV_OFFICE = "arrears_nav_office", _("Varsel til NAV-kontoret etter husleieloven § 9-11")
    EVICTION_REQUEST = "eviction_request", _("Begjæring om fravikelse")
    DECISION = "decision", _("Vedtak")
    COMPLAINT_FORWARDED = "complaint_forwarded", _("Klage sendt til klageinstansen")
    PROVISIONAL_REPLY = "provisional_reply", _("Foreløpig svar på søknad om kommunal bolig")
    HOUSING_OFFER = "housing_offer", _("Tilbud om kommunal bolig")


class TemplateFormat(models.TextChoices):
    """How the leader wrote a version: in brevtekst (`letters.markup`, the
    editor's format), or as HTML with template tags (versions stored before
    brevtekst, which still render and can still be edited as they are)."""

    BREVTEKST = "brevtekst", _("Brevtekst")
    HTML = "html", _("HTML (eldre format)")


class LetterTemplate(MunicipalityOwned):
    """A versioned letter template. Saving a change makes a new version, so
    a letter already made keeps the version it was made from.

    `subject` and `body` are always the template the letter engine renders,
    so rendering never converts anything; a brevtekst version keeps what the
    leader wrote in `source`."""

    kind = models.CharField(_("brevtype"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("målform"), max_length=2, choices=WrittenLanguage.choices)
    version = models.PositiveIntegerField(_("versjon"))
    subject = models.CharField(_("overskrift"), max_length=200)
    body = models.TextField(_("mal"), help_text=_("Malen brevet lages fra (laget fra brevteksten)."))
    format = models.CharField(
        _("format"), max_length=10, choices=TemplateFormat.choices, default=TemplateFormat.HTML
    )
    source = models.TextField(_("brevtekst"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("laget av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "tenants_lettertemplate"
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
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="letters"
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
    # The office chose paper for this letter: it goes in the print file even
    # when the recipient could get it digitally (letters.delivery).
    print_chosen = models.BooleanField(_("sendes på papir"), default=False)
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
        db_table = "tenants_letter"
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
        indexes = [
            # A batch's letters are claimed by (batch_key, status) while rendering.
            models.Index(fields=["batch_key", "status"], name="letter_batch_status_idx"),
            # The office's letters by day: the dashboard's first year with
            # records reads the earliest alone (it scanned every letter, 9 ms
            # of the page on the national register's 74,000), the yearly
            # summons counts a range.
            models.Index(fields=["municipality", "created_at"], name="letter_municipality_made_idx"),
        ]

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
        db_table = "tenants_summonsbatch"
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

    def letters(self) -> models.QuerySet[Letter]:
        return Letter.all_objects.filter(batch_key=self.batch_key)

    def letter_counts(self, **more: models.Aggregate) -> dict[str, int]:
        """How many of the batch's letters there are, by status (and by
        `more`, in the same query)."""
        return self.letters().aggregate(
            total=models.Count("pk"),
            rendered=models.Count("pk", filter=models.Q(status=LetterStatus.RENDERED)),
            failed=models.Count("pk", filter=models.Q(status=LetterStatus.FAILED)),
            pending=models.Count("pk", filter=models.Q(status=LetterStatus.PENDING)),
            **more,
        )

    def retry_refusal(self, counts: dict[str, int] | None = None) -> str | None:
        """Why the batch's job cannot be started again now, or None when it
        can: it has a job that is not running, and a letter is missing (failed
        or still pending) or the print file is. The page asks this before it
        offers the button; `letters.summons.retry_batch` asks it again under
        a lock before it starts the job."""
        job = self.job
        if job is None:
            return str(_("Innkallingen har ingen jobb å starte igjen."))
        if job.is_active:
            return str(_("Jobben kjører allerede. Vent til den er ferdig."))
        counts = counts if counts is not None else self.letter_counts()
        if not (counts["failed"] or counts["pending"]) and self.print_file:
            return str(_("Alle brevene er laget. Det er ingenting å prøve igjen."))
        return None
