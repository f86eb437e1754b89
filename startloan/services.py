"""Start-loan case handling: parameters, assessment snapshots, the loan
rules, status history and the two-person rule.

Views, forms and tasks call these functions; the arithmetic itself lives in
`startloan.affordability`, which knows nothing of the database.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import CLOSED_STAGES, Household, PathwayStage, PersonRole
from tenants.services import DomainError, change_stage

from . import affordability as aff
from .models import (
    ApplicationStatus,
    ApplicationStatusChange,
    LivingCostRate,
    LoanParameters,
    LoanPurpose,
    MemberType,
    RateTableKind,
    StartLoanApplication,
)

__all__ = [
    "APPLICATION_FIELDS",
    "DEFAULT_PARAMETERS",
    "DEFAULT_RATES",
    "DomainError",
    "FIXED_RATE_PERIODS",
    "TRANSITIONS",
    "allowed_transitions",
    "assess_application",
    "assess_values",
    "change_status",
    "check_two_person_rule",
    "composition_for",
    "copy_parameters",
    "create_application",
    "decide",
    "ensure_default_parameters",
    "format_nok",
    "inputs_from",
    "loan_rule_errors",
    "parameters_for",
    "rate_table_errors",
    "recommend",
    "snapshot",
    "to_affordability",
    "update_application",
    "update_follow_up",
]

PERCENT = Decimal("100")
FIXED_RATE_PERIODS = (3, 5, 10, 20)
NORMAL_MAX_TERM = 30
EXTENDED_MAX_TERM = 50
MAX_INTEREST_ONLY = 8


def format_nok(amount: Decimal | int | None) -> str:
    """'1 234 567' with non-breaking spaces (no unit)."""
    if amount is None:
        return ""
    whole = aff._kr(Decimal(amount))
    return f"{whole:,.0f}".replace(",", "\u00a0").replace("-", "−")


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------

# DOMAIN.md §1. Social-assistance guideline rates from 1 Jan 2024 (rundskriv
# A-3/2023) and the collection agencies' living-cost rates from 1 Jul 2023
# (the standard budget). A couple in the latter is 2 × 8,817.
DEFAULT_RATES: dict[str, list[tuple[str, int | None, int | None, int]]] = {
    RateTableKind.GUIDELINE: [
        (MemberType.SINGLE_ADULT, None, None, 7850),
        (MemberType.COUPLE, None, None, 13100),
        (MemberType.OTHER_ADULT, None, None, 6600),
        (MemberType.CHILD, 0, 5, 3850),
        (MemberType.CHILD, 6, 10, 3950),
        (MemberType.CHILD, 11, 17, 5150),
    ],
    RateTableKind.STANDARD: [
        (MemberType.SINGLE_ADULT, None, None, 10412),
        (MemberType.COUPLE, None, None, 2 * 8817),
        (MemberType.OTHER_ADULT, None, None, 10412),
        (MemberType.CHILD, 0, 5, 3332),
        (MemberType.CHILD, 6, 10, 4420),
        (MemberType.CHILD, 11, 14, 5580),
        (MemberType.CHILD, 15, None, 6418),
    ],
}

# Husbanken's floating rate from 1 Jul 2024 (husbanken.no/rente) and Norges
# Bank's policy rate in 2024. The leader must confirm them for each year; an
# assessment on unconfirmed rates says so.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "husbanken_rate": Decimal("4.640"),
    "municipal_markup": Decimal("0.25"),
    "policy_rate": Decimal("4.50"),
    "stress_addition": Decimal("2.5"),
    "term_fee": Decimal("30"),
    "document_duty": Decimal("2.5"),
    "cooperative_costs": Decimal("5000"),
    "bank_rate": Decimal("5.5"),
    "bank_term_years": 30,
    "bank_stress_addition": Decimal("3"),
    "bank_stress_floor": Decimal("7"),
    "bank_max_debt_to_income": Decimal("5"),
    "bank_max_loan_to_value": Decimal("90"),
    "reduce_from_member": 4,
    "reduction_percent": Decimal("20"),
}


def _create_default_rates(parameters: LoanParameters) -> None:
    LivingCostRate.all_objects.bulk_create(
        LivingCostRate(
            parameters=parameters, table=table, member=member, from_age=lo, to_age=hi, amount=Decimal(amount)
        )
        for table, rows in DEFAULT_RATES.items()
        for member, lo, hi, amount in rows
    )


@transaction.atomic
def ensure_default_parameters(municipality, year: int | None = None) -> LoanParameters:
    """The municipality's parameters for `year` (default: this year), made
    from DOMAIN.md's figures if missing. Idempotent."""
    year = year or timezone.localdate().year
    municipality_id = getattr(municipality, "pk", municipality)
    parameters, created = LoanParameters.all_objects.get_or_create(
        municipality_id=municipality_id, year=year, defaults=DEFAULT_PARAMETERS
    )
    if created or not LivingCostRate.all_objects.filter(parameters=parameters).exists():
        _create_default_rates(parameters)
    return parameters


