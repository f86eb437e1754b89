"""Start-loan applications (startlån) and their status histories.

A decided application is recommended by one person and decided by
another, as `startloan.services.check_two_person_rule` demands of real
cases.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from housing_office.models import User
from startloan import affordability as aff
from startloan.assessment import composition_of, inputs_from, snapshot
from startloan.loan_maths import DebtKind
from startloan.loan_rules import FIXED_RATE_PERIODS
from startloan.models import (
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    AssessmentRecord,
    DocumentKind,
    LoanParameters,
    LoanPurpose,
    OwnershipForm,
    RepaymentType,
    StartLoanApplication,
)
from startloan.parameters import to_affordability
from startloan.services import ensure_document_kinds, parameters_for
from tenants.models import Person, PersonRole

from .helpers import DAY, at, round_to, weekday_after
from .plan import Context, HouseholdPlan, R, S


def plan_loans(
    ctx: Context,
    rng: random.Random,
    h: HouseholdPlan,
    user: User,
    path: list[str],
    days: dict[str, datetime.date],
) -> None:
    """The household's start-loan applications, along its pathway: `days`
    holds the day it reached each stage."""
    leader = ctx.staff.leader
    if S.APPLYING_LOAN in path:
        received = days[S.APPLYING_LOAN]
        if S.LOAN_GRANTED in path:
            decided = days[S.LOAN_GRANTED]
            if h.fate == R.BOUGHT_OWN_HOME:
                status = ApplicationStatus.DISBURSED
            else:
                status = ApplicationStatus.GRANTED
        else:
            decided = None
            status = ApplicationStatus.IN_REVIEW if rng.random() < 0.6 else ApplicationStatus.RECEIVED
        _loan(ctx, rng, h, user, leader, received, decided, status)
    # Earlier applications that did not lead anywhere.
    tried = S.GUIDANCE in path or (S.MAPPED in path and S.NOT_RELEVANT in path)
    if h.fate in (R.PRIVATE_RENTAL, "current") and tried and rng.random() < 0.3:
        status = ApplicationStatus.REJECTED if rng.random() < 0.6 else ApplicationStatus.WITHDRAWN
        _failed_application(ctx, rng, h, user, days.get(S.GUIDANCE, days.get(S.MAPPED, ctx.today)), status)


def _failed_application(
    ctx: Context, rng: random.Random, h: HouseholdPlan, user: User, before: datetime.date, status: str
) -> bool:
    received = before - rng.randint(60, 400) * DAY
    begin = h.tenancies[0].start if h.tenancies else h.registered
    if received <= begin:
        return False
    decided = received + rng.randint(20, 50) * DAY if status == ApplicationStatus.REJECTED else None
    _loan(ctx, rng, h, user, ctx.staff.leader, received, decided, status)
    return True


def ensure_loan_statuses(ctx: Context, households: list[HouseholdPlan]) -> None:
    """Every application status shows up in the demo, so each list
    filter and each badge has something to show."""
    rng = ctx.rng("loan-statuses")
    present = Counter(loan.status for loan, _changes in ctx.loans)
    owner = {id(h.row): h for h in households}
    pending = (ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW)
    for missing, other in (pending, pending[::-1]):
        if present[missing] or present[other] < 2:
            continue
        index = next(i for i, (loan, _c) in enumerate(ctx.loans) if loan.status == other)
        loan, _changes = ctx.loans.pop(index)
        h = owner[id(loan.household)]
        _loan(
            ctx,
            rng,
            h,
            loan.recommended_by or _user_of(ctx, h),
            ctx.staff.leader,
            loan.received_on,
            None,
            missing,
        )
        present[missing] += 1
    with_loans = {id(loan.household) for loan, _changes in ctx.loans}
    for status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        candidates = [
            h
            for h in households
            if not present[status]
            and h.fate == "current"
            and id(h.row) not in with_loans
            and h.row is not None
            and h.row.pathway_stage in (S.MAPPED, S.GUIDANCE, S.NOT_RELEVANT)
        ]
        for h in candidates:
            assert h.row is not None
            if _failed_application(ctx, rng, h, _user_of(ctx, h), h.row.stage_changed_at.date(), status):
                present[status] += 1
                break


def _user_of(ctx: Context, h: HouseholdPlan) -> User:
    assert h.row is not None
    return h.row.caseworker or ctx.staff.caseworkers[0]


# Kept granted cases honest: the net income is raised in steps of this
# many kroner until the app's own assessment carries the loan.
_INCOME_STEP = 500
_MAX_TRIES = 60


def _parameters(ctx: Context, year: int) -> tuple[LoanParameters, aff.Parameters]:
    """The year's parameters, as `services.assess_values` would find them
    (made from the published defaults when missing), converted once."""
    cache = ctx.__dict__.setdefault("_loan_parameters", {})
    if year not in cache:
        row = parameters_for(ctx.office, year)
        if all(getattr(row, name) is None for name in DEMO_FIXED_RATES):
            # The demo office's leader has entered Husbanken's fixed rates.
            for name, rate in DEMO_FIXED_RATES.items():
                setattr(row, name, rate)
            row.save(update_fields=[*DEMO_FIXED_RATES, "updated_at"])
        cache[year] = (row, to_affordability(row))
    return cache[year]


# Husbanken's fixed rates for July 2024, monthly terms (husbanken.no/rente,
# beside the floating 4.640 % from 1 July 2024 the defaults use).
DEMO_FIXED_RATES = {
    "fixed_rate_3": Decimal("4.208"),
    "fixed_rate_5": Decimal("4.054"),
    "fixed_rate_10": Decimal("3.948"),
    "fixed_rate_20": Decimal("4.237"),
}


def _debts(rng: random.Random) -> list[dict]:
    """The debt the household keeps, row by row as the form stores it."""
    debts: list[dict] = []
    if rng.random() < 0.35:
        # Student loan (Lånekassen, floating), with its remaining term.
        debts.append(
            {
                "kind": DebtKind.STUDENT,
                "balance": str(round_to(rng.uniform(40_000, 350_000), 1_000)),
                "rate": "5.5",
                "term_years": rng.randint(8, 20),
                "monthly_payment": None,
                "fixed_rate": False,
            }
        )
    if rng.random() < 0.2:
        # A car loan at a fixed rate, with its monthly payment.
        debts.append(
            {
                "kind": DebtKind.CAR,
                "balance": str(round_to(rng.uniform(30_000, 150_000), 1_000)),
                "rate": "8.9",
                "term_years": None,
                "monthly_payment": str(round_to(rng.uniform(1_200, 3_000), 100)),
                "fixed_rate": True,
            }
        )
    if rng.random() < 0.15:
        # A credit card: its whole limit, serviced over five years.
        debts.append(
            {
                "kind": DebtKind.CREDIT,
                "balance": str(rng.choice((10_000, 20_000, 30_000))),
                "rate": "22.9",
                "term_years": None,
                "monthly_payment": None,
                "fixed_rate": False,
            }
        )
    return debts


def _carried(a: aff.Assessment) -> bool:
    """What a municipality checks before granting: the household carries all
    its loans at the stress rate, nothing is overfinanced, and a bank loan
    meets the bank's own limits."""
    return (
        a.passes_stress_test
        and a.usable_as_decision_basis
        and a.debt_limit_ok
        and a.loan_to_value_ok
        and a.bank_stress_ok
    )


