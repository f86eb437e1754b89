"""Start-loan case handling: a year's parameters and the assessment made
with them, registering and updating applications, the status history, the
recommendation and the decision by two different people.

Views, forms, tasks and the demo call these functions. The parameter tables
are in `startloan.parameters`, the assessment's inputs in
`startloan.assessment`, the loan rules in `startloan.loan_rules`; `__all__`
is this app's public face, so callers need only `services`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.errors import DomainError, constraint_errors
from tenants.models import CLOSED_STAGES, Household, PathwayStage
from tenants.services import change_stage

from . import affordability as aff
from .assessment import APPLICATION_FIELDS, composition_for, inputs_from, snapshot
from .casework import (
    CERTIFICATE_WARNING_DAYS,
    ELIGIBILITY_FIELDS,
    certificate_problems,
    certificates_expiring,
    checklist,
    eligibility_problems,
    ensure_document_kinds,
    follow_up_initial,
    mark_decided,
    missing_documents,
    reassessment_initial,
    record_assessment,
    save_checklist,
    save_eligibility,
)
from .loan_rules import (
    FIXED_RATE_PERIODS,
    format_nok,
    loan_rule_errors,
    overfinancing,
    overfinancing_message,
    raise_if_invalid,
)
from .models import (
    ApplicationStatus,
    ApplicationStatusChange,
    LivingCostRate,
    LoanParameters,
    LoanPurpose,
    StartLoanApplication,
)
from .parameters import (
    DEFAULT_PARAMETERS,
    DEFAULT_RATES,
    basis_in_use,
    copy_parameters,
    create_default_rates,
    rate_table_errors,
    sifo_table_errors,
    to_affordability,
)

__all__ = [
    "APPLICATION_FIELDS",
    "CERTIFICATE_WARNING_DAYS",
    "ELIGIBILITY_FIELDS",
    "certificate_problems",
    "follow_up_initial",
    "certificates_expiring",
    "checklist",
    "eligibility_problems",
    "ensure_document_kinds",
    "missing_documents",
    "reassessment_initial",
    "save_checklist",
    "save_eligibility",
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
    "sifo_table_errors",
    "basis_in_use",
    "snapshot",
    "to_affordability",
    "update_application",
    "update_follow_up",
]


# --------------------------------------------------------------------------
# A year's parameters and the assessment made with them
# --------------------------------------------------------------------------


@transaction.atomic
def ensure_default_parameters(municipality, year: int | None = None) -> LoanParameters:
    """The municipality's parameters for `year` (default: this year), made
    from the published figures (`parameters.DEFAULT_PARAMETERS`,
    `DEFAULT_RATES`) if missing. Idempotent."""
    year = year or timezone.localdate().year
    municipality_id = getattr(municipality, "pk", municipality)
    parameters, created = LoanParameters.all_objects.get_or_create(
        municipality_id=municipality_id, year=year, defaults=DEFAULT_PARAMETERS
    )
    if created or not LivingCostRate.all_objects.filter(parameters=parameters).exists():
        create_default_rates(parameters)
    return parameters


def parameters_for(municipality, year: int) -> LoanParameters:
    """The parameters that apply in `year`: that year's, else the latest
    earlier year's; with none at all, the defaults for `year`."""
    municipality_id = getattr(municipality, "pk", municipality)
    qs = LoanParameters.all_objects.filter(municipality_id=municipality_id)
    found = qs.filter(year__lte=year).order_by("-year").first() or qs.order_by("year").first()
    return found or ensure_default_parameters(municipality_id, year)


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


# --------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------


def _apply_values(application: StartLoanApplication, values: Mapping[str, Any]) -> None:
    """Set the fields, check the rules and store a fresh assessment."""
    assessment, parameters = assess_values(values, application.household)
    checked = {**values, "standard_costs": assessment.purchase_costs}
    raise_if_invalid(checked)
    for name in APPLICATION_FIELDS:
        if name in values:
            setattr(application, name, values[name])
    # Blank costs mean the standard costs; store what was used.
    application.purchase_costs = assessment.purchase_costs
    application.assessment = snapshot(assessment, parameters)


def _save(application: StartLoanApplication, **kwargs: Any) -> None:
    """Save inside a savepoint so a constraint violation becomes a
    `DomainError` (a form error), not a broken request transaction."""
    with constraint_errors(StartLoanApplication):
        application.save(**kwargs)


@transaction.atomic
def create_application(household: Household, values: Mapping[str, Any], *, by) -> StartLoanApplication:
    application = StartLoanApplication(municipality_id=household.municipality_id, household=household)
    _apply_values(application, values)
    _save(application)
    record_assessment(application, by=by)
    # The first row of the history: who registered it, and when.
    ApplicationStatusChange.objects.create(
        application=application,
        from_status="",
        to_status=application.status,
        changed_at=application.created_at,
        changed_by=by,
        comment=_("Registrert"),
    )
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
    # Every assessment is kept: a re-assessment with new figures adds one.
    record_assessment(application, by=by)


