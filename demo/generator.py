"""One run of the generator: plan everything, then write the rows in bulk.

Everything is generated from `random.Random` streams seeded with `--seed`
(one stream per part, see `Context.rng`), so the same seed gives the same
households, names and references; dates are laid out relative to "today",
so the history always ends today.

The register (`register`) is planned first: dwellings, their tenancies and
the households those make; then the people in them (`people`), and along
each household's history its casework (`casework`) and start-loan
applications (`loans`).

The numbers are scaled to Skien: with dwellings ≈ 0.85 × households and
nearly all dwellings in stock let today (a real office re-lets within
weeks), only the households that left can show the yearly figures. The
office sells over a third of its old dwellings in ten years, most of them
to the sitting tenant ("fra leie til eie"), on dates spread evenly over the
years, so the default demo shows 10–17 households a year buying their own
home, as Skien reported. Summons letters (`summons`) are written once the
households' members are saved, before the meetings that link to them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dwellings.models import Tenancy
from letters.models import Letter, LetterStatus
from startloan.models import ApplicationStatusChange, StartLoanApplication
from tenants.models import (
    Barrier,
    Household,
    JournalNote,
    MeetingStatus,
    OutreachMeeting,
    PathwayStageChange,
    Person,
    PersonRole,
)

from . import casework, loans, people, register, summons
from .plan import CARE, EMERGENCY, Context, DwellingPlan, HouseholdPlan, R


@dataclass
class Summary:
    """What the command reports: counts of what was made."""

    counts: dict[str, int]
    ended_by_reason: dict[str, int]
    bought_per_year: dict[int, int]


def generate(ctx: Context) -> Summary:
    dwellings = register.plan_dwellings(ctx)
    tenancies = register.plan_tenancies(ctx, dwellings)
    register.assign_reasons(ctx, tenancies)
    households = register.plan_households(ctx, tenancies)
    people.plan_people(ctx, households)

    register.write_dwellings(ctx, dwellings)
    household_rows = register.household_rows(ctx, households)
    tenancy_rows = register.tenancy_rows(ctx, households)

    # The history sets each household's stage, so the households are
    # written after it, in one insert; the rows that point at them pick
    # up their keys then (bulk_create returns keys on PostgreSQL and on
    # SQLite ≥ 3.35).
    casework.plan_history(ctx, households)
    casework.ensure_upcoming_for(ctx, ctx.staff.caseworkers[0], households)
    loans.ensure_loan_statuses(ctx, households)
    Household.all_objects.bulk_create(household_rows)
    Person.all_objects.bulk_create(
        Person(
            household=h.row,
            first_name=m.first_name,
            last_name=m.last_name,
            date_of_birth=m.born,
            national_id=m.national_id,
            role=m.role,
        )
        for h in households
        for m in h.members
    )
    Tenancy.all_objects.bulk_create(tenancy_rows)
    PathwayStageChange.all_objects.bulk_create(ctx.stage_changes)
    letters = summons.write_letters(ctx)
    OutreachMeeting.all_objects.bulk_create(ctx.meetings)
    _link_barriers(ctx)
    JournalNote.all_objects.bulk_create(ctx.notes)
    StartLoanApplication.all_objects.bulk_create([loan for loan, _changes in ctx.loans])
    status_changes = []
    for loan, changes in ctx.loans:
        for c in changes:
            c.application = loan
            status_changes.append(c)
    ApplicationStatusChange.all_objects.bulk_create(status_changes)
    loans.write_case_records(ctx)

    return _summarise(ctx, dwellings, households, tenancy_rows, letters)


def _summarise(
    ctx: Context,
    dwellings: list[DwellingPlan],
    households: list[HouseholdPlan],
    tenancies: list[Tenancy],
    letters: list[Letter],
) -> Summary:
    members = [m for h in households for m in h.members]
    ended = [t for t in tenancies if t.end_date is not None]
    counts = {
        "dwellings": len(dwellings),
        "care": sum(d.category == CARE for d in dwellings),
        "emergency": sum(d.category == EMERGENCY for d in dwellings),
        "let": sum(1 for t in tenancies if t.end_date is None),
        "sold": sum(d.disposed_on is not None for d in dwellings),
        "acquired": sum(d.acquired_in_window for d in dwellings),
        "households": len(households),
        "persons": len(members),
        "children": sum(m.role == PersonRole.CHILD for m in members),
        "tenancies": len(tenancies),
        "ended": len(ended),
        "stage_changes": len(ctx.stage_changes),
        "meetings": len(ctx.meetings),
        "planned": sum(m.status == MeetingStatus.PLANNED for m in ctx.meetings),
        "notes": len(ctx.notes),
        "summons_letters": len(letters),
        "rendered_letters": sum(letter.status == LetterStatus.RENDERED for letter in letters),
        "loans": len(ctx.loans),
    }
    ended_by_reason = dict(Counter(t.end_reason for t in ended))
    bought = Counter(t.end_date.year for t in ended if t.end_reason == R.BOUGHT_OWN_HOME)
    # The last ten calendar years, this one included.
    bought_per_year = {year: bought[year] for year in range(ctx.today.year - 9, ctx.today.year + 1)}
    return Summary(counts, ended_by_reason, bought_per_year)


def _link_barriers(ctx: Context) -> None:
    """The coded outcomes of the held meetings (demo.casework.CODED_OUTCOMES)."""
    by_name = dict(Barrier.all_objects.filter(municipality=ctx.office).values_list("name", "pk"))
    through = OutreachMeeting.barriers.through
    through.objects.bulk_create(
        [
            through(outreachmeeting_id=meeting.pk, barrier_id=by_name[name])
            for meeting in ctx.meetings
            for name in getattr(meeting, "demo_barriers", ())
            if name in by_name
        ]
    )
