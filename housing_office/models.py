"""Shared models: municipalities, users, jobs and the access log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedManager

# [0-9], not \d: Python's \d takes any script's digits ("٠١٥٠"), which no
# post office or SSB list knows. \Z, not $: $ lets a trailing newline by.
municipality_number_validator = RegexValidator(
    r"\A[0-9]{4}\Z", _("Kommunenummeret har fire siffer, for eksempel 3807.")
)
postal_code_validator = RegexValidator(r"\A[0-9]{4}\Z", _("Postnummeret har fire siffer."))


class WrittenLanguage(models.TextChoices):
    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")


class Municipality(models.Model):
    number = models.CharField(
        _("kommunenummer"), max_length=4, unique=True, validators=[municipality_number_validator]
    )
    name = models.CharField(_("navn"), max_length=100)
    office_name = models.CharField(
        _("kontorets navn"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("For eksempel «Boligkontoret»."),
    )
    address = models.CharField(_("postadresse"), max_length=200, blank=True, default="")
    postal_code = models.CharField(
        _("postnummer"), max_length=4, blank=True, default="", validators=[postal_code_validator]
    )
    postal_place = models.CharField(_("poststed"), max_length=100, blank=True, default="")
    visiting_address = models.CharField(_("besøksadresse"), max_length=200, blank=True, default="")
    phone = models.CharField(_("telefon"), max_length=30, blank=True, default="")
    email = models.EmailField(_("e-post"), blank=True, default="")
    website = models.URLField(_("nettsted"), blank=True, default="")
    organisation_number = models.CharField(_("organisasjonsnummer"), max_length=11, blank=True, default="")
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    written_language = models.CharField(
        _("målform"), max_length=2, choices=WrittenLanguage.choices, default=WrittenLanguage.BOKMAL
    )
    candidate_min_years = models.PositiveSmallIntegerField(
        _("botid for kandidatlisten (år)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Husstander som har bodd minst så mange år, kommer på kandidatlisten."),
    )

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["number"]
        permissions = [
            ("lead_office", _("Kan lede boligkontoret: dashbord, rapporter, maler og brukere")),
            ("view_full_national_id", _("Kan se hele fødselsnummeret (logges)")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class User(AbstractUser):
    """A member of staff. Belongs to one municipality; administrators
    (superusers) may belong to none."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("kommune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("telefon"), max_length=30, blank=True, default="")
    title = models.CharField(_("stilling"), max_length=100, blank=True, default="")

    class Meta(AbstractUser.Meta):
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class MunicipalityOwned(models.Model):
    """Base for every row that belongs to one municipality."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("endret"), auto_now=True)

    municipality_path = "municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True


class JobState(models.TextChoices):
    WAITING = "waiting", _("Venter")
    RUNNING = "running", _("Kjører")
    DONE = "done", _("Ferdig")
    FAILED = "failed", _("Feilet")


class Job(MunicipalityOwned):
    """A slow piece of work a user started: letters, reports, imports.

    The page shows its state and progress; the Celery task updates them.
    """

    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("tittel"), max_length=200)
    state = models.CharField(_("status"), max_length=10, choices=JobState.choices, default=JobState.WAITING)
    progress_done = models.PositiveIntegerField(_("ferdig"), default=0)
    progress_total = models.PositiveIntegerField(_("totalt"), default=0)
    message = models.TextField(_("melding"), blank=True, default="")
    error = models.TextField(_("feil"), blank=True, default="")
    params = models.JSONField(_("parametere"), default=dict, blank=True)
    result = models.JSONField(_("resultat"), default=dict, blank=True)
    result_file = models.FileField(_("resultatfil"), upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("startet av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    # The Celery task and its arguments after the job's id, written by
    # `jobs.enqueue`, so that a job whose message never reached the broker
    # (or was lost with it) can be sent again.
    task_name = models.CharField(_("oppgave"), max_length=200, blank=True, default="", editable=False)
    task_args = models.JSONField(_("oppgavens argumenter"), default=list, blank=True, editable=False)
    task_sent_at = models.DateTimeField(_("sendt til køen"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("jobb")
        verbose_name_plural = _("jobber")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total"))
                | models.Q(progress_total=0),
                name="job_progress_within_total",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        """Waiting or running: its page keeps polling and shows progress."""
        return self.state in (JobState.WAITING, JobState.RUNNING)

    @property
    def restartable(self) -> bool:
        """Waiting for a task that never reached the broker; see jobs.can_requeue."""
        from .jobs import can_requeue

        return can_requeue(self)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.state == JobState.DONE else 0
        return round(100 * self.progress_done / self.progress_total)


class PersonalDataAccess(MunicipalityOwned):
    """Append-only record of who saw what personal data (innsynslogg)."""

    class Action(models.TextChoices):
        VIEW_NATIONAL_ID = "view_national_id", _("Så hele fødselsnummeret")
        DOWNLOAD_LETTER = "download_letter", _("Lastet ned brev")
        DOWNLOAD_REPORT = "download_report", _("Lastet ned rapport")
        # Rent arrears are sensitive (a household's finances, a threat of
        # eviction): every opening of a case is in the household's log.
        VIEW_ARREARS_CASE = "view_arrears_case", _("Åpnet restansesak")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("bruker"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("handling"), max_length=30, choices=Action.choices)
    household = models.ForeignKey(
        "tenants.Household",
        verbose_name=_("husstand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
    )
    object_repr = models.CharField(_("gjelder"), max_length=200)

    class Meta:
        verbose_name = _("innsynslogg")
        verbose_name_plural = _("innsynslogg")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["household", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.user} {self.get_action_display()}"