@transaction.atomic
def copy_parameters(source: LoanParameters, year: int) -> LoanParameters:
    """Start a new year from an earlier year's figures (not yet confirmed)."""
    if LoanParameters.all_objects.filter(municipality_id=source.municipality_id, year=year).exists():
        raise DomainError(_("Det finnes allerede satser for %(year)s.") % {"year": year})
    rates = list(LivingCostRate.all_objects.filter(parameters=source))
    values = {name: getattr(source, name) for name in DEFAULT_PARAMETERS}
    new = LoanParameters.all_objects.create(municipality_id=source.municipality_id, year=year, **values)
    LivingCostRate.all_objects.bulk_create(
        LivingCostRate(
            parameters=new,
            table=r.table,
            member=r.member,
            from_age=r.from_age,
            to_age=r.to_age,
            amount=r.amount,
        )
        for r in rates
    )
    return new


def parameters_for(municipality, year: int) -> LoanParameters:
    """The parameters that apply in `year`: that year's, else the latest
    earlier year's; with none at all, the defaults for `year`."""
    municipality_id = getattr(municipality, "pk", municipality)
    qs = LoanParameters.all_objects.filter(municipality_id=municipality_id)
    found = qs.filter(year__lte=year).order_by("-year").first() or qs.order_by("year").first()
    return found or ensure_default_parameters(municipality_id, year)


def _table(rows: Iterable[LivingCostRate], kind: str, *, reduce_from: int | None, reduction: Decimal):
    rows = [r for r in rows if r.table == kind]
    by_member = {r.member: r.amount for r in rows if r.member != MemberType.CHILD}
    children = tuple(
        aff.ChildRate(r.from_age or 0, r.to_age, r.amount)
        for r in sorted((r for r in rows if r.member == MemberType.CHILD), key=lambda r: r.from_age or 0)
    )
    single = by_member.get(MemberType.SINGLE_ADULT, Decimal("0"))
    return aff.RateTable(
        single_adult=single,
        couple=by_member.get(MemberType.COUPLE, 2 * single),
        other_adult=by_member.get(MemberType.OTHER_ADULT, single),
        children=children,
        reduce_from_member=reduce_from,
        reduction=reduction,
    )


def to_affordability(parameters: LoanParameters) -> aff.Parameters:
    """Translate a parameters row (percent) into the pure module's terms (fractions)."""
    rows = list(LivingCostRate.all_objects.filter(parameters=parameters))
    p = parameters
    return aff.Parameters(
        year=p.year,
        husbanken_rate=p.husbanken_rate / PERCENT,
        municipal_markup=p.municipal_markup / PERCENT,
        policy_rate=p.policy_rate / PERCENT,
        stress_addition=p.stress_addition / PERCENT,
        term_fee=p.term_fee,
        document_duty_rate=p.document_duty / PERCENT,
        cooperative_costs=p.cooperative_costs,
        bank_rate=p.bank_rate / PERCENT,
        bank_term_years=p.bank_term_years,
        bank_stress_addition=p.bank_stress_addition / PERCENT,
        bank_stress_floor=p.bank_stress_floor / PERCENT,
        bank_max_debt_to_income=p.bank_max_debt_to_income,
        bank_max_loan_to_value=p.bank_max_loan_to_value / PERCENT,
        guideline=_table(rows, RateTableKind.GUIDELINE, reduce_from=None, reduction=Decimal("0")),
        standard=_table(
            rows,
            RateTableKind.STANDARD,
            reduce_from=p.reduce_from_member,
            reduction=p.reduction_percent / PERCENT,
        ),
        reviewed=p.updated_by_id is not None,
    )


