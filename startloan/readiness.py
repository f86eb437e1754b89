"""The ownership-readiness watch: for every household in guidance with a
budget aiming at a home, re-run the affordability assessment with its
latest budget and the year's parameters, and flag those for whom a start
loan has become affordable, with the figures.

It runs each year (Celery beat, `manage.py readiness_watch`) and whenever
the leader saves the loan parameters (a lower policy rate lowers
Husbanken's stress rate, policy rate + 2.5 pp, and a household may now
carry the loan; https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.jobs import create_job, enqueue
from housing_office.models import Job
from tenants.models import CLOSED_STAGES, Household, PathwayStage

from . import affordability as aff
from . import services
from .assessment import composition_of, inputs_from
from .models import HouseholdBudget, ReadinessStatus

READINESS_JOB = "startloan_readiness"
ZERO = Decimal("0")

# Households the watch follows no longer: the work has ended, or the loan is
# already granted.
NOT_WATCHED = CLOSED_STAGES | {PathwayStage.LOAN_GRANTED}


def readiness_values(budget: HouseholdBudget, parameters: aff.Parameters) -> dict[str, Any]:
    """The budget as a start-loan application for the home aimed at: the
    price with its standard costs, financed by the savings and a start loan
    for the rest (Husbanken allows up to 100 % financing); the owner's
    monthly costs replace today's rent."""
    price = budget.target_price or ZERO
    costs = aff.standard_purchase_costs(price, budget.target_ownership_form, parameters, aff.Purpose.PURCHASE)
    return {
        "purpose": aff.Purpose.PURCHASE,
        "ownership_form": budget.target_ownership_form,
        "purchase_price": price,
        "equity": budget.savings_now,
        "amount_applied": max(ZERO, price + costs - budget.savings_now),
        "monthly_net_income": budget.monthly_net_income,
        "annual_gross_income": budget.annual_gross_income,
        "monthly_child_benefit": budget.monthly_child_benefit,
        "monthly_housing_allowance": budget.monthly_housing_allowance,
        "monthly_child_support": budget.monthly_child_support,
        "monthly_fixed_costs": budget.monthly_fixed_costs,
        "monthly_living_costs": budget.monthly_living_costs,
        "monthly_electricity": budget.monthly_electricity,
        "monthly_housing_costs": budget.target_owner_costs,
        "debts": budget.debts,
        "existing_debt": budget.existing_debt,
    }


def assess_readiness(
    budget: HouseholdBudget, household: Household, parameters: aff.Parameters
) -> dict[str, Any]:
    """The verdict for one budget: affordable when the household carries
    the start loan it needs at the stress rate over the normal 30 years, with
    the figures that show why (JSON-ready)."""
    values = readiness_values(budget, parameters)
    on = timezone.localdate()
    composition = composition_of(household.members.all(), on)
    a = aff.assess(inputs_from(values, composition), parameters)
    return {
        "affordable": a.passes_stress_test,
        "purchase_price": str(a.purchase_price),
        "purchase_costs": str(a.purchase_costs),
        "equity": str(a.equity),
        "loan_needed": str(a.amount_applied),
        "payment_first": str(a.payment_first),
        "payment_stress": str(a.payment_stress),
        "stress_rate": str(a.stress_rate),
        "margin_stress": str(a.margin_stress),
        "max_loan": str(a.max_loan_normal_term),
        "living_cost_basis": a.living_cost_basis,
        "parameters_year": a.year,
    }


def watched_budgets(municipality_id: int) -> list[HouseholdBudget]:
    """Each watched household's latest budget that aims at a home."""
    # A subquery, not DISTINCT ON: the demo runs on SQLite, which has none.
    newer = HouseholdBudget.all_objects.filter(household_id=OuterRef("household_id")).filter(
        Q(made_on__gt=OuterRef("made_on")) | Q(made_on=OuterRef("made_on"), pk__gt=OuterRef("pk"))
    )
    return list(
        HouseholdBudget.all_objects.filter(municipality_id=municipality_id, target_price__isnull=False)
        .exclude(Exists(newer))
        .exclude(household__pathway_stage__in=NOT_WATCHED)
        .select_related("household")
        .prefetch_related("household__members")
    )


@transaction.atomic
def run_watch(
    municipality_id: int, *, job: Job | None = None, on: datetime.date | None = None
) -> dict[str, int]:
    """Assess every watched household and keep its verdict. Idempotent: a
    second run the same day changes nothing; a household found ready keeps
    the day it was first flagged while it stays ready."""
    on = on or timezone.localdate()
    row = services.parameters_for(municipality_id, on.year)
    parameters = services.to_affordability(row)
    budgets = watched_budgets(municipality_id)
    earlier = {
        s.household_id: s
        for s in ReadinessStatus.all_objects.filter(household_id__in=[b.household_id for b in budgets])
    }
    flagged = newly = 0
    for budget in budgets:
        try:
            figures = assess_readiness(budget, budget.household, parameters)
        except ValueError:  # terms the maths cannot express: not ready
            figures = {"affordable": False}
        affordable = bool(figures.pop("affordable"))
        status = earlier.get(budget.household_id) or ReadinessStatus(
            municipality_id=municipality_id, household_id=budget.household_id
        )
        if affordable and not status.affordable:
            status.flagged_on = on
            newly += 1
        elif not affordable:
            status.flagged_on = None
        flagged += affordable
        status.affordable = affordable
        status.budget = budget
        status.figures = figures
        status.parameters_year = row.year
        status.checked_at = timezone.now()
        status.job = job
        status.save()
    # Households no longer watched (a closed stage, no target) drop off.
    ReadinessStatus.all_objects.filter(municipality_id=municipality_id).exclude(
        household_id__in=[b.household_id for b in budgets]
    ).delete()
    return {"checked": len(budgets), "flagged": flagged, "newly_flagged": newly}


def start_watch(municipality, *, by=None, reason: str = "") -> Job:
    """A Job row for a run of the watch, enqueued when the transaction
    commits (the leader's save of the parameters, the yearly run)."""
    from .tasks import run_readiness_watch

    job = create_job(
        municipality=municipality,
        kind=READINESS_JOB,
        title=reason or _("Eierskapsvakt: ny vurdering av husstander i veiledning"),
        created_by=by,
        total=1,
    )
    enqueue(run_readiness_watch, job)
    return job


def latest_job(municipality_id: int) -> Job | None:
    return (
        Job.all_objects.filter(municipality_id=municipality_id, kind=READINESS_JOB)
        .order_by("-created_at")
        .first()
    )