def _loan(
    ctx: Context,
    rng: random.Random,
    h: HouseholdPlan,
    user: User,
    leader: User,
    received: datetime.date,
    decided: datetime.date | None,
    status: str,
) -> None:
    assert h.row is not None
    # The application's own stream, so its draws leave the caller's alone.
    rng = random.Random(rng.random())
    level = ctx.profile.price_level * (0.85 + 0.05 * len(h.members))
    price = round_to(level * rng.lognormvariate(0, 0.18), 10_000)
    cooperative = rng.random() < 0.45
    area = round(rng.uniform(35, 50) + 12 * len(h.members))
    purpose = LoanPurpose.PURCHASE
    owns = False
    if h.fate == "applicant" and rng.random() < 0.3:
        purpose = rng.choice((LoanPurpose.REFINANCE, LoanPurpose.ADAPTATION))
        owns = True
    # A cooperative unit's share of the common debt, and the monthly common
    # costs: running costs plus interest and instalments on that share
    # (about 0.57 % a month: an annuity at 5.5 % over 30 years).
    common_debt = round_to(price * rng.uniform(0.1, 0.5), 10_000) if cooperative else 0
    common_costs = round_to(1_200 + 15 * area + common_debt * 0.0057, 100) if cooperative else 0
    equity = bank = grant = 0
    if purpose == LoanPurpose.PURCHASE:
        # Document duty only on a freehold; a cooperative's fixed sum
        # otherwise (`startloan.affordability.standard_purchase_costs`).
        costs = 5_000 if cooperative else round(price * 0.025)
        equity = round_to(rng.uniform(0, 0.05) * price, 1_000)
        if rng.random() < 0.55:
            bank = round_to(price * rng.uniform(0.4, 0.75), 10_000)
        grant = round_to(rng.uniform(50_000, 300_000), 10_000) if rng.random() < 0.2 else 0
        applied = max(0, price + costs - equity - bank - grant)
    elif purpose == LoanPurpose.REFINANCE:
        # No title changes hands: no document duty; the debt refinanced
        # stays within the home's value.
        costs = 0
        applied = round_to(price * rng.uniform(0.5, 0.85), 10_000)
    else:
        costs = 0
        applied = round_to(rng.uniform(80_000, 350_000), 10_000)
    children = sum(1 for m in h.members if m.role == PersonRole.CHILD and (received - m.born).days < 18 * 365)
    debts = _debts(rng)
    long_term = rng.random() < 0.2
    row, parameters = _parameters(ctx, received.year)
    to_grant = status in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED)
    fixed = [years for years in FIXED_RATE_PERIODS if years in parameters.fixed_rates]
    values = {
        "received_on": received,
        "purpose": purpose,
        "ownership_form": OwnershipForm.COOPERATIVE if cooperative else OwnershipForm.FREEHOLD,
        "purchase_price": Decimal(price),
        "purchase_costs": Decimal(costs),
        "equity": Decimal(equity),
        "bank_loan": Decimal(bank),
        "amount_applied": Decimal(applied),
        "grant_applied": Decimal(grant),
        "debts": debts,
        "existing_debt": sum((Decimal(d["balance"]) for d in debts), Decimal(0)),
        "common_debt": Decimal(common_debt),
        "monthly_common_costs": Decimal(common_costs),
        # Child benefit at 1,766 kr a child a month (the rate from 1.9.2024).
        "monthly_child_benefit": Decimal(1_766 * children),
        "monthly_fixed_costs": Decimal(round_to(rng.uniform(0, 3_000), 100)),
        "monthly_housing_costs": Decimal(round_to(rng.uniform(1_500, 3_500), 100)),
        # Most leave electricity to the leader's default for the size.
        "monthly_electricity": Decimal(round_to(rng.uniform(900, 2_500), 100))
        if rng.random() < 0.3
        else None,
        "dwelling_area": area,
        "term_years": rng.choice((40, 50)) if long_term else 30,
        "long_term_conditions_documented": long_term,
        "interest_only_years": rng.choice((1, 2, 3)) if rng.random() < 0.15 else 0,
        "repayment_type": RepaymentType.SERIAL if rng.random() < 0.1 else RepaymentType.ANNUITY,
        # A fixed rate only where the year's parameters know it; the first
        # granted loan has one, so the demo always shows a fixed-rate loan.
        "fixed_rate_years": rng.choice(fixed)
        if fixed and (rng.random() < 0.25 or (to_grant and not ctx.__dict__.get("_fixed_granted")))
        else None,
        "owns_home": owns,
    }
    net = round_to(rng.uniform(24_000, 52_000), 500)
    composition = composition_of(
        [Person(date_of_birth=m.born, role=m.role, national_id=m.national_id) for m in h.members], received
    )
    for _try in range(_MAX_TRIES):
        values["monthly_net_income"] = Decimal(net)
        values["annual_gross_income"] = Decimal(round_to(net * 12 * 1.38, 1_000))
        assessment = aff.assess(inputs_from(values, composition), parameters)
        if not to_grant or _carried(assessment):
            break
        # A municipality grants only what the household carries: the demo's
        # granted households earn what that takes.
        short = max(-assessment.margin_stress, -assessment.bank_stress_margin, Decimal(0))
        net += max(_INCOME_STEP, round_to(float(short) + _INCOME_STEP, _INCOME_STEP))
        if not assessment.debt_limit_ok:
            net = max(
                net, round_to(float(assessment.total_debt) / 5 / 12 / 1.38 + _INCOME_STEP, _INCOME_STEP)
            )
    if to_grant and values["fixed_rate_years"]:
        ctx.__dict__["_fixed_granted"] = True
    loan = StartLoanApplication(
        municipality=ctx.office,
        household=h.row,
        startskudd_case_number=f"{received.year}/{rng.randint(100, 9999):05d}",
        status=status,
        created_at=at(received, 9),
        assessment=snapshot(assessment, row),
        **values,
        **_eligibility(rng, received, children, purpose),
    )
    changes: list[ApplicationStatusChange] = []

    def change(frm: str, to: str, when: datetime.datetime, by: User, comment: str = "") -> None:
        changes.append(
            ApplicationStatusChange(
                from_status=frm, to_status=to, changed_at=when, changed_by=by, comment=comment
            )
        )

    # The history's first row, as startloan.services writes it when a
    # caseworker registers an application: who registered it, and when.
    change("", ApplicationStatus.RECEIVED, loan.created_at, user, "Registrert")
    if status != ApplicationStatus.RECEIVED:
        review = at(weekday_after(received + rng.randint(1, 7) * DAY), 10)
        if decided is not None and review.date() >= decided:
            review = at(received, 14)
        change(ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW, review, user)
    if status in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED, ApplicationStatus.REJECTED):
        assert decided is not None
        recommended = at(max(received, decided - rng.randint(1, 5) * DAY), 13)
        loan.recommended_by = user
        loan.recommended_at = recommended
        loan.decided_by = leader if leader != user else ctx.staff.caseworkers[1]
        loan.decided_on = decided
        if status == ApplicationStatus.REJECTED:
            loan.recommendation = "Innstiller på avslag: husstanden har ikke betjeningsevne for lånet."
            loan.decision_reasons = rng.choice(
                (
                    "Søknaden er avslått fordi husstanden ikke har betjeningsevne for et lån av denne "
                    "størrelsen etter Husbankens beregning.",
                    "Søknaden er avslått fordi søkeren kan få tilstrekkelig lån i ordinær bank.",
                )
            )
            change(ApplicationStatus.IN_REVIEW, status, at(decided, 14), loan.decided_by)
        else:
            granted = applied if rng.random() < 0.85 else round_to(applied * 0.9, 10_000)
            loan.loan_granted = Decimal(granted)
            loan.grant_granted = Decimal(grant) if grant else None
            # The terms as decided in Startskudd: those applied for.
            loan.decided_term_years = loan.term_years
            loan.decided_interest_only_years = loan.interest_only_years
            loan.decided_fixed_rate_years = loan.fixed_rate_years
            loan.decided_repayment_type = loan.repayment_type
            loan.recommendation = "Innstiller på innvilgelse. Husstanden har betjeningsevne med stresstest."
            loan.decision_reasons = (
                "Søknaden er innvilget. Husstanden har langvarige problemer med å finansiere egen bolig "
                "og har betjeningsevne for lånet."
            )
            change(ApplicationStatus.IN_REVIEW, ApplicationStatus.GRANTED, at(decided, 14), loan.decided_by)
            certificate = min(decided + rng.randint(0, 3) * DAY, ctx.today)
            # A financing certificate and a purchase date belong to a
            # purchase: refinancing or adapting the home one owns buys
            # nothing. (The random draws stay in the same order, so the rest
            # of the demo is the same for a seed.)
            buys = loan.purpose == LoanPurpose.PURCHASE
            if status == ApplicationStatus.DISBURSED:
                exit_day = h.exit_date or ctx.today
                purchased = max(decided, exit_day - rng.randint(14, 75) * DAY)
                if buys:
                    loan.purchased_on = purchased
                    loan.financing_certificate_on = min(certificate, purchased)
                change(ApplicationStatus.GRANTED, status, at(exit_day, 10), user)
            elif rng.random() < 0.8 and buys:
                loan.financing_certificate_on = certificate
            if loan.financing_certificate_on:
                # Valid for three months, for a price the loans and the
                # equity cover with the purchase costs set aside.
                loan.financing_certificate_expires_on = loan.financing_certificate_on + 91 * DAY
                loan.financing_certificate_price_cap = max(
                    Decimal(0), Decimal(granted + grant + bank + equity) - loan.purchase_costs
                )
    elif status == ApplicationStatus.WITHDRAWN:
        when = at(received + rng.randint(10, 40) * DAY, 11)
        change(ApplicationStatus.IN_REVIEW, status, when, user, "Søkeren trakk søknaden.")
    ctx.loans.append((loan, changes))


