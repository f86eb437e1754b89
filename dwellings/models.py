"""Municipal dwellings, tenancies, rent arrears and changes to the stock."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.dates import DAYS_PER_YEAR
from housing_office.models import MunicipalityOwned, postal_code_validator
from housing_office.scoping import ScopedManager, ScopedQuerySet


class DwellingCategory(models.TextChoices):
    GENERAL = "general", _("Gjennomgangsbolig")
    CARE = "care", _("Omsorgsbolig")
    EMERGENCY = "emergency", _("Akuttbolig")


class Ownership(models.TextChoices):
    OWNED = "owned", _("Kommunalt eid")
    LEASED = "leased", _("Innleid")


class DwellingStatus(models.TextChoices):
    VACANT = "vacant", _("Ledig")
    LET = "let", _("Utleid")
    BEING_SOLD = "being_sold", _("Under salg")
    SOLD = "sold", _("Solgt")


class DwellingQuerySet(ScopedQuerySet):
    def with_status(self, today: datetime.date | None = None) -> DwellingQuerySet:
        """Annotate `is_let` and `status`, derived in the database."""
        today = today or timezone.localdate()
        return self.annotate(
            is_let=Exists(Tenancy.objects.filter(dwelling=OuterRef("pk")).running(on=today)),
            status=models.Case(
                models.When(disposed_on__lte=today, then=models.Value(DwellingStatus.SOLD.value)),
                models.When(is_let=True, then=models.Value(DwellingStatus.LET.value)),
                models.When(for_sale=True, then=models.Value(DwellingStatus.BEING_SOLD.value)),
                default=models.Value(DwellingStatus.VACANT.value),
                output_field=models.CharField(),
            ),
        )

    def having_status(self, status: str, today: datetime.date | None = None) -> DwellingQuerySet:
        """The dwellings whose `with_status` status is `status`, filtered on
        the conditions themselves: the database then answers "let" and "not
        let" with one join against the running tenancies instead of a
        subquery per dwelling inside the status expression."""
        today = today or timezone.localdate()
        let = Exists(Tenancy.objects.filter(dwelling=OuterRef("pk")).running(on=today))
        sold = Q(disposed_on__lte=today)
        if status == DwellingStatus.SOLD:
            return self.filter(sold)
        if status == DwellingStatus.LET:
            return self.filter(let).exclude(sold)
        if status == DwellingStatus.BEING_SOLD:
            return self.filter(~let, for_sale=True).exclude(sold)
        if status == DwellingStatus.VACANT:
            return self.filter(~let, for_sale=False).exclude(sold)
        return self.none()

    def in_stock(self, day: datetime.date | None = None) -> DwellingQuerySet:
        """Dwellings the municipality held on `day`."""
        day = day or timezone.localdate()
        return self.filter(Q(acquired_on__isnull=True) | Q(acquired_on__lte=day)).filter(
            Q(disposed_on__isnull=True) | Q(disposed_on__gt=day)
        )


class DwellingManager(ScopedManager.from_queryset(DwellingQuerySet)):  # type: ignore[misc]
    pass


class Dwelling(MunicipalityOwned):
    reference = models.CharField(_("referanse"), max_length=40)
    address = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=4, validators=[postal_code_validator])
    postal_place = models.CharField(_("poststed"), max_length=100)
    rooms = models.PositiveSmallIntegerField(_("rom"), validators=[MinValueValidator(1)])
    area_m2 = models.DecimalField(
        _("areal (m²)"), max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("1"))]
    )
    category = models.CharField(
        _("kategori"), max_length=20, choices=DwellingCategory.choices, default=DwellingCategory.GENERAL
    )
    wheelchair_accessible = models.BooleanField(_("tilgjengelig for rullestolbrukere"), default=False)
    ownership = models.CharField(
        _("eierforhold"), max_length=10, choices=Ownership.choices, default=Ownership.OWNED
    )
    acquired_on = models.DateField(_("anskaffet"), null=True, blank=True)
    disposed_on = models.DateField(_("avhendet (solgt)"), null=True, blank=True)
    for_sale = models.BooleanField(_("lagt ut for salg"), default=False)

    objects = DwellingManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("bolig")
        verbose_name_plural = _("boliger")
        ordering = ["reference"]
        indexes = [
            # The dwelling list's default order: its first page from the
            # index, not from sorting the municipality's stock.
            models.Index(fields=["municipality", "reference", "id"], name="dwelling_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("reference"),
                name="dwelling_reference_unique_per_municipality",
                violation_error_message=_("Det finnes allerede en bolig med denne referansen."),
            ),
            models.CheckConstraint(
                condition=Q(disposed_on__isnull=True)
                | Q(acquired_on__isnull=True)
                | Q(disposed_on__gte=models.F("acquired_on")),
                name="dwelling_disposed_not_before_acquired",
                violation_error_message=_("Salgsdatoen kan ikke være før anskaffelsesdatoen."),
            ),
            models.CheckConstraint(
                condition=Q(rooms__gte=1),
                name="dwelling_rooms_positive",
                violation_error_message=_("En bolig har minst ett rom."),
            ),
            models.CheckConstraint(
                condition=Q(area_m2__gt=0),
                name="dwelling_area_positive",
                violation_error_message=_("Arealet må være større enn null."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.address}"


class ContractType(models.TextChoices):
    FIXED_TERM = "fixed_term", _("Tidsbestemt")
    INDEFINITE = "indefinite", _("Tidsubestemt")


class EndReason(models.TextChoices):
    BOUGHT_OWN_HOME = "bought_own_home", _("Kjøpt egen bolig")
    PRIVATE_RENTAL = "private_rental", _("Flyttet til privat leie")
    OTHER_MUNICIPAL_DWELLING = "other_municipal_dwelling", _("Flyttet til annen kommunal bolig")
    CARE_INSTITUTION = "care_institution", _("Flyttet til institusjon")
    EVICTION = "eviction", _("Utkastelse")
    DECEASED = "deceased", _("Død")
    MOVED_AWAY = "moved_away", _("Flyttet fra kommunen")
    OTHER = "other", _("Annet")


# End reasons that free a dwelling for the next household in the
# rent-to-own sense: the throughput figure `dwellings_freed` (README,
# "Contracts": yearly throughput figures).
EXIT_REASONS = (EndReason.BOUGHT_OWN_HOME, EndReason.PRIVATE_RENTAL)


def running_condition(on: datetime.date) -> Q:
    """A tenancy runs on `on` from its start date up to, not including, its
    end date: the tenants move out on the end date. The one statement of the
    rule; `TenancyQuerySet.running` asks it."""
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gt=on))


class TenancyQuerySet(ScopedQuerySet):
    def running(self, on: datetime.date | None = None) -> TenancyQuerySet:
        """Tenancies running on `on` (default today). Works on every manager
        of Tenancy, the related managers too: `household.tenancies.running(on=day)`,
        `dwelling.tenancies.running()`, `Tenancy.all_objects.running(on=day)`."""
        return self.filter(running_condition(on or timezone.localdate()))


class TenancyManager(ScopedManager.from_queryset(TenancyQuerySet)):  # type: ignore[misc]
    pass


class Tenancy(MunicipalityOwned):
    household = models.ForeignKey(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="tenancies"
    )
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("bolig"), on_delete=models.PROTECT, related_name="tenancies"
    )
    start_date = models.DateField(_("startdato"))
    end_date = models.DateField(_("sluttdato"), null=True, blank=True)
    monthly_rent = models.DecimalField(
        _("månedsleie (kr)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    contract_type = models.CharField(
        _("kontraktstype"), max_length=12, choices=ContractType.choices, default=ContractType.FIXED_TERM
    )
    contract_end = models.DateField(
        _("kontrakten løper til"), null=True, blank=True, help_text=_("For tidsbestemte kontrakter.")
    )
    end_reason = models.CharField(
        _("årsak til avslutning"), max_length=30, choices=EndReason.choices, blank=True, default=""
    )

    objects = TenancyManager()
    # Unscoped, for commands, tasks and reports; it knows `running` too.
    all_objects = models.Manager.from_queryset(TenancyQuerySet)()

    class Meta:
        verbose_name = _("leieforhold")
        verbose_name_plural = _("leieforhold")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"],
                condition=Q(end_date__isnull=True),
                name="tenancy_one_running_per_dwelling",
                violation_error_message=_("Boligen har allerede et løpende leieforhold."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_date__isnull=True),
                name="tenancy_one_running_per_household",
                violation_error_message=_("Husstanden har allerede et løpende leieforhold."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="tenancy_end_not_before_start",
                violation_error_message=_("Sluttdatoen kan ikke være før startdatoen."),
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_reason=""))
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="tenancy_end_reason_iff_ended",
                violation_error_message=_("Et avsluttet leieforhold må ha en årsak, og bare det."),
            ),
            models.CheckConstraint(
                condition=Q(monthly_rent__gte=0),
                name="tenancy_rent_not_negative",
                violation_error_message=_("Husleien kan ikke være negativ."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "end_date"]),
            models.Index(fields=["municipality", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.household} i {self.dwelling.reference} fra {self.start_date:%d.%m.%Y}"

    def years_on(self, day: datetime.date | None = None) -> float:
        """Tenancy length (botid) in years up to `day` or the end date."""
        end = self.end_date or day or timezone.localdate()
        return (end - self.start_date).days / float(DAYS_PER_YEAR)


class RentArrears(MunicipalityOwned):
    """Retired: unpaid rent registered by hand on a tenancy, before the
    arrears app. Unpaid rent is now `arrears.ArrearsCase` (opened from the
    finance system's list or by hand); the unsettled rows were carried over
    into open cases (arrears migration 0003). The rows stay to be read in
    the admin; nothing writes or counts them any more."""

    tenancy = models.ForeignKey(
        Tenancy, verbose_name=_("leieforhold"), on_delete=models.CASCADE, related_name="arrears"
    )
    amount = models.DecimalField(
        _("beløp (kr)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    due_date = models.DateField(_("forfallsdato"))
    settled_on = models.DateField(_("gjort opp"), null=True, blank=True)

    class Meta:
        verbose_name = _("husleierestanse")
        verbose_name_plural = _("husleierestanser")
        ordering = ["-due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="arrears_amount_positive",
                violation_error_message=_("Beløpet må være større enn null."),
            ),
            models.CheckConstraint(
                condition=Q(settled_on__isnull=True) | Q(settled_on__gte=models.F("due_date")),
                name="arrears_settled_not_before_due",
                violation_error_message=_("Oppgjørsdatoen kan ikke være før forfallsdatoen."),
            ),
        ]
        indexes = [models.Index(fields=["municipality", "settled_on"])]

    def __str__(self) -> str:
        return f"{self.amount} kr forfalt {self.due_date:%d.%m.%Y}"


class StockChange(MunicipalityOwned):
    """A purchase or sale of a dwelling: the log the office reinvests from."""

    class Kind(models.TextChoices):
        ACQUIRED = "acquired", _("Kjøpt / anskaffet")
        DISPOSED = "disposed", _("Solgt / avhendet")

    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("bolig"), on_delete=models.PROTECT, related_name="stock_changes"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("dato"))
    price = models.DecimalField(
        _("pris (kr)"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    valuation = models.DecimalField(
        _("takst (kr)"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # The household that bought the dwelling it rented (leie til eie); empty
    # for purchases and for sales to anyone else.
    buyer_household = models.ForeignKey(
        "tenants.Household",
        verbose_name=_("kjøper (husstand)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dwellings_bought",
    )
    note = models.TextField(_("merknad"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrert av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("endring i boligmassen")
        verbose_name_plural = _("endringer i boligmassen")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling", "kind"],
                name="stock_change_once_per_kind",
                violation_error_message=_("Denne endringen er allerede registrert for boligen."),
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="stock_change_price_not_negative",
                violation_error_message=_("Prisen kan ikke være negativ."),
            ),
            models.CheckConstraint(
                condition=Q(valuation__isnull=True) | Q(valuation__gte=0),
                name="stock_change_valuation_not_negative",
                violation_error_message=_("Taksten kan ikke være negativ."),
            ),
            models.CheckConstraint(
                condition=Q(buyer_household__isnull=True) | Q(kind="disposed"),
                name="stock_change_buyer_only_on_sale",
                violation_error_message=_("Bare et salg kan ha en kjøper."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.dwelling.reference} {self.date:%d.%m.%Y}"