def rate_table_errors(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a set of living-cost rows (dicts with table,
    member, from_age, to_age): each table needs each adult type once, and
    child bands from age 0 through 17 without gaps or overlaps."""
    errors: list[str] = []
    rows = list(rows)
    for kind, label in RateTableKind.choices:
        errors += _one_table_errors([r for r in rows if r["table"] == kind], str(label))
    return errors


def _one_table_errors(in_table: list[Mapping[str, Any]], label: str) -> list[str]:
    errors: list[str] = []
    for member, member_label in MemberType.choices:
        if member == MemberType.CHILD:
            continue
        if sum(1 for r in in_table if r["member"] == member) != 1:
            errors.append(
                _("%(table)s: «%(member)s» må stå nøyaktig én gang.")
                % {"table": label, "member": member_label}
            )
    bands = sorted(
        ((r["from_age"], r["to_age"]) for r in in_table if r["member"] == MemberType.CHILD),
        key=lambda band: band[0] if band[0] is not None else -1,
    )
    expected = 0
    for index, (lo, hi) in enumerate(bands):
        if lo is None:
            return [
                *errors,
                _("%(table)s: hver aldersgruppe for barn må ha en fra-alder.") % {"table": label},
            ]
        if lo != expected:
            return [
                *errors,
                _("%(table)s: aldersgruppene for barn må henge sammen fra 0 år (se %(age)s år).")
                % {"table": label, "age": min(lo, expected)},
            ]
        if hi is None:
            if index + 1 < len(bands):
                return [
                    *errors,
                    _("%(table)s: en aldersgruppe uten øvre grense må være den siste.") % {"table": label},
                ]
            return errors
        expected = hi + 1
    if expected < 18:
        errors.append(
            _("%(table)s: aldersgruppene for barn må dekke alle barn til og med 17 år.") % {"table": label}
        )
    return errors


# --------------------------------------------------------------------------
# Household composition and the assessment
# --------------------------------------------------------------------------


def composition_for(household: Household, on: datetime.date | None = None) -> aff.HouseholdComposition:
    """Adults, couple and children's ages from the household's members.

    A member is a child when registered as one and under 18 on `on` (or of
    unknown age); everyone else is an adult. A main person together with a
    co-applicant counts as a couple.
    """
    on = on or timezone.localdate()
    adults = 0
    ages: list[int | None] = []
    roles: set[str] = set()
    for person in household.members.all():
        age = person.age_on(on)
        if person.role == PersonRole.CHILD and (age is None or age < 18):
            ages.append(age)
        else:
            adults += 1
            roles.add(person.role)
    couple = adults >= 2 and {PersonRole.MAIN, PersonRole.CO_APPLICANT} <= roles
    return aff.HouseholdComposition(
        adults=adults, couple=couple, children_ages=tuple(sorted(ages, key=_age_key))
    )


def _age_key(age: int | None) -> int:
    return -1 if age is None else age


def _money(values: Mapping[str, Any], name: str, default: Decimal | None = Decimal("0")) -> Decimal | None:
    value = values.get(name)
    return default if value in (None, "") else Decimal(value)


def inputs_from(values: Mapping[str, Any], composition: aff.HouseholdComposition) -> aff.Inputs:
    """Build the pure module's inputs from cleaned form data or a model's fields."""
    return aff.Inputs(
        household=composition,
        purpose=values.get("purpose") or LoanPurpose.PURCHASE,
        ownership_form=values.get("ownership_form") or aff.Ownership.FREEHOLD,
        purchase_price=_money(values, "purchase_price"),
        purchase_costs=_money(values, "purchase_costs", None),
        equity=_money(values, "equity"),
        bank_loan=_money(values, "bank_loan"),
        amount_applied=_money(values, "amount_applied"),
        grant_applied=_money(values, "grant_applied"),
        existing_debt=_money(values, "existing_debt"),
        monthly_net_income=_money(values, "monthly_net_income"),
        annual_gross_income=_money(values, "annual_gross_income"),
        monthly_fixed_costs=_money(values, "monthly_fixed_costs"),
        monthly_living_costs=_money(values, "monthly_living_costs", None),
        monthly_housing_costs=_money(values, "monthly_housing_costs"),
        term_years=int(values.get("term_years") or NORMAL_MAX_TERM),
        interest_only_years=int(values.get("interest_only_years") or 0),
        repayment_type=values.get("repayment_type") or aff.Repayment.ANNUITY,
    )


def assess_values(
    values: Mapping[str, Any], household: Household, *, on: datetime.date | None = None
) -> tuple[aff.Assessment, LoanParameters]:
    """Assess cleaned application values for `household`, with the
    parameters of the year the application was received."""
    on = values.get("received_on") or on or timezone.localdate()
    parameters = parameters_for(household.municipality_id, on.year)
    composition = composition_for(household, on)
    return aff.assess(inputs_from(values, composition), to_affordability(parameters)), parameters


def assess_application(application: StartLoanApplication) -> dict[str, Any]:
    """A fresh snapshot from an application's saved figures, for applications
    registered without one (imported or seeded). Empty if it cannot be made."""
    values = {name: getattr(application, name) for name in APPLICATION_FIELDS}
    try:
        assessment, parameters = assess_values(values, application.household)
    except ValueError:  # terms the maths cannot express (e.g. interest-only ≥ term)
        return {}
    return snapshot(assessment, parameters)


def snapshot(assessment: aff.Assessment, parameters: LoanParameters) -> dict[str, Any]:
    """What is stored on the application: the figures, the findings and the
    parameters they were computed with."""
    data = assessment.as_dict()
    data["computed_at"] = timezone.now().isoformat()
    data["parameters"] = {
        "year": parameters.year,
        "reviewed": parameters.updated_by_id is not None,
        "husbanken_rate": str(parameters.husbanken_rate),
        "municipal_markup": str(parameters.municipal_markup),
        "policy_rate": str(parameters.policy_rate),
        "stress_addition": str(parameters.stress_addition),
    }
    return data


# --------------------------------------------------------------------------
# The loan rules (DOMAIN.md §7)
# --------------------------------------------------------------------------


def loan_rule_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check an application's terms; returns field name → Norwegian messages.

    `values` are cleaned values. `purchase_costs` None means the standard
    costs, which the caller passes as `standard_costs`.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    term = values.get("term_years")
    documented = bool(values.get("long_term_conditions_documented"))
    if term is not None:
        if term < 1:
            add("term_years", _("Nedbetalingstiden må være minst 1 år."))
        elif term > EXTENDED_MAX_TERM:
            add("term_years", _("Nedbetalingstiden kan være høyst 50 år."))
        elif term > NORMAL_MAX_TERM and not documented:
            add(
                "term_years",
                _(
                    "Nedbetalingstiden kan være høyst 30 år. Inntil 50 år krever at alle de fire vilkårene "
                    "er dokumentert: varig lav inntekt, boligen egner seg for husstanden på lang sikt, "
                    "leie er uegnet eller dyrere, og kortere nedbetalingstid er ikke økonomisk forsvarlig."
                ),
            )
    interest_only = values.get("interest_only_years") or 0
    if interest_only > MAX_INTEREST_ONLY:
        add("interest_only_years", _("Avdragsfri periode kan være høyst 8 år."))
    elif term and interest_only >= term:
        add("interest_only_years", _("Den avdragsfrie perioden må være kortere enn nedbetalingstiden."))
    fixed = values.get("fixed_rate_years")
    if fixed not in (None, ""):
        fixed = int(fixed)
        if fixed not in FIXED_RATE_PERIODS:
            add("fixed_rate_years", _("Fastrente kan bindes for 3, 5, 10 eller 20 år."))
        elif term and fixed > term:
            add(
                "fixed_rate_years",
                _(
                    "Fastrenteperioden (%(fixed)s år) kan ikke være lengre enn "
                    "nedbetalingstiden (%(term)s år)."
                )
                % {"fixed": fixed, "term": term},
            )

    price = values.get("purchase_price")
    amount = values.get("amount_applied")
    costs = values.get("purchase_costs")
    if costs is None:
        costs = values.get("standard_costs") or Decimal("0")
    purpose = values.get("purpose") or LoanPurpose.PURCHASE
    if price is not None and amount is not None:
        if purpose == LoanPurpose.REFINANCE:
            total = amount + (values.get("bank_loan") or Decimal("0"))
            if total > price:
                add(
                    "amount_applied",
                    _(
                        "Ved refinansiering kan samlet lån (startlån og banklån, %(total)s kr) ikke være "
                        "høyere enn boligens verdi (%(value)s kr)."
                    )
                    % {"total": format_nok(total), "value": format_nok(price)},
                )
        elif amount > price + costs:
            add(
                "amount_applied",
                _("Startlånet kan dekke høyst 100 %% av kjøpesum og omkostninger (%(max)s kr).")
                % {"max": format_nok(price + costs)},
            )
    if purpose == LoanPurpose.REFINANCE and not values.get("owns_home"):
        add("owns_home", _("Refinansiering forutsetter at søkeren eier boligen."))
    return errors


def _raise_if_invalid(values: Mapping[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    errors = loan_rule_errors(values)
    if errors:
        raise ValidationError(errors)


# --------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------

APPLICATION_FIELDS = (
    "received_on",
    "startskudd_case_number",
    "purpose",
    "ownership_form",
    "purchase_price",
    "purchase_costs",
    "equity",
    "bank_loan",
    "amount_applied",
    "grant_applied",
    "existing_debt",
    "monthly_net_income",
    "annual_gross_income",
    "monthly_fixed_costs",
    "monthly_living_costs",
    "monthly_housing_costs",
    "term_years",
    "long_term_conditions_documented",
    "interest_only_years",
    "repayment_type",
    "fixed_rate_years",
    "owns_home",
)


def _apply_values(application: StartLoanApplication, values: Mapping[str, Any]) -> None:
    """Set the fields, check the rules and store a fresh assessment."""
    assessment, parameters = assess_values(values, application.household)
    checked = {**values, "standard_costs": assessment.purchase_costs}
    _raise_if_invalid(checked)
    for name in APPLICATION_FIELDS:
        if name in values:
            setattr(application, name, values[name])
    # Blank costs mean the standard costs; store what was used.
    application.purchase_costs = assessment.purchase_costs
    application.assessment = snapshot(assessment, parameters)


def _save(application: StartLoanApplication, **kwargs: Any) -> None:
    """Save inside a savepoint so a constraint violation becomes a
    `DomainError` (a form error), not a broken request transaction."""
    try:
        with transaction.atomic():
            application.save(**kwargs)
    except IntegrityError as exc:
        raise DomainError(_constraint_message(exc)) from exc


def _constraint_message(exc: IntegrityError) -> str:
    text = str(exc)
    for constraint in StartLoanApplication._meta.constraints:
        if constraint.name in text:
            return str(constraint.violation_error_message)
    return _("Søknaden kunne ikke lagres fordi den bryter en regel i databasen.")


@transaction.atomic
def create_application(household: Household, values: Mapping[str, Any], *, by) -> StartLoanApplication:
    application = StartLoanApplication(municipality_id=household.municipality_id, household=household)
    _apply_values(application, values)
    _save(application)
    if household.pathway_stage in (
        PathwayStage.NOT_ASSESSED,
        PathwayStage.SUMMONED,
        PathwayStage.MAPPED,
        PathwayStage.GUIDANCE,
    ):
        change_stage(household, PathwayStage.APPLYING_LOAN, by=by, reason=_("Søknad om startlån registrert."))
    return application


@transaction.atomic
def update_application(application: StartLoanApplication, values: Mapping[str, Any], *, by) -> None:
    """Change an undecided application's figures and store a new assessment.

    A decided application keeps the figures and the assessment its decision
    was made on.
    """
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    if locked.decided_by_id is not None:
        raise DomainError(_("Søknaden er avgjort; tallene vedtaket bygger på, kan ikke endres."))
    _apply_values(application, values)
    _save(application)


@transaction.atomic
def update_follow_up(application: StartLoanApplication, values: Mapping[str, Any], *, by) -> None:
    """Case number, financing certificate (finansieringsbevis) and purchase date."""
    certificate = values.get("financing_certificate_on")
    purchased = values.get("purchased_on")
    if certificate and application.status not in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED):
        raise DomainError(_("Finansieringsbevis kan bare registreres på en innvilget søknad."))
    if certificate and certificate < application.received_on:
        raise DomainError(_("Finansieringsbeviset kan ikke være utstedt før søknaden ble mottatt."))
    if purchased and certificate and purchased < certificate:
        raise DomainError(_("Kjøpsdatoen kan ikke være før finansieringsbeviset ble utstedt."))
    application.startskudd_case_number = values.get("startskudd_case_number", "") or ""
    application.financing_certificate_on = certificate
    application.purchased_on = purchased
    _save(
        application,
        update_fields=["startskudd_case_number", "financing_certificate_on", "purchased_on", "updated_at"],
    )


# Status changes made by hand. Granted and rejected come only from `decide`.
TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.RECEIVED: frozenset({ApplicationStatus.IN_REVIEW, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.IN_REVIEW: frozenset({ApplicationStatus.RECEIVED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.GRANTED: frozenset({ApplicationStatus.DISBURSED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset({ApplicationStatus.IN_REVIEW}),
    ApplicationStatus.DISBURSED: frozenset(),
}


def allowed_transitions(application: StartLoanApplication) -> list[str]:
    allowed = set(TRANSITIONS[application.status])
    if application.status == ApplicationStatus.WITHDRAWN and application.decided_by_id:
        allowed.discard(ApplicationStatus.IN_REVIEW)
    return [s for s in ApplicationStatus.values if s in allowed]


def _record_status(application: StartLoanApplication, to_status: str, *, by, comment: str = "") -> None:
    ApplicationStatusChange.objects.create(
        application=application,
        from_status=application.status,
        to_status=to_status,
        changed_by=by,
        comment=comment,
    )
    application.status = to_status


@transaction.atomic
def change_status(
    application: StartLoanApplication, to_status: str, *, by, comment: str = ""
) -> ApplicationStatusChange:
    if to_status in (ApplicationStatus.GRANTED, ApplicationStatus.REJECTED):
        raise DomainError(_("Bruk vedtaket for å innvilge eller avslå søknaden."))
    if to_status not in ApplicationStatus.values:
        raise DomainError(_("Ukjent status."))
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    if to_status not in allowed_transitions(locked):
        raise DomainError(
            _("Søknaden kan ikke gå fra «%(from)s» til «%(to)s».")
            % {"from": locked.get_status_display(), "to": ApplicationStatus(to_status).label}
        )
    _record_status(locked, to_status, by=by, comment=(comment or "").strip())
    locked.save(update_fields=["status", "updated_at"])
    application.status = locked.status
    return locked.status_changes.first()


@transaction.atomic
def recommend(application: StartLoanApplication, *, by, text: str) -> None:
    """Record the recommendation (*innstilling*). The one who recommends may
    not decide; anyone may recommend again until the decision is made."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Skriv innstillingen."))
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    if locked.decided_by_id is not None:
        raise DomainError(_("Søknaden er allerede avgjort."))
    if locked.status not in (ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW):
        raise DomainError(
            _("En søknad med status «%(status)s» kan ikke innstilles.")
            % {"status": locked.get_status_display()}
        )
    if locked.status == ApplicationStatus.RECEIVED:
        _record_status(locked, ApplicationStatus.IN_REVIEW, by=by, comment=_("Innstilling skrevet."))
    locked.recommended_by = by
    locked.recommended_at = timezone.now()
    locked.recommendation = text
    _save(
        locked, update_fields=["status", "recommended_by", "recommended_at", "recommendation", "updated_at"]
    )
    for name in ("status", "recommended_by", "recommended_at", "recommendation"):
        setattr(application, name, getattr(locked, name))


