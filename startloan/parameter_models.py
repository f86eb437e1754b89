"""The start-loan parameters the office leader keeps for each year: rates,
stress additions, bank criteria, the living-cost tables and their basis.
(Re-exported from `startloan.models`.)"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned
from housing_office.scoping import ScopedManager

NOK = {"max_digits": 12, "decimal_places": 0, "validators": [MinValueValidator(Decimal("0"))]}
PERCENT = {"max_digits": 6, "decimal_places": 3}


class LivingCostBasis(models.TextChoices):
    """What the standard budget's amounts are, named for what they are."""

    BAILIFF = "bailiff", _("Namsmannens livsoppholdssatser")
    GUIDELINE = "guideline", _("Statens veiledende satser for økonomisk stønad")
    SIFO = "sifo", _("SIFOs referansebudsjett")


class LoanParameters(MunicipalityOwned):
    """A municipality's rates and living-cost tables for one year.

    Rates change yearly (and more often); the office leader keeps them here so
    that the assessment never relies on a constant in code. Rates are stored in
    percent, as they are published.
    """

    year = models.PositiveSmallIntegerField(_("år"))
    husbanken_rate = models.DecimalField(
        _("Husbankens flytende rente (%)"),
        **PERCENT,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Se husbanken.no/rente."),
    )
    municipal_markup = models.DecimalField(
        _("kommunalt påslag (prosentpoeng)"),
        **PERCENT,
        default=Decimal("0.25"),
        validators=[
            MinValueValidator(Decimal("0")),
            MaxValueValidator(
                Decimal("0.25"), message=_("Det kommunale påslaget kan være høyst 0,25 prosentpoeng.")
            ),
        ],
        help_text=_("Høyst 0,25 prosentpoeng over Husbankens rente."),
    )
    policy_rate = models.DecimalField(
        _("Norges Banks styringsrente (%)"), **PERCENT, validators=[MinValueValidator(Decimal("0"))]
    )
    stress_addition = models.DecimalField(
        _("påslag i stresstesten (prosentpoeng)"),
        **PERCENT,
        default=Decimal("2.5"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Kalkulasjonsrenten er styringsrenten pluss dette påslaget."),
    )
    # Husbanken: a fee only for documented costs beyond what the markup
    # covers, and then not on top of the markup
    # (https://www.husbanken.no/kommune/startlaan/veileder/renter-og-avdragsvilkar/fast-eller-flytende-rente/gebyr/).
    term_fee = models.DecimalField(
        _("termingebyr per måned (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Bare for dokumenterte kostnader ut over det rentepåslaget dekker."),
    )
    fee_documented = models.BooleanField(
        _("kostnadene ut over rentepåslaget er dokumentert"),
        default=False,
        help_text=_("Kreves for å ta termingebyr i tillegg til rentepåslaget."),
    )
    fixed_rate_3 = models.DecimalField(
        _("Husbankens fastrente 3 år (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fixed_rate_5 = models.DecimalField(
        _("Husbankens fastrente 5 år (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fixed_rate_10 = models.DecimalField(
        _("Husbankens fastrente 10 år (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fixed_rate_20 = models.DecimalField(
        _("Husbankens fastrente 20 år (%)"),
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    living_cost_basis = models.CharField(
        _("grunnlag for standardbudsjettet"),
        max_length=10,
        choices=LivingCostBasis.choices,
        default=LivingCostBasis.BAILIFF,
    )
    living_cost_basis_date = models.DateField(
        _("standardbudsjettets satser gjelder fra"),
        default=datetime.date(2023, 7, 1),
        help_text=_("For SIFOs referansebudsjett: datoen prisene i SIFO-tabellene gjelder fra."),
    )
    guideline_date = models.DateField(
        _("sosialhjelpssatsene (gulvet) gjelder fra"), default=datetime.date(2024, 1, 1)
    )
    electricity_up_to_50 = models.DecimalField(
        _("strøm og oppvarming, bolig til og med 50 m² (kr/mnd)"), **NOK, default=Decimal("1026")
    )
    electricity_up_to_90 = models.DecimalField(
        _("strøm og oppvarming, bolig 51–90 m² (kr/mnd)"), **NOK, default=Decimal("1716")
    )
    electricity_over_90 = models.DecimalField(
        _("strøm og oppvarming, bolig over 90 m² (kr/mnd)"), **NOK, default=Decimal("2316")
    )
    # The electricity amounts are the leader's: named by source and dated,
    # or the assessment says they are an unsourced estimate.
    electricity_source = models.CharField(
        _("kilde for strømbeløpene"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("F.eks. lokal nettleie og SSBs strømpriser, eller kommunens egne tall."),
    )
    electricity_valid_from = models.DateField(_("strømbeløpene gjelder fra"), null=True, blank=True)
    document_duty = models.DecimalField(
        _("dokumentavgift for selveier (%)"),
        **PERCENT,
        default=Decimal("2.5"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    cooperative_costs = models.DecimalField(
        _("omkostninger ved kjøp i borettslag (kr)"), **NOK, default=Decimal("5000")
    )
    bank_rate = models.DecimalField(
        _("typisk bankrente (%)"),
        **PERCENT,
        default=Decimal("5.5"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Brukes for banklånet i samfinansiering."),
    )
    bank_term_years = models.PositiveSmallIntegerField(
        _("nedbetalingstid for banklånet (år)"), default=30, validators=[MinValueValidator(1)]
    )
    bank_stress_addition = models.DecimalField(
        _("bankens stresstest: påslag (prosentpoeng)"),
        **PERCENT,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    bank_stress_floor = models.DecimalField(
        _("bankens stresstest: minst (%)"),
        **PERCENT,
        default=Decimal("7"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    bank_max_debt_to_income = models.DecimalField(
        _("høyeste gjeld i forhold til brutto inntekt (ganger)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    bank_max_loan_to_value = models.DecimalField(
        _("høyeste belåningsgrad for banklånet (%)"),
        **PERCENT,
        default=Decimal("90"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    reduce_from_member = models.PositiveSmallIntegerField(
        _("standardbudsjett: reduksjon fra husstandsmedlem nr."),
        null=True,
        blank=True,
        default=4,
        validators=[MinValueValidator(2)],
        help_text=_("Tom: ingen reduksjon for store husstander."),
    )
    reduction_percent = models.DecimalField(
        _("standardbudsjett: reduksjon (%)"),
        **PERCENT,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sist endret av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Tom: standardverdiene er ikke kontrollert av leder."),
    )

    class Meta:
        verbose_name = _("satser for startlån")
        verbose_name_plural = _("satser for startlån")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"],
                name="loan_parameters_one_per_year",
                violation_error_message=_("Det finnes allerede satser for dette året."),
            ),
            models.CheckConstraint(
                condition=Q(municipal_markup__gte=0, municipal_markup__lte=Decimal("0.25")),
                name="loan_parameters_markup_at_most_quarter_point",
                violation_error_message=_("Det kommunale påslaget kan være høyst 0,25 prosentpoeng."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="loan_parameters_year_plausible",
                violation_error_message=_("Året må være mellom 2000 og 2100."),
            ),
            models.CheckConstraint(
                condition=Q(reduction_percent__gte=0, reduction_percent__lte=100),
                name="loan_parameters_reduction_0_to_100",
                violation_error_message=_("Reduksjonen må være mellom 0 og 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"

    @property
    def living_cost_basis_name(self) -> str:
        """E.g. "Namsmannens livsoppholdssatser (1.7.2023)"."""
        on = self.living_cost_basis_date
        return f"{self.get_living_cost_basis_display()} ({on.day}.{on.month}.{on.year})"

    @property
    def electricity_basis(self) -> str:
        """E.g. "Lokal nettleie og SSBs strømpriser (1.1.2026)"; empty when
        the amounts have no source and date."""
        on = self.electricity_valid_from
        if not self.electricity_source or on is None:
            return ""
        return f"{self.electricity_source} ({on.day}.{on.month}.{on.year})"

    @property
    def guideline_name(self) -> str:
        on = self.guideline_date
        return f"{LivingCostBasis.GUIDELINE.label} ({on.day}.{on.month}.{on.year})"


class RateTableKind(models.TextChoices):
    GUIDELINE = "guideline", _("Statens veiledende satser for økonomisk stønad (gulv)")
    # Used when the basis is the bailiff's rates.
    STANDARD = "standard", _("Namsmannens livsoppholdssatser")


class MemberType(models.TextChoices):
    SINGLE_ADULT = "single_adult", _("Enslig voksen")
    COUPLE = "couple", _("Par (begge til sammen)")
    OTHER_ADULT = "other_adult", _("Annen voksen i husstanden")
    CHILD = "child", _("Barn")


class LivingCostRate(models.Model):
    """One line of a living-cost table: a monthly amount for a household
    member type, and for children an age band."""

    parameters = models.ForeignKey(
        LoanParameters, verbose_name=_("satser"), on_delete=models.CASCADE, related_name="rates"
    )
    table = models.CharField(_("tabell"), max_length=10, choices=RateTableKind.choices)
    member = models.CharField(_("husstandsmedlem"), max_length=12, choices=MemberType.choices)
    from_age = models.PositiveSmallIntegerField(_("fra alder"), null=True, blank=True)
    to_age = models.PositiveSmallIntegerField(
        _("til og med alder"), null=True, blank=True, help_text=_("Tom: og eldre.")
    )
    amount = models.DecimalField(_("kr per måned"), **NOK)

    municipality_path = "parameters__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("sats for livsopphold")
        verbose_name_plural = _("satser for livsopphold")
        # Adults before children, as the defaults are created.
        ordering = ["table", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member="child") & Q(from_age__isnull=False))
                | (~Q(member="child") & Q(from_age__isnull=True) & Q(to_age__isnull=True)),
                name="living_cost_rate_age_only_for_children",
                violation_error_message=_("Aldersgrenser gjelder bare barn, og barn må ha en fra-alder."),
            ),
            models.CheckConstraint(
                condition=Q(to_age__isnull=True) | Q(to_age__gte=F("from_age")),
                name="living_cost_rate_age_band_ordered",
                violation_error_message=_("Til-alderen kan ikke være lavere enn fra-alderen."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="living_cost_rate_amount_not_negative",
                violation_error_message=_("Beløp kan ikke være negative."),
            ),
            models.UniqueConstraint(
                fields=["parameters", "table", "member"],
                condition=~Q(member="child"),
                name="living_cost_rate_one_per_adult_type",
                violation_error_message=_("Hver type voksen kan bare stå én gang i hver tabell."),
            ),
            models.UniqueConstraint(
                fields=["parameters", "table", "from_age"],
                condition=Q(member="child"),
                name="living_cost_rate_one_child_band_per_age",
                violation_error_message=_("To aldersgrupper for barn kan ikke starte på samme alder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_table_display()}: {self.get_member_display()} {self.amount}"


class Sex(models.TextChoices):
    FEMALE = "female", _("Kvinne/jente")
    MALE = "male", _("Mann/gutt")


class SifoPersonRate(models.Model):
    """One line of SIFO's reference budget for individuals: the monthly
    per-person items for one sex and age band. SIFO publishes them by age
    and sex; the leader copies them with the date the prices are from
    (`LoanParameters.living_cost_basis_date`)."""

    parameters = models.ForeignKey(
        LoanParameters, verbose_name=_("satser"), on_delete=models.CASCADE, related_name="sifo_persons"
    )
    sex = models.CharField(_("kjønn"), max_length=6, choices=Sex.choices)
    from_age = models.PositiveSmallIntegerField(_("fra alder"))
    to_age = models.PositiveSmallIntegerField(
        _("til og med alder"), null=True, blank=True, help_text=_("Tom: og eldre.")
    )
    food = models.DecimalField(_("mat og drikke"), **NOK, default=Decimal("0"))
    clothing = models.DecimalField(_("klær og sko"), **NOK, default=Decimal("0"))
    personal_care = models.DecimalField(_("personlig pleie"), **NOK, default=Decimal("0"))
    leisure = models.DecimalField(_("lek, mediebruk og fritid"), **NOK, default=Decimal("0"))
    travel = models.DecimalField(_("reisekostnader"), **NOK, default=Decimal("0"))
    infant = models.DecimalField(_("spedbarnsutstyr"), **NOK, default=Decimal("0"))

    ITEMS = ("food", "clothing", "personal_care", "leisure", "travel", "infant")

    municipality_path = "parameters__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("SIFO-post per person")
        verbose_name_plural = _("SIFO-poster per person")
        ordering = ["sex", "from_age"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameters", "sex", "from_age"],
                name="sifo_person_one_band_per_age",
                violation_error_message=_("To aldersgrupper for samme kjønn kan ikke starte på samme alder."),
            ),
            models.CheckConstraint(
                condition=Q(to_age__isnull=True) | Q(to_age__gte=F("from_age")),
                name="sifo_person_age_band_ordered",
                violation_error_message=_("Til-alderen kan ikke være lavere enn fra-alderen."),
            ),
        ]

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, name) for name in self.ITEMS), Decimal("0"))

    def __str__(self) -> str:
        return f"{self.get_sex_display()} {self.from_age}–{self.to_age or ''}: {self.total}"


class SifoHouseholdRate(models.Model):
    """SIFO's household items for a household of `household_size` people
    (the largest size kept also serves larger households)."""

    parameters = models.ForeignKey(
        LoanParameters, verbose_name=_("satser"), on_delete=models.CASCADE, related_name="sifo_households"
    )
    household_size = models.PositiveSmallIntegerField(_("antall personer"), validators=[MinValueValidator(1)])
    daily_goods = models.DecimalField(_("andre dagligvarer"), **NOK, default=Decimal("0"))
    household_articles = models.DecimalField(_("husholdningsartikler"), **NOK, default=Decimal("0"))
    furniture = models.DecimalField(_("møbler"), **NOK, default=Decimal("0"))
    media = models.DecimalField(_("mediebruk og fritid"), **NOK, default=Decimal("0"))

    ITEMS = ("daily_goods", "household_articles", "furniture", "media")

    municipality_path = "parameters__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("SIFO-post per husholdning")
        verbose_name_plural = _("SIFO-poster per husholdning")
        ordering = ["household_size"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameters", "household_size"],
                name="sifo_household_one_per_size",
                violation_error_message=_("Hver husholdningsstørrelse kan bare stå én gang."),
            ),
        ]

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, name) for name in self.ITEMS), Decimal("0"))

    def __str__(self) -> str:
        return f"{self.household_size}: {self.total}"
