"""Economic guidance without a loan application: a household's budget,
savings plan and debts, kept as dated versions so progress shows, and the
ownership-readiness watch's latest verdict per household.
(Re-exported from `startloan.models`.)"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned

NOK = {"max_digits": 12, "decimal_places": 0, "validators": [MinValueValidator(Decimal("0"))]}


class HouseholdBudget(MunicipalityOwned):
    """One dated version of a household's budget. A change is a new version
    (`guidance.save_budget`), never an edit, so the versions show progress.

    The figures are those of a start-loan application (same names, same
    living-cost bases), so an application can start from the latest version
    without a figure typed twice."""

    household = models.ForeignKey(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="budgets"
    )
    made_on = models.DateField(_("dato"), default=timezone.localdate)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("laget av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Income by line.
    monthly_net_income = models.DecimalField(
        _("inntekt etter skatt per måned (kr)"),
        **NOK,
        help_text=_("Lønn, trygd og pensjon etter skatt; barnetrygd, bostøtte og bidrag føres for seg."),
    )
    annual_gross_income = models.DecimalField(_("brutto årsinntekt (kr)"), **NOK, default=Decimal("0"))
    monthly_child_benefit = models.DecimalField(_("barnetrygd per måned (kr)"), **NOK, default=Decimal("0"))
    monthly_housing_allowance = models.DecimalField(_("bostøtte per måned (kr)"), **NOK, default=Decimal("0"))
    monthly_child_support = models.DecimalField(
        _("mottatt barnebidrag per måned (kr)"), **NOK, default=Decimal("0")
    )
    # Costs.
    monthly_rent = models.DecimalField(_("husleie i dag per måned (kr)"), **NOK, default=Decimal("0"))
    monthly_fixed_costs = models.DecimalField(
        _("faste utgifter per måned (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Barnehage/SFO/AKS, bidrag som betales, forsikringer o.l. Gjeld føres som gjeldsposter."),
    )
    monthly_living_costs = models.DecimalField(
        _("faktiske levekostnader per måned (kr)"),
        **NOK,
        null=True,
        blank=True,
        help_text=_("Tom: standardbudsjettet i årets satser brukes."),
    )
    monthly_electricity = models.DecimalField(
        _("strøm og oppvarming per måned (kr)"),
        **NOK,
        null=True,
        blank=True,
        help_text=_("Tom: standardbeløpet for boligens størrelse i årets satser, når det har en kilde."),
    )
    dwelling_area = models.PositiveSmallIntegerField(
        _("boligens areal (m²)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    # Debts, as on an application: [{"kind", "balance", "rate" (percent),
    # "term_years" | None, "monthly_payment" | None, "fixed_rate"}];
    # `existing_debt` is their sum.
    debts = models.JSONField(_("gjeldsposter"), default=list, blank=True)
    existing_debt = models.DecimalField(_("gjeld i alt (kr)"), **NOK, default=Decimal("0"))
    # The savings plan toward equity.
    savings_now = models.DecimalField(_("oppspart egenkapital i dag (kr)"), **NOK, default=Decimal("0"))
    monthly_saving = models.DecimalField(_("sparing per måned (kr)"), **NOK, default=Decimal("0"))
    savings_target = models.DecimalField(_("mål for egenkapital (kr)"), **NOK, default=Decimal("0"))
    # The home the household aims for, for the readiness watch.
    target_price = models.DecimalField(
        _("pris på boligen husstanden sikter mot (kr)"),
        **NOK,
        null=True,
        blank=True,
        help_text=_("Tom: husstanden følges ikke av eierskapsvakten."),
    )
    target_ownership_form = models.CharField(
        _("eierform"),
        max_length=12,
        choices=[("freehold", _("Selveier")), ("cooperative", _("Borettslag"))],
        default="freehold",
    )
    target_owner_costs = models.DecimalField(
        _("kommunale avgifter, forsikring og vedlikehold som eier per måned (kr)"),
        **NOK,
        default=Decimal("0"),
    )
    notes = models.TextField(_("merknader"), blank=True, default="")
    # The budget's figures as computed when the version was saved (living
    # costs used, electricity, debt payments, what is left), with the bases
    # named: the history shows them as they were.
    figures = models.JSONField(_("beregning"), default=dict, blank=True)

    class Meta:
        verbose_name = _("budsjett")
        verbose_name_plural = _("budsjetter")
        ordering = ["-made_on", "-id"]
        indexes = [models.Index(fields=["household", "made_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_net_income__gte=0)
                & Q(annual_gross_income__gte=0)
                & Q(monthly_child_benefit__gte=0)
                & Q(monthly_housing_allowance__gte=0)
                & Q(monthly_child_support__gte=0)
                & Q(monthly_rent__gte=0)
                & Q(monthly_fixed_costs__gte=0)
                & Q(existing_debt__gte=0)
                & Q(savings_now__gte=0)
                & Q(monthly_saving__gte=0)
                & Q(savings_target__gte=0)
                & Q(target_owner_costs__gte=0)
                & (Q(monthly_living_costs__isnull=True) | Q(monthly_living_costs__gte=0))
                & (Q(monthly_electricity__isnull=True) | Q(monthly_electricity__gte=0))
                & (Q(target_price__isnull=True) | Q(target_price__gte=0)),
                name="budget_money_not_negative",
                violation_error_message=_("Beløp kan ikke være negative."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.made_on:%d.%m.%Y}"


class ReadinessStatus(MunicipalityOwned):
    """The readiness watch's latest verdict for one household: whether a
    start loan for the home it aims for has become affordable with its
    latest budget and the year's parameters, with the figures."""

    household = models.OneToOneField(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.CASCADE, related_name="readiness"
    )
    budget = models.ForeignKey(
        HouseholdBudget, verbose_name=_("budsjett"), on_delete=models.CASCADE, related_name="+"
    )
    checked_at = models.DateTimeField(_("kontrollert"), default=timezone.now)
    parameters_year = models.PositiveSmallIntegerField(_("satser for år"))
    affordable = models.BooleanField(_("startlån er innen rekkevidde"), default=False)
    # The day the household was first found ready in the current streak.
    flagged_on = models.DateField(_("flagget"), null=True, blank=True)
    figures = models.JSONField(_("tall"), default=dict, blank=True)
    job = models.ForeignKey(
        "housing_office.Job",
        verbose_name=_("jobb"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("eierskapsvakt")
        verbose_name_plural = _("eierskapsvakt")
        ordering = ["-flagged_on", "-id"]
        indexes = [models.Index(fields=["municipality", "affordable"])]

    def __str__(self) -> str:
        return f"{self.household}: {'klar' if self.affordable else 'ikke klar'}"