@transaction.atomic
def update_follow_up(application: StartLoanApplication, values: Mapping[str, Any], *, by) -> None:
    """Case number, financing certificate (finansieringsbevis) and purchase date."""
    certificate = values.get("financing_certificate_on")
    purchased = values.get("purchased_on")
    problems = certificate_problems(application, values)
    if problems:
        raise DomainError(" ".join(problems))
    if certificate and application.status not in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED):
        raise DomainError(_("Finansieringsbevis kan bare registreres på en innvilget søknad."))
    if certificate and certificate < application.received_on:
        raise DomainError(_("Finansieringsbeviset kan ikke være utstedt før søknaden ble mottatt."))
    if purchased and certificate and purchased < certificate:
        raise DomainError(_("Kjøpsdatoen kan ikke være før finansieringsbeviset ble utstedt."))
    application.startskudd_case_number = values.get("startskudd_case_number", "") or ""
    application.financing_certificate_on = certificate
    application.financing_certificate_price_cap = values.get("financing_certificate_price_cap")
    application.financing_certificate_expires_on = values.get("financing_certificate_expires_on")
    application.purchased_on = purchased
    _save(
        application,
        update_fields=[
            "startskudd_case_number",
            "financing_certificate_on",
            "financing_certificate_price_cap",
            "financing_certificate_expires_on",
            "purchased_on",
            "updated_at",
        ],
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
    if not locked.awaits_decision:
        raise DomainError(
            _("En søknad med status «%(status)s» kan ikke innstilles.")
            % {"status": locked.get_status_display()}
        )
    # The recommendation rests on the eligibility facts (forskrift om lån
    # fra Husbanken § 5-2, § 5-4): they are recorded first.
    problems = eligibility_problems(locked)
    if problems:
        raise DomainError(_("Vilkårene er ikke dokumentert: %(problems)s") % {"problems": " ".join(problems)})
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
    """Raise the reason `user` may not decide `application` now, if there is
    one (`StartLoanApplication.decision_refusal`: open, recommended, not by
    `user`, and `user` may decide)."""
    refusal = application.decision_refusal(user)
    if refusal is not None:
        raise DomainError(refusal)


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
    startskudd_case_number: str | None = None,
    terms: Mapping[str, Any] | None = None,
) -> None:
    """Record the decision made in Startskudd: grant or reject, its case
    number, date, amounts and terms. The one who records it is never the
    recommender (the office's two-person check of the recommendation); a
    decision needs a recommendation first; a rejection or a partial grant
    needs reasons (forvaltningsloven § 24). `startskudd_case_number=None`
    keeps the number already on the application."""
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    check_two_person_rule(locked, by)
    reasons = (reasons or "").strip()
    if startskudd_case_number is not None:
        locked.startskudd_case_number = startskudd_case_number.strip()
    if not locked.startskudd_case_number:
        raise DomainError(_("Oppgi saksnummeret vedtaket har i Startskudd."), "startskudd_case_number")
    terms = dict(terms or {})
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
        values = {"grant_applied": grant_granted, "bank_loan": locked.bank_loan, "equity": locked.equity}
        surplus = overfinancing(values, loan_granted, ceiling)
        if locked.purpose == LoanPurpose.PURCHASE and surplus > 0:
            raise DomainError(overfinancing_message(surplus, ceiling))
        partial = loan_granted < locked.amount_applied or grant_granted < locked.grant_applied
        if partial and not reasons:
            raise DomainError(_("Skriv en begrunnelse: søknaden innvilges ikke fullt ut."))
        # The terms granted: those applied for unless Startskudd's differ.
        locked.decided_term_years = terms.get("term_years") or locked.term_years
        locked.decided_interest_only_years = terms.get("interest_only_years", locked.interest_only_years) or 0
        # None in the terms: a floating rate was decided.
        locked.decided_fixed_rate_years = (
            terms["fixed_rate_years"] if "fixed_rate_years" in terms else locked.fixed_rate_years
        ) or None
        locked.decided_repayment_type = terms.get("repayment_type") or locked.repayment_type
        if locked.decided_term_years > 50 or (
            locked.decided_term_years > 30 and not locked.long_term_conditions_documented
        ):
            raise DomainError(
                _("Nedbetalingstid over 30 år (høyst 50) krever at de fire vilkårene er dokumentert."),
                "term_years",
            )
        if locked.decided_interest_only_years > 8:
            raise DomainError(_("Avdragsfri periode kan være høyst 8 år."), "interest_only_years")
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
            "startskudd_case_number",
            "decided_term_years",
            "decided_interest_only_years",
            "decided_fixed_rate_years",
            "decided_repayment_type",
            "updated_at",
        ],
    )
    mark_decided(locked, by=by)
    for name in (
        "status",
        "decided_by",
        "decided_on",
        "decision_reasons",
        "loan_granted",
        "grant_granted",
        "startskudd_case_number",
        "decided_term_years",
        "decided_interest_only_years",
        "decided_fixed_rate_years",
        "decided_repayment_type",
    ):
        setattr(application, name, getattr(locked, name))
    household = locked.household
    if grant and household.pathway_stage not in CLOSED_STAGES | {PathwayStage.LOAN_GRANTED}:
        change_stage(
            household,
            PathwayStage.LOAN_GRANTED,
            by=by,
            reason=_("Startlån innvilget %(date)s.") % {"date": decided_on.strftime("%d.%m.%Y")},
        )
