"""Economic guidance without a loan application: the household's budget on
the same living-cost bases as the affordability assessment, a savings plan
toward equity, a debt overview, and the versions that show progress.

The budget is run through the assessment itself (`affordability.assess`
via `services.assess_values`) with no loan, so the living costs (the
standard budget, never below the social-assistance guideline), the
electricity line and the debt service are the assessment's own, not a copy.
An application starts from the latest budget (`application_initial`), so no
figure is typed twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.errors import DomainError, constraint_errors
from tenants.models import Household

from . import affordability as aff
from . import services
from .models import HouseholdBudget

ZERO = Decimal("0")

# The budget's own figures, as entered.
BUDGET_FIELDS = (
    "made_on",
    "monthly_net_income",
    "annual_gross_income",
    "monthly_child_benefit",
    "monthly_housing_allowance",
    "monthly_child_support",
    "monthly_rent",
    "monthly_fixed_costs",
    "monthly_living_costs",
    "monthly_electricity",
    "dwelling_area",
    "debts",
    "existing_debt",
    "savings_now",
    "monthly_saving",
    "savings_target",
    "target_price",
    "target_ownership_form",
    "target_owner_costs",
    "notes",
)

# A budget figure and the application field it fills.
TO_APPLICATION = {
    "monthly_net_income": "monthly_net_income",
    "annual_gross_income": "annual_gross_income",
    "monthly_child_benefit": "monthly_child_benefit",
    "monthly_housing_allowance": "monthly_housing_allowance",
    "monthly_child_support": "monthly_child_support",
    "monthly_fixed_costs": "monthly_fixed_costs",
    "monthly_living_costs": "monthly_living_costs",
    "monthly_electricity": "monthly_electricity",
    "debts": "debts",
    "existing_debt": "existing_debt",
    "savings_now": "equity",
    "target_price": "purchase_price",
    "target_ownership_form": "ownership_form",
    "target_owner_costs": "monthly_housing_costs",
}


def _money(value: Any) -> Decimal:
    return ZERO if value in (None, "") else Decimal(value)


# --------------------------------------------------------------------------
# The budget now
# --------------------------------------------------------------------------


def assessment_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A budget's figures as the assessment's inputs, with no loan: today's
    rent is the housing cost. The dwelling's area is the one lived in now."""
    return {
        "received_on": values.get("made_on"),
        "purchase_price": ZERO,
        "amount_applied": ZERO,
        "monthly_net_income": values.get("monthly_net_income"),
        "annual_gross_income": values.get("annual_gross_income"),
        "monthly_child_benefit": values.get("monthly_child_benefit"),
        "monthly_housing_allowance": values.get("monthly_housing_allowance"),
        "monthly_child_support": values.get("monthly_child_support"),
        "monthly_fixed_costs": values.get("monthly_fixed_costs"),
        "monthly_living_costs": values.get("monthly_living_costs"),
        "monthly_electricity": values.get("monthly_electricity"),
        "monthly_housing_costs": values.get("monthly_rent"),
        "dwelling_area": values.get("dwelling_area"),
        "debts": values.get("debts") or [],
        "existing_debt": values.get("existing_debt"),
    }


