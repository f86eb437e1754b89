"""Rent arrears casework: a tenancy's unpaid rent followed from the first
missed rent to an eviction avoided (or carried out).

The finance system's monthly arrears list (`import_arrears`) opens, updates
and closes the cases; the caseworker moves them through the stages, each
stage an `ArrearsEvent` with its date, its letter and who recorded it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned


class Stage(models.TextChoices):
    """Where a case stands; Veiviseren's phases (veiviseren.no, «Forhindre
    utkastelser»): early contact, prevent the request, prevent the eviction."""

    OPENED = "opened", _("Ny restanse")
    REMINDER = "reminder", _("Purring sendt")
    AGREEMENT = "agreement", _("Betalingsavtale")
    NOTICE_4_18 = "notice_4_18", _("Varsel etter tvfbl. § 4-18")
    NAV_NOTICE = "nav_notice", _("NAV varslet (husleieloven § 9-11)")
    EVICTION_REQUESTED = "eviction_requested", _("Fravikelse begjært")
    EVICTED = "evicted", _("Fravikelse gjennomført")
    CLOSED = "closed", _("Avsluttet")


# The order the stages usually come in (for ranking by how far a case has gone).
STAGE_ORDER = {stage.value: n for n, stage in enumerate(Stage)}


class CloseReason(models.TextChoices):
    PAID = "paid", _("Betalt")
    AGREEMENT_KEPT = "agreement_kept", _("Betalingsavtale overholdt")
    MOVED_OUT = "moved_out", _("Flyttet ut")
    EVICTED = "evicted", _("Kastet ut (fravikelse)")
    OTHER = "other", _("Annet")


class ArrearsImport(MunicipalityOwned):
    """One imported arrears list: the newest `as_of` bounds the next import."""

    as_of = models.DateField(_("per dato"))
    file_name = models.CharField(_("fil"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rader"), default=0)
    opened = models.PositiveIntegerField(_("nye saker"), default=0)
    updated = models.PositiveIntegerField(_("endrede saker"), default=0)
    closed = models.PositiveIntegerField(_("avsluttede saker"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("import av restanseliste")
        verbose_name_plural = _("importer av restanselister")
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} per {self.as_of:%d.%m.%Y}"


class ArrearsCase(MunicipalityOwned):
    tenancy = models.ForeignKey(
        "dwellings.Tenancy",
        verbose_name=_("leieforhold"),
        on_delete=models.PROTECT,
        related_name="arrears_cases",
    )
    opened_on = models.DateField(_("åpnet"))
    closed_on = models.DateField(_("avsluttet"), null=True, blank=True)
    close_reason = models.CharField(
        _("avsluttet fordi"), max_length=20, choices=CloseReason.choices, blank=True, default=""
    )
    close_note = models.TextField(_("hvordan det endte"), blank=True, default="")
    amount = models.DecimalField(
        _("restanse (kr)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    oldest_due_date = models.DateField(_("eldste forfall"))
    as_of = models.DateField(_("per dato (siste liste)"))
    stage = models.CharField(_("fase"), max_length=20, choices=Stage.choices, default=Stage.OPENED)
    stage_on = models.DateField(_("fase fra"))
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saksbehandler"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("restansesak")
        verbose_name_plural = _("restansesaker")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenancy"],
                condition=Q(closed_on__isnull=True),
                name="arrears_case_one_open_per_tenancy",
                violation_error_message=_("Leieforholdet har allerede en åpen restansesak."),
            ),
            models.CheckConstraint(
                condition=(Q(closed_on__isnull=True) & Q(close_reason=""))
                | (Q(closed_on__isnull=False) & ~Q(close_reason="")),
                name="arrears_case_reason_iff_closed",
                violation_error_message=_("En avsluttet sak må ha en årsak, og bare den."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="arrears_case_closed_not_before_opened",
                violation_error_message=_("Saken kan ikke avsluttes før den ble åpnet."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="arrears_case_amount_not_negative",
                violation_error_message=_("Restansen kan ikke være negativ."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "closed_on"]),
            models.Index(fields=["municipality", "opened_on"]),
        ]

    def __str__(self) -> str:
        return f"Restanse {self.amount} kr fra {self.opened_on:%d.%m.%Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class EventKind(models.TextChoices):
    OPENED = "opened", _("Sak åpnet fra restanselisten")
    OPENED_BY_HAND = "opened_by_hand", _("Sak åpnet for hånd")
    REMINDER = "reminder", _("Purring sendt")
    AGREEMENT = "agreement", _("Betalingsavtale inngått")
    INSTALMENT_MISSED = "instalment_missed", _("Avdrag ikke betalt")
    NOTICE_4_18 = "notice_4_18", _("Varsel etter tvangsfullbyrdelsesloven § 4-18 sendt")
    NOTICE_RECEIVED = "notice_received", _("Varselet mottatt av leietaker")
    NAV_NOTICE = "nav_notice", _("NAV varslet etter husleieloven § 9-11")
    NAV_COPY = "nav_copy", _("Kopi av varselet til NAV sendt leietakeren")
    EVICTION_REQUESTED = "eviction_requested", _("Begjæring om fravikelse sendt namsmannen")
    EVICTED = "evicted", _("Fravikelse gjennomført")
    CONTACT = "contact", _("Kontakt med leietaker")
    CLOSED = "closed", _("Sak avsluttet")


class ArrearsEvent(MunicipalityOwned):
    """The case's history: what happened, on which day, recorded by whom."""

    case = models.ForeignKey(
        ArrearsCase, verbose_name=_("sak"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("hendelse"), max_length=20, choices=EventKind.choices)
    date = models.DateField(_("dato"))
    note = models.TextField(_("merknad"), blank=True, default="")
    letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("brev"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrert av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hendelse i restansesak")
        verbose_name_plural = _("hendelser i restansesaker")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["municipality", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"


class PaymentAgreement(MunicipalityOwned):
    case = models.ForeignKey(
        ArrearsCase, verbose_name=_("sak"), on_delete=models.CASCADE, related_name="agreements"
    )
    agreed_on = models.DateField(_("inngått"))
    amount_at_start = models.DecimalField(
        _("restanse da avtalen ble inngått (kr)"), max_digits=12, decimal_places=2
    )
    missed_on = models.DateField(
        _("brudd registrert"),
        null=True,
        blank=True,
        help_text=_("Datoen på restanselisten som viste at avdragene ikke var betalt."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("betalingsavtale")
        verbose_name_plural = _("betalingsavtaler")
        ordering = ["-agreed_on", "-id"]

    def __str__(self) -> str:
        return f"Betalingsavtale {self.agreed_on:%d.%m.%Y}"


class Instalment(models.Model):
    agreement = models.ForeignKey(
        PaymentAgreement, verbose_name=_("avtale"), on_delete=models.CASCADE, related_name="instalments"
    )
    due_date = models.DateField(_("forfall"))
    amount = models.DecimalField(
        _("beløp (kr)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        verbose_name = _("avdrag")
        verbose_name_plural = _("avdrag")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="instalment_amount_positive",
                violation_error_message=_("Avdraget må være større enn null."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} kr {self.due_date:%d.%m.%Y}"


class NavReservation(MunicipalityOwned):
    """The tenant's written reservation against notices to NAV under
    husleieloven § 9-11 (annet ledd): while it stands, no NAV notice."""

    tenancy = models.ForeignKey(
        "dwellings.Tenancy",
        verbose_name=_("leieforhold"),
        on_delete=models.CASCADE,
        related_name="nav_reservations",
    )
    received_on = models.DateField(_("skriftlig reservasjon mottatt"))
    withdrawn_on = models.DateField(_("trukket tilbake"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reservasjon mot varsel til NAV")
        verbose_name_plural = _("reservasjoner mot varsel til NAV")
        ordering = ["-received_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("received_on")),
                name="nav_reservation_withdrawn_not_before_received",
                violation_error_message=_("Reservasjonen kan ikke trekkes før den ble mottatt."),
            )
        ]

    def __str__(self) -> str:
        return f"Reservert mot NAV-varsel fra {self.received_on:%d.%m.%Y}"
