"""Start-loan (startlån) applications as the office prepares and tracks them.

The formal decision is made in Husbanken's Startskudd; this is where the
office registers the application, pre-assesses affordability (betjeningsevne),
and records the recommendation and the decision by two different people.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned
from housing_office.scoping import ScopedManager

NOK = {"max_digits": 12, "decimal_places": 0, "validators": [MinValueValidator(Decimal("0"))]}


class LoanPurpose(models.TextChoices):
    PURCHASE = "purchase", _("Kjøp av bolig")
    REFINANCE = "refinance", _("Refinansiering")
    ADAPTATION = "adaptation", _("Tilpasning av bolig")


class OwnershipForm(models.TextChoices):
    FREEHOLD = "freehold", _("Selveier")
    COOPERATIVE = "cooperative", _("Borettslag")


class RepaymentType(models.TextChoices):
    ANNUITY = "annuity", _("Annuitetslån")
    SERIAL = "serial", _("Serielån")


class EligibilityException(models.TextChoices):
    """The exceptions of forskrift om lån fra Husbanken § 5-4 (2) from the
    conditions of a long-term problem and of having used the ability to save
    (https://husbanken.no/kommune/startlaan/veileder/hvem-kan-fa-startlan/unntak-fra-krav/)."""

    CHILDREN_OR_NEEDS = (
        "children_or_needs",
        _("a) Barnefamilie eller særlige sosiale eller helsemessige behov, og trenger raskt en stabil bolig"),
    )
    FORCED_SALE = "forced_sale", _("b) Refinansiering for å unngå tvangssalg")
    WORKFORCE = "workforce", _("c) Rekruttere eller beholde arbeidskraft")


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("Mottatt")
    IN_REVIEW = "in_review", _("Under behandling")
    GRANTED = "granted", _("Innvilget")
    REJECTED = "rejected", _("Avslått")
    WITHDRAWN = "withdrawn", _("Trukket")
    DISBURSED = "disbursed", _("Utbetalt")


# An application still open to a recommendation and a decision.
OPEN_STATUSES = (ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW)


class StartLoanApplication(MunicipalityOwned):
    # The permission a decider needs (the caseworker's and the leader's).
    DECIDE_PERMISSION = "startloan.change_startloanapplication"

    household = models.ForeignKey(
        "tenants.Household",
        verbose_name=_("husstand"),
        on_delete=models.PROTECT,
        related_name="loan_applications",
    )
    received_on = models.DateField(_("mottatt"), default=timezone.localdate)
    startskudd_case_number = models.CharField(
        _("saksnummer i Startskudd"), max_length=40, blank=True, default=""
    )
    purpose = models.CharField(
        _("formål"), max_length=12, choices=LoanPurpose.choices, default=LoanPurpose.PURCHASE
    )
    ownership_form = models.CharField(
        _("eierform"), max_length=12, choices=OwnershipForm.choices, default=OwnershipForm.FREEHOLD
    )
    purchase_price = models.DecimalField(_("kjøpesum / verdi (kr)"), **NOK)
    purchase_costs = models.DecimalField(
        _("omkostninger (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Dokumentavgift 2,5 % for selveier, fast sum for borettslag."),
    )
    equity = models.DecimalField(_("egenkapital (kr)"), **NOK, default=Decimal("0"))
    bank_loan = models.DecimalField(_("lån i bank (kr)"), **NOK, default=Decimal("0"))
    amount_applied = models.DecimalField(_("søkt startlån (kr)"), **NOK)
    grant_applied = models.DecimalField(_("søkt etableringstilskudd (kr)"), **NOK, default=Decimal("0"))
    existing_debt = models.DecimalField(
        _("annen gjeld (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Gjeld som ikke refinansieres: summen av gjeldspostene."),
    )
    # Each debt the household keeps: [{"kind", "balance", "rate" (percent),
    # "term_years" | None, "monthly_payment" | None, "fixed_rate"}], checked
    # by `forms.DebtFormSet`; `existing_debt` is their sum.
    debts = models.JSONField(_("gjeldsposter"), default=list, blank=True)
    common_debt = models.DecimalField(
        _("andel fellesgjeld (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Borettslag: boligens andel av fellesgjelden."),
    )
    monthly_common_costs = models.DecimalField(
        _("felleskostnader per måned (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Borettslag og sameie: med renter og avdrag på fellesgjelden."),
    )
    monthly_child_benefit = models.DecimalField(_("barnetrygd per måned (kr)"), **NOK, default=Decimal("0"))
    monthly_housing_allowance = models.DecimalField(_("bostøtte per måned (kr)"), **NOK, default=Decimal("0"))
    monthly_child_support = models.DecimalField(
        _("mottatt barnebidrag per måned (kr)"), **NOK, default=Decimal("0")
    )
    monthly_electricity = models.DecimalField(
        _("strøm og oppvarming per måned (kr)"),
        **NOK,
        null=True,
        blank=True,
        help_text=_("Tom: standardbeløpet for boligens størrelse i årets satser."),
    )
    dwelling_area = models.PositiveSmallIntegerField(
        _("boligens areal (m²)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    monthly_net_income = models.DecimalField(
        _("inntekt etter skatt per måned (kr)"),
        **NOK,
        help_text=_("Lønn, trygd og pensjon etter skatt; barnetrygd, bostøtte og bidrag føres for seg."),
    )
    annual_gross_income = models.DecimalField(_("brutto årsinntekt (kr)"), **NOK)
    monthly_fixed_costs = models.DecimalField(
        _("faste utgifter per måned (kr)"),
        **NOK,
        default=Decimal("0"),
        help_text=_("Barnehage/SFO/AKS, bidrag som betales o.l. Gjeld føres som gjeldsposter."),
    )
    monthly_living_costs = models.DecimalField(
        _("faktiske levekostnader per måned (kr)"),
        **NOK,
        null=True,
        blank=True,
        help_text=_("Tom: standardbudsjettet i årets satser brukes."),
    )
    monthly_housing_costs = models.DecimalField(
        _("kommunale avgifter, forsikring og vedlikehold per måned (kr)"),
        **NOK,
        default=Decimal("0"),
    )
    term_years = models.PositiveSmallIntegerField(_("nedbetalingstid (år)"), default=30)
    long_term_conditions_documented = models.BooleanField(
        _("de fire vilkårene for inntil 50 år er dokumentert"), default=False
    )
    interest_only_years = models.PositiveSmallIntegerField(_("avdragsfri periode (år)"), default=0)
    repayment_type = models.CharField(
        _("lånetype"), max_length=10, choices=RepaymentType.choices, default=RepaymentType.ANNUITY
    )
    fixed_rate_years = models.PositiveSmallIntegerField(
        _("fastrente (år)"), null=True, blank=True, help_text=_("Tom: flytende rente.")
    )
    owns_home = models.BooleanField(_("søkeren eier boligen"), default=False)

    # Eligibility (forskrift om lån fra Husbanken § 5-2, § 5-4), as facts.
    # The bank's refusal can never be waived.
    bank_refusal_bank = models.CharField(_("bank som har avslått"), max_length=100, blank=True, default="")
    bank_refusal_on = models.DateField(_("avslaget fra banken er datert"), null=True, blank=True)
    bank_refusal_facts = models.TextField(
        _("hva banken avslo"),
        blank=True,
        default="",
        help_text=_("Beløp søkt i banken og bankens begrunnelse."),
    )
    long_term_difficulty = models.BooleanField(
        _("husstanden har langvarige problemer med å finansiere egen bolig"), default=False
    )
    long_term_facts = models.TextField(_("hvorfor problemene er langvarige"), blank=True, default="")
    savings_facts = models.TextField(
        _("hvordan husstanden har utnyttet sin mulighet til å spare"), blank=True, default=""
    )
    eligibility_exception = models.CharField(
        _("unntak etter § 5-4 annet ledd"),
        max_length=20,
        choices=EligibilityException.choices,
        blank=True,
        default="",
    )
    exception_facts = models.TextField(_("hvorfor unntaket gjelder"), blank=True, default="")

    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    assessment = models.JSONField(
        _("vurdering av betjeningsevne"),
        default=dict,
        blank=True,
        help_text=_("Beregningen vedtaket bygger på, slik den var da."),
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("innstilt av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recommended_at = models.DateTimeField(_("innstilt"), null=True, blank=True)
    recommendation = models.TextField(_("innstilling"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vedtatt av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_on = models.DateField(_("vedtaksdato"), null=True, blank=True)
    decision_reasons = models.TextField(_("begrunnelse for vedtaket"), blank=True, default="")
    loan_granted = models.DecimalField(_("innvilget startlån (kr)"), **NOK, null=True, blank=True)
    grant_granted = models.DecimalField(_("innvilget tilskudd (kr)"), **NOK, null=True, blank=True)
    financing_certificate_on = models.DateField(_("finansieringsbevis utstedt"), null=True, blank=True)
    financing_certificate_price_cap = models.DecimalField(
        _("finansieringsbeviset gjelder kjøp til høyst (kr)"), **NOK, null=True, blank=True
    )
    financing_certificate_expires_on = models.DateField(
        _("finansieringsbeviset gjelder til"), null=True, blank=True
    )
    # The terms of the decision made in Startskudd.
    decided_term_years = models.PositiveSmallIntegerField(
        _("vedtatt nedbetalingstid (år)"), null=True, blank=True
    )
    decided_interest_only_years = models.PositiveSmallIntegerField(
        _("vedtatt avdragsfri periode (år)"), null=True, blank=True
    )
    decided_fixed_rate_years = models.PositiveSmallIntegerField(
        _("vedtatt fastrente (år)"), null=True, blank=True, help_text=_("Tom: flytende rente.")
    )
    decided_repayment_type = models.CharField(
        _("vedtatt lånetype"), max_length=10, choices=RepaymentType.choices, blank=True, default=""
    )
    purchased_on = models.DateField(_("kjøpsdato"), null=True, blank=True)
    decision_letter = models.OneToOneField(
        "letters.Letter",
        verbose_name=_("vedtaksbrev"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loan_application",
    )

    class Meta:
        verbose_name = _("søknad om startlån")
        verbose_name_plural = _("søknader om startlån")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(recommended_by__isnull=True)
                | ~Q(decided_by=F("recommended_by")),
                name="loan_recommender_is_not_decider",
                violation_error_message=_("Den som innstiller, kan ikke også fatte vedtaket."),
            ),
            models.CheckConstraint(
                condition=Q(purchase_price__gte=0)
                & Q(purchase_costs__gte=0)
                & Q(equity__gte=0)
                & Q(bank_loan__gte=0)
                & Q(amount_applied__gte=0)
                & Q(grant_applied__gte=0)
                & Q(existing_debt__gte=0)
                & Q(monthly_net_income__gte=0)
                & Q(annual_gross_income__gte=0)
                & Q(monthly_fixed_costs__gte=0)
                & Q(monthly_housing_costs__gte=0),
                name="loan_money_not_negative",
                violation_error_message=_("Beløp kan ikke være negative."),
            ),
            models.CheckConstraint(
                condition=Q(common_debt__gte=0)
                & Q(monthly_common_costs__gte=0)
                & Q(monthly_child_benefit__gte=0)
                & Q(monthly_housing_allowance__gte=0)
                & Q(monthly_child_support__gte=0)
                & (Q(monthly_electricity__isnull=True) | Q(monthly_electricity__gte=0)),
                name="loan_budget_money_not_negative",
                violation_error_message=_("Beløp kan ikke være negative."),
            ),
            models.CheckConstraint(
                condition=(Q(loan_granted__isnull=True) | Q(loan_granted__gte=0))
                & (Q(grant_granted__isnull=True) | Q(grant_granted__gte=0))
                & (Q(monthly_living_costs__isnull=True) | Q(monthly_living_costs__gte=0)),
                name="loan_decision_money_not_negative",
                violation_error_message=_("Beløp kan ikke være negative."),
            ),
            models.CheckConstraint(
                condition=Q(term_years__gte=1, term_years__lte=50),
                name="loan_term_1_to_50_years",
                violation_error_message=_("Nedbetalingstiden må være mellom 1 og 50 år."),
            ),
            models.CheckConstraint(
                condition=Q(interest_only_years__lte=8),
                name="loan_interest_only_at_most_8_years",
                violation_error_message=_("Avdragsfri periode kan være høyst 8 år."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "received_on"]),
            models.Index(fields=["municipality", "decided_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.received_on:%d.%m.%Y}"

    @property
    def awaits_decision(self) -> bool:
        """Undecided and received or in review: open to a recommendation and
        a decision."""
        return self.decided_by_id is None and self.status in OPEN_STATUSES

    def decision_refusal(self, user) -> str | None:
        """Why `user` may not decide this application now, or None when they
        may: the application awaits a decision, has a recommendation, was
        not recommended by `user` (the two-person rule, which the database
        enforces too) and `user` has the permission to decide. The one rule
        the detail page, the decision page and `services.decide` ask."""
        if self.decided_by_id is not None:
            return gettext("Søknaden er allerede avgjort.")
        if self.status not in OPEN_STATUSES:
            return gettext("Det kan ikke fattes vedtak i en søknad med status «%(status)s».") % {
                "status": self.get_status_display()
            }
        if self.recommended_by_id is None:
            return gettext("Søknaden må ha en innstilling før det kan fattes vedtak.")
        if self.recommended_by_id == getattr(user, "pk", None):
            return gettext(
                "Du har skrevet innstillingen i denne saken og kan ikke også fatte vedtaket. "
                "En annen saksbehandler må fatte vedtak (to-personsregelen)."
            )
        if user is None or not user.has_perm(self.DECIDE_PERMISSION):
            return gettext("Du har ikke tilgang til å fatte vedtak.")
        return None

    def can_be_decided(self, user) -> bool:
        """Whether `user` may decide this application now."""
        return self.decision_refusal(user) is None


class ApplicationStatusChange(models.Model):
    application = models.ForeignKey(
        StartLoanApplication,
        verbose_name=_("søknad"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    # Empty on the row made when the application is registered.
    from_status = models.CharField(
        _("fra status"), max_length=10, choices=ApplicationStatus.choices, blank=True, default=""
    )
    to_status = models.CharField(_("til status"), max_length=10, choices=ApplicationStatus.choices)
    changed_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("endret av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("kommentar"), blank=True, default="")

    municipality_path = "application__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("statusendring")
        verbose_name_plural = _("statusendringer")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status or '–'} → {self.to_status}"

    @property
    def is_registration(self) -> bool:
        """The row made when the application was registered (no status before)."""
        return not self.from_status


from .case_models import (  # noqa: E402  (the case's checklist and assessment history)
    ApplicationDocument,
    AssessmentRecord,
    DocumentKind,
)
from .guidance_models import HouseholdBudget, ReadinessStatus  # noqa: E402  (economic guidance)
from .parameter_models import (  # noqa: E402  (the models of the year's parameters)
    PERCENT,
    LivingCostBasis,
    LivingCostRate,
    LoanParameters,
    MemberType,
    RateTableKind,
    Sex,
    SifoHouseholdRate,
    SifoPersonRate,
)

__all__ = [
    "OPEN_STATUSES",
    "ApplicationDocument",
    "AssessmentRecord",
    "DocumentKind",
    "EligibilityException",
    "HouseholdBudget",
    "ReadinessStatus",
    "PERCENT",
    "ApplicationStatus",
    "ApplicationStatusChange",
    "LivingCostBasis",
    "LivingCostRate",
    "LoanParameters",
    "LoanPurpose",
    "MemberType",
    "OwnershipForm",
    "RateTableKind",
    "RepaymentType",
    "Sex",
    "SifoHouseholdRate",
    "SifoPersonRate",
    "StartLoanApplication",
]
