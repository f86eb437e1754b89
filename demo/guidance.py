"""Economic guidance in the demo: a few households in guidance (no start-loan
application yet) have budgets kept over a year or two, with a savings plan
toward equity and their debts, consistent with their data: today's rent is
their tenancy's, the area their dwelling's, the members theirs. Progress
shows: the savings grow, the debt shrinks. The first one saves its way to a
home it can now carry, so the ownership-readiness watch flags it; the run of
the watch is saved as the page shows it. Deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from dwellings.models import Tenancy
from housing_office.jobs import create_job
from housing_office.models import JobState, Municipality
from startloan import guidance, readiness
from startloan.loan_maths import DebtKind
from tenants.models import Household, PathwayStage, PersonRole

from .helpers import round_to
from .plan import Staff

# Households given budgets, at most.
BUDGETS = 5
# Child benefit a month per child (the rate from 1.9.2024).
CHILD_BENEFIT = 1_766


def _rent_and_area(household: Household, today: datetime.date) -> tuple[Decimal, int | None]:
    tenancy = (
        Tenancy.all_objects.filter(household=household, start_date__lte=today)
        .exclude(end_date__lte=today)
        .select_related("dwelling")
        .order_by("-start_date")
        .first()
    )
    if tenancy is None:
        return Decimal(0), None
    return tenancy.monthly_rent, int(tenancy.dwelling.area_m2)


def _versions(rng: random.Random, household: Household, today: datetime.date, price_level: int) -> list[dict]:
    """Two or three versions, half a year apart, ending a month ago."""
    children = sum(1 for p in household.members.all() if p.role == PersonRole.CHILD)
    rent, area = _rent_and_area(household, today)
    count = rng.choice((2, 3))
    net = Decimal(round_to(rng.uniform(26_000, 38_000), 500))
    saved = Decimal(round_to(rng.uniform(5_000, 40_000), 1_000))
    monthly_saving = Decimal(round_to(rng.uniform(1_500, 4_000), 500))
    student = Decimal(round_to(rng.uniform(60_000, 250_000), 1_000)) if rng.random() < 0.6 else Decimal(0)
    credit = Decimal(rng.choice((0, 10_000, 20_000)))
    price = Decimal(round_to(price_level * (0.8 + 0.1 * children) * rng.uniform(0.85, 1.05), 10_000))
    start = today - datetime.timedelta(days=30 + 182 * (count - 1))
    versions = []
    for index in range(count):
        made_on = start + datetime.timedelta(days=182 * index)
        debts = []
        if student:
            debts.append(
                {
                    "kind": DebtKind.STUDENT,
                    "balance": str(student),
                    "rate": "5.5",
                    "term_years": 15,
                    "monthly_payment": None,
                    "fixed_rate": False,
                }
            )
        if credit:
            debts.append(
                {
                    "kind": DebtKind.CREDIT,
                    "balance": str(credit),
                    "rate": "22.9",
                    "term_years": None,
                    "monthly_payment": None,
                    "fixed_rate": False,
                }
            )
        versions.append(
            {
                "made_on": made_on,
                "monthly_net_income": net,
                "annual_gross_income": Decimal(round_to(float(net) * 12 * 1.38, 1_000)),
                "monthly_child_benefit": Decimal(CHILD_BENEFIT * children),
                "monthly_rent": rent,
                "monthly_fixed_costs": Decimal(round_to(rng.uniform(500, 2_500), 100)),
                "dwelling_area": area,
                "debts": debts,
                "existing_debt": sum((Decimal(d["balance"]) for d in debts), Decimal(0)),
                "savings_now": saved,
                "monthly_saving": monthly_saving,
                "savings_target": Decimal(round_to(float(price) * 0.05, 5_000)),
                "target_price": price,
                "target_ownership_form": "cooperative" if rng.random() < 0.4 else "freehold",
                "target_owner_costs": Decimal(round_to(rng.uniform(2_500, 4_500), 100)),
                "notes": "Gjennomgått budsjett og spareplan med husstanden." if index == 0 else "",
            }
        )
        # Half a year on: the saving made, the debt paid down, the credit
        # card cancelled, and a little more income.
        saved += monthly_saving * 6
        student = max(Decimal(0), student - 6 * 1_200)
        credit = Decimal(0)
        net += Decimal(round_to(rng.uniform(0, 2_000), 500))
    return versions


def seed_guidance(office: Municipality, staff: Staff, today: datetime.date, seed: int) -> dict[str, int]:
    """Budgets for a few households in guidance, then a run of the watch."""
    rng = random.Random(f"guidance-{seed}")
    households = list(
        Household.all_objects.filter(municipality=office, pathway_stage=PathwayStage.GUIDANCE)
        .exclude(loan_applications__isnull=False)
        .prefetch_related("members")
        .order_by("reference")[:BUDGETS]
    )
    price_level = _price_level(office)
    made = 0
    for number, household in enumerate(households):
        user = household.caseworker or staff.caseworkers[0]
        versions = _versions(rng, household, today, price_level)
        if number == 0:
            _until_ready(household, versions)
        for values in versions:
            guidance.save_budget(household, values, by=user)
            made += 1
    job = create_job(
        municipality=office, kind=readiness.READINESS_JOB, title="Eierskapsvakt: årlig vurdering", total=1
    )
    result = readiness.run_watch(office.pk, job=job, on=today)
    job.state, job.progress_done, job.result = JobState.DONE, 1, result
    job.save(update_fields=["state", "progress_done", "result", "updated_at"])
    return {"budgets": made, "readiness_flagged": result["flagged"]}


def _price_level(office: Municipality) -> int:
    from .profiles import profile_for

    return profile_for(office.number).price_level


def _until_ready(household: Household, versions: list[dict]) -> None:
    """The first household earns what the home it aims at takes by the last
    version (a new job), so the watch has someone to flag."""
    from startloan.models import HouseholdBudget

    latest = versions[-1]
    parameters = readiness.services.to_affordability(
        readiness.services.parameters_for(household.municipality_id, latest["made_on"].year)
    )
    for _try in range(80):
        budget = HouseholdBudget(household=household, municipality_id=household.municipality_id, **latest)
        figures = readiness.assess_readiness(budget, household, parameters)
        if figures["affordable"]:
            return
        latest["monthly_net_income"] += 1_000
        latest["annual_gross_income"] = Decimal(
            round_to(float(latest["monthly_net_income"]) * 12 * 1.38, 1_000)
        )