_BANKS = ("DNB", "Sparebanken Sør", "SpareBank 1 Sørøst-Norge", "Nordea", "Handelsbanken")


def _eligibility(rng: random.Random, received: datetime.date, children: int, purpose: str) -> dict:
    """The eligibility facts (forskrift om lån fra Husbanken § 5-2, § 5-4)
    as a caseworker records them: the bank's refusal always, then the
    long-term problem and saving, or an exception with its reason."""
    facts: dict = {
        "bank_refusal_bank": rng.choice(_BANKS),
        "bank_refusal_on": received - rng.randint(7, 60) * DAY,
        "bank_refusal_facts": "Banken kan ikke gi lån som dekker kjøpet; for lav inntekt og egenkapital.",
    }
    if purpose == LoanPurpose.REFINANCE and rng.random() < 0.5:
        facts["eligibility_exception"] = "forced_sale"
        facts["exception_facts"] = (
            "Begjæring om tvangssalg er varslet; refinansiering gjør boutgiftene bærbare."
        )
    elif children and rng.random() < 0.3:
        facts["eligibility_exception"] = "children_or_needs"
        facts["exception_facts"] = "Barnefamilie i midlertidig bolig som trenger en stabil bolig raskt."
    else:
        facts["long_term_difficulty"] = True
        facts["long_term_facts"] = rng.choice(
            (
                "Varig lav inntekt; ingen utsikter til inntektsøkning som gjør vanlig banklån mulig.",
                "Enslig forsørger med lav inntekt over flere år.",
                "Uføretrygdet; inntekten vil ikke øke.",
            )
        )
        facts["savings_facts"] = (
            "Har spart det husstanden kan over tid; kontoutskrifter viser jevnlig sparing."
        )
    return facts


def write_case_records(ctx: Context) -> None:
    """After the applications are saved: each one's assessment in its
    history (the decided one marked) and, for the decided ones, the
    checklist's required documents received before the recommendation."""
    ensure_document_kinds(ctx.office)
    kinds = list(DocumentKind.all_objects.filter(municipality=ctx.office, required=True, active=True))
    records = []
    documents = []
    for loan, changes in ctx.loans:
        records.append(
            AssessmentRecord(
                application=loan,
                made_at=loan.created_at,
                # Assessed when registered, by the caseworker who registered it.
                made_by=changes[0].changed_by,
                snapshot=loan.assessment,
                decided=loan.decided_by_id is not None,
            )
        )
        if loan.recommended_at is None:
            continue
        for kind in kinds:
            if kind.purchase_only and loan.purpose != LoanPurpose.PURCHASE:
                continue
            documents.append(
                ApplicationDocument(
                    application=loan, kind=kind, received_on=loan.recommended_at.date() - 2 * DAY
                )
            )
    AssessmentRecord.all_objects.bulk_create(records)
    ApplicationDocument.all_objects.bulk_create(documents)