def budget_figures(assessment: aff.Assessment, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the budget shows and keeps: the month's lines, what is left, and
    what is left after the planned saving (JSON-ready)."""
    a = assessment
    saving = _money(values.get("monthly_saving"))
    lines = {
        "income_total": a.monthly_income_total,
        "living_costs": a.living_costs_used,
        "living_cost_basis": a.living_cost_basis,
        "guideline_floor_applied": a.guideline_floor_applied,
        "guideline_basis": a.guideline_basis,
        "electricity": a.monthly_electricity,
        "electricity_standard": a.electricity_standard,
        "electricity_basis": a.electricity_basis,
        "rent": _money(values.get("monthly_rent")),
        "fixed_costs": a.monthly_fixed_costs,
        "debt_payments": a.monthly_debt_payments,
        "debt_payments_stress": a.debt_payments_stress,
        "debt_lines": list(a.debt_lines),
        "left": a.disposable,
        "saving": saving,
        "left_after_saving": a.disposable - saving,
        "parameters_year": a.year,
    }
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in _encode(lines).items()}


def _encode(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list):
            value = [{k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in value]
        out[key] = value
    return out


def assess_budget(values: Mapping[str, Any], household: Household) -> aff.Assessment:
    """The budget through the affordability assessment, with the parameters
    of the year the budget is dated."""
    assessment, _parameters = services.assess_values(assessment_values(values), household)
    return assessment


# --------------------------------------------------------------------------
# The savings plan and the debt overview
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingsPlan:
    target: Decimal
    saved: Decimal
    monthly: Decimal
    remaining: Decimal
    # Months until the target is reached; None when nothing is saved a month.
    months: int | None
    expected_on: datetime.date | None
    # The planned saving is more than the budget leaves.
    beyond_budget: bool

    @property
    def reached(self) -> bool:
        return self.remaining <= 0


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved `months` calendar months on, at the month's last day when
    the day does not exist there (31 January + 1 month → 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def savings_plan(
    *, target: Decimal, saved: Decimal, monthly: Decimal, start: datetime.date, left: Decimal
) -> SavingsPlan:
    """How long saving `monthly` takes from `saved` to `target`, counted
    from `start`: whole months, rounded up (the target is reached in the
    month the last saving is made)."""
    remaining = max(ZERO, target - saved)
    if remaining == 0:
        months: int | None = 0
    elif monthly > 0:
        months = int((remaining / monthly).to_integral_value(rounding=ROUND_CEILING))
    else:
        months = None
    return SavingsPlan(
        target=target,
        saved=saved,
        monthly=monthly,
        remaining=remaining,
        months=months,
        expected_on=None if months is None else add_months(start, months),
        beyond_budget=monthly > max(ZERO, left),
    )


def plan_of(budget: HouseholdBudget) -> SavingsPlan:
    left = _money((budget.figures or {}).get("left"))
    return savings_plan(
        target=budget.savings_target,
        saved=budget.savings_now,
        monthly=budget.monthly_saving,
        start=budget.made_on,
        left=left,
    )


@dataclass(frozen=True)
class DebtOverview:
    lines: tuple[dict[str, Any], ...]
    total_balance: Decimal
    monthly_payments: Decimal
    monthly_payments_stress: Decimal
    # Debt as a multiple of gross annual income (None without an income).
    debt_to_income: Decimal | None


def debt_overview(budget: HouseholdBudget) -> DebtOverview:
    """The debts as the assessment services them (payment now and at the
    stress rate), from the figures kept with the version."""
    figures = budget.figures or {}
    lines = tuple(figures.get("debt_lines") or ())
    total = sum((_money(line.get("balance")) for line in lines), ZERO)
    gross = budget.annual_gross_income
    return DebtOverview(
        lines=lines,
        total_balance=total,
        monthly_payments=_money(figures.get("debt_payments")),
        monthly_payments_stress=_money(figures.get("debt_payments_stress")),
        debt_to_income=(total / gross).quantize(Decimal("0.01")) if gross > 0 and total > 0 else None,
    )


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


def latest_budget(household: Household) -> HouseholdBudget | None:
    return household.budgets.order_by("-made_on", "-id").first()


def budget_initial(household: Household) -> dict[str, Any]:
    """A new version starts from the latest one (only what changed is
    typed); the first from what the office already knows: today's rent from
    the household's current tenancy."""
    latest = latest_budget(household)
    if latest is not None:
        # The date is today's and the notes are the new version's own.
        return {name: getattr(latest, name) for name in BUDGET_FIELDS if name not in ("made_on", "notes")}
    today = timezone.localdate()
    tenancy = (
        household.tenancies.filter(start_date__lte=today)
        .exclude(end_date__lte=today)
        .order_by("-start_date")
        .first()
    )
    initial: dict[str, Any] = {}
    if tenancy is not None:
        initial["monthly_rent"] = tenancy.monthly_rent
        area = getattr(tenancy.dwelling, "area_m2", None)
        if area:
            initial["dwelling_area"] = int(area)
    return initial


def electricity_needed(values: Mapping[str, Any], household: Household) -> bool:
    """Whether the caseworker must enter the power bill: the year's default
    amounts carry no source, so none is assumed."""
    on = values.get("made_on") or timezone.localdate()
    parameters = services.parameters_for(household.municipality_id, on.year)
    return values.get("monthly_electricity") is None and not parameters.electricity_basis


@transaction.atomic
def save_budget(household: Household, values: Mapping[str, Any], *, by) -> HouseholdBudget:
    """A new dated version of the household's budget, with its figures."""
    if values.get("monthly_net_income") is None:
        raise DomainError(_("Oppgi inntekt etter skatt."), "monthly_net_income")
    if electricity_needed(values, household):
        raise DomainError(
            _("Oppgi strøm og oppvarming: årets standardbeløp har ingen oppgitt kilde."),
            "monthly_electricity",
        )
    try:
        assessment = assess_budget(values, household)
    except ValueError as exc:  # a debt the maths cannot express
        raise DomainError(_("Budsjettet kan ikke beregnes: %(e)s") % {"e": exc}) from exc
    budget = HouseholdBudget(municipality_id=household.municipality_id, household=household, made_by=by)
    for name in BUDGET_FIELDS:
        value = values.get(name)
        # A blank amount with a default (zero, today) keeps the default.
        if value is not None or (name in values and HouseholdBudget._meta.get_field(name).null):
            setattr(budget, name, value)
    budget.figures = budget_figures(assessment, values)
    with constraint_errors(HouseholdBudget):
        budget.save()
    return budget


def history(household: Household) -> list[dict[str, Any]]:
    """The versions oldest first, with what progress is measured by: what
    is left a month, savings against the target, and debt."""
    rows = []
    for budget in household.budgets.order_by("made_on", "id"):
        figures = budget.figures or {}
        target = budget.savings_target
        rows.append(
            {
                "budget": budget,
                "income_total": _money(figures.get("income_total")),
                "left": _money(figures.get("left")),
                "saved": budget.savings_now,
                "target": target,
                "percent": min(100, int(budget.savings_now * 100 / target)) if target > 0 else None,
                "debt": budget.existing_debt,
            }
        )
    return rows


# --------------------------------------------------------------------------
# One place for the figures: the application starts from the budget
# --------------------------------------------------------------------------


def application_initial(budget: HouseholdBudget) -> dict[str, Any]:
    """A new start-loan application's figures from the household's budget:
    income lines, costs, debts, equity and the home aimed for. The loan
    applied for is what the price and the standard costs leave after the
    equity (the caseworker adjusts it if a bank loan is part)."""
    initial: dict[str, Any] = {"household": budget.household_id}
    for source, target in TO_APPLICATION.items():
        value = getattr(budget, source)
        if value is not None:
            initial[target] = value
    if budget.target_price:
        parameters = services.to_affordability(
            services.parameters_for(budget.municipality_id, timezone.localdate().year)
        )
        costs = aff.standard_purchase_costs(
            budget.target_price, budget.target_ownership_form, parameters, aff.Purpose.PURCHASE
        )
        initial["amount_applied"] = max(ZERO, budget.target_price + costs - budget.savings_now)
    return initial