def check_two_person_rule(application: StartLoanApplication, user) -> None:
    if application.recommended_by_id is None:
        raise DomainError(_("Søknaden må ha en innstilling før det kan fattes vedtak."))
    if application.recommended_by_id == getattr(user, "pk", None):
        raise DomainError(
            _(
                "Du har skrevet innstillingen i denne saken og kan ikke også fatte vedtaket. "
                "En annen saksbehandler må fatte vedtak (to-personsregelen)."
            )
        )


@transaction.atomic
def decide(
    application: StartLoanApplication,
    *,
    by,
    grant: bool,
    reasons: str = "",
    loan_granted: Decimal | None = None,
    grant_granted: Decimal | None = None,
    decided_on: datetime.date | None = None,
) -> None:
    """Grant or reject. The decider is never the recommender; a decision
    needs a recommendation first; a rejection or a partial grant needs
    reasons (forvaltningsloven § 24)."""
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    if locked.decided_by_id is not None:
        raise DomainError(_("Søknaden er allerede avgjort."))
    if locked.status not in (ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW):
        raise DomainError(
            _("Det kan ikke fattes vedtak i en søknad med status «%(status)s».")
            % {"status": locked.get_status_display()}
        )
    check_two_person_rule(locked, by)
    reasons = (reasons or "").strip()
    decided_on = decided_on or timezone.localdate()
    if decided_on < locked.received_on:
        raise DomainError(_("Vedtaksdatoen kan ikke være før søknaden ble mottatt."))
    if decided_on > timezone.localdate():
        raise DomainError(_("Vedtaksdatoen kan ikke være fram i tid."))
    if grant:
        if loan_granted is None and not grant_granted:
            raise DomainError(_("Oppgi innvilget startlån og/eller tilskudd."))
        loan_granted = loan_granted or Decimal("0")
        grant_granted = grant_granted or Decimal("0")
        ceiling = locked.purchase_price + locked.purchase_costs
        if locked.purpose != LoanPurpose.REFINANCE and loan_granted > ceiling:
            raise DomainError(
                _("Startlånet kan dekke høyst 100 %% av kjøpesum og omkostninger (%(max)s kr).")
                % {"max": format_nok(ceiling)}
            )
        partial = loan_granted < locked.amount_applied or grant_granted < locked.grant_applied
        if partial and not reasons:
            raise DomainError(_("Skriv en begrunnelse: søknaden innvilges ikke fullt ut."))
    else:
        if not reasons:
            raise DomainError(_("Et avslag må begrunnes."))
        loan_granted = grant_granted = None
    _record_status(
        locked,
        ApplicationStatus.GRANTED if grant else ApplicationStatus.REJECTED,
        by=by,
        comment=_("Vedtak fattet."),
    )
    locked.decided_by = by
    locked.decided_on = decided_on
    locked.decision_reasons = reasons
    locked.loan_granted = loan_granted
    locked.grant_granted = grant_granted
    _save(
        locked,
        update_fields=[
            "status",
            "decided_by",
            "decided_on",
            "decision_reasons",
            "loan_granted",
            "grant_granted",
            "updated_at",
        ],
    )
    for name in ("status", "decided_by", "decided_on", "decision_reasons", "loan_granted", "grant_granted"):
        setattr(application, name, getattr(locked, name))
    household = locked.household
    if grant and household.pathway_stage not in CLOSED_STAGES | {PathwayStage.LOAN_GRANTED}:
        change_stage(
            household,
            PathwayStage.LOAN_GRANTED,
            by=by,
            reason=_("Startlån innvilget %(date)s.") % {"date": decided_on.strftime("%d.%m.%Y")},
        )
