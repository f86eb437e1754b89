"""Follow-up in the demo's history: plans with contacts, home visits and
agreed actions, and the check-ins after a purchase.

Written after the register (`generate`) and consistent with it:

* every household working toward ownership today (stages guidance,
  applying for or granted a start loan) with a running tenancy has an open
  plan, started after its latest held mapping meeting; contacts every few
  weeks up to today, except for a few households the adviser has lost
  touch with (so the worklist's "no contact" list has rows); agreed actions
  done, overdue and coming;
* every household whose tenancy ended `bought_own_home` in the last three
  years had a plan that ended on the day it moved;
* check-ins after a purchase are made one and three years after the move,
  a month or two after they fell due, for the moves whose check-in fell
  due in the last two years (the office started checking in then); those
  that fell due in the last month are left for the worklist.

Each row keeps the rules of `followup.services` (`_check` asserts them).
`add_followup_history` does nothing when the office already has plans, so
seeding twice makes no duplicates.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from dwellings.models import EndReason, Tenancy
from followup.models import (
    AgreedAction,
    Answer,
    ContactKind,
    FollowUpContact,
    FollowUpPlan,
    PostMoveCheckIn,
    Responsible,
)
from followup.services import add_years
from housing_office.models import Municipality
from tenants.models import MeetingStatus, OutreachMeeting, PathwayStage

from .helpers import DAY, between, weekday_before
from .plan import Staff

IN_WORK = (PathwayStage.GUIDANCE, PathwayStage.APPLYING_LOAN, PathwayStage.LOAN_GRANTED)
GOALS = (
    "Kjøpe egen bolig med startlån innen to år.",
    "Rydde opp i gjelden, spare til egenkapital og søke startlån.",
    "Få fast jobb og stabil inntekt, så søke finansieringsbevis.",
    "Finne en bolig i samme skolekrets og søke startlån.",
)
OUTCOMES = {
    ContactKind.HOME_VISIT: (
        "Hjemmebesøk. Gikk gjennom budsjettet og månedens utgifter sammen.",
        "Hjemmebesøk. Husstanden har betalt husleien i tide og satt av til sparing.",
        "Hjemmebesøk. Snakket om hva slags bolig som passer, og hvor.",
    ),
    ContactKind.PHONE: (
        "Ringte for å følge opp avtalen med banken.",
        "Telefon: husstanden har sendt dokumentasjonen til NAV.",
    ),
    ContactKind.MEETING: (
        "Møte på kontoret med NAV til stede. Avtalt videre plan for økonomien.",
        "Møte på kontoret. Gikk gjennom finansieringsbeviset og boligannonser.",
    ),
    ContactKind.DIGITAL: ("Videomøte. Fulgte opp sparingen og gjeldsordningen.",),
}
ACTIONS = (
    ("Sende oversikt over gjeld til boveilederen", Responsible.HOUSEHOLD),
    ("Søke om økonomisk rådgivning hos NAV", Responsible.HOUSEHOLD),
    ("Avklare lånemulighet i banken", Responsible.BANK),
    ("Vurdere behov for bostøtte", Responsible.NAV),
    ("Sette opp husholdningsbudsjett sammen med husstanden", Responsible.ADVISER),
    ("Finne aktuelle boliger på visning", Responsible.HOUSEHOLD),
)
NAV_OFFICES = ("NAV Skien", "NAV Porsgrunn", "NAV Vest-Telemark")
BANKS = ("Sparebanken Sør", "DNB", "Skagerrak Sparebank")


@dataclass
class Written:
    plans: int = 0
    contacts: int = 0
    actions: int = 0
    check_ins: int = 0


def add_followup_history(
    office: Municipality, staff: Staff, today: datetime.date, seed: int
) -> dict[str, int]:
    """Plans, contacts, actions and check-ins for the office; returns how
    many of each were made (nothing when it has plans already)."""
    if FollowUpPlan.all_objects.filter(municipality=office).exists():
        return {}
    rng = random.Random(f"{seed}:followup")
    written = Written()
    _open_plans(office, staff, today, rng, written)
    _plans_of_buyers(office, staff, today, rng, written)
    _check_ins(office, staff, today, rng, written)
    return {
        "followup_plans": written.plans,
        "followup_contacts": written.contacts,
        "followup_actions": written.actions,
        "post_move_check_ins": written.check_ins,
    }


def _adviser(household, staff: Staff, index: int):
    return household.caseworker or staff.caseworkers[index % len(staff.caseworkers)]


def _plan(office, household, adviser, start, end, rng) -> FollowUpPlan:
    plan = FollowUpPlan.all_objects.create(
        municipality=office,
        household=household,
        goals=rng.choice(GOALS),
        adviser=adviser,
        start_date=start,
        end_date=end,
        nav_contact_name=rng.choice(("Nina Berg", "Ali Hassan", "Tone Lie")),
        nav_contact_organisation=rng.choice(NAV_OFFICES),
        nav_contact_phone="55 55 33 33",
        bank_contact_name=rng.choice(("Bjørn Dahl", "Sara Nguyen", "")),
        bank_contact_organisation=rng.choice(BANKS),
    )
    return plan


def _contacts(office, plan, adviser, first, last, rng) -> list[FollowUpContact]:
    rows, day = [], first + rng.randint(3, 14) * DAY
    while day <= last:
        kind = rng.choices(list(OUTCOMES), weights=(4, 3, 2, 1))[0]
        rows.append(
            FollowUpContact(
                municipality=office,
                plan=plan,
                date=weekday_before(day) if weekday_before(day) >= plan.start_date else day,
                kind=kind,
                outcome=rng.choice(OUTCOMES[kind]),
                by=adviser,
            )
        )
        day += rng.randint(21, 45) * DAY
    return rows


def _actions(office, plan, today, rng, *, ended: bool) -> list[AgreedAction]:
    rows = []
    for index, (text, who) in enumerate(rng.sample(ACTIONS, 3)):
        due = plan.start_date + rng.randint(14, 120) * DAY
        if ended:
            due = min(due, plan.end_date)
            done = due
        elif index == 0 and due <= today:
            done = None  # overdue: on the worklist
        elif due <= today - 3 * DAY:
            done = between(rng, plan.start_date, min(due, today))
        else:
            done = None
        rows.append(
            AgreedAction(
                municipality=office, plan=plan, description=text, responsible=who, due_on=due, done_on=done
            )
        )
    return rows


def _latest_held(household) -> datetime.date | None:
    meeting = (
        OutreachMeeting.all_objects.filter(household=household, status=MeetingStatus.HELD)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return meeting.date() if meeting else None


def _open_plans(office, staff, today, rng, written: Written) -> None:
    tenancies = (
        Tenancy.all_objects.filter(
            municipality=office, end_date__isnull=True, household__pathway_stage__in=IN_WORK
        )
        .select_related("household__caseworker")
        .order_by("household__reference")
    )
    contacts, actions = [], []
    for index, tenancy in enumerate(tenancies):
        household = tenancy.household
        held = _latest_held(household)
        earliest = max(held or tenancy.start_date, tenancy.start_date, today - 400 * DAY)
        # One household in four, of those in follow-up for some months, has
        # not been reached for a while.
        if index % 4 == 0 and earliest <= today - 150 * DAY:
            start = between(rng, earliest, today - 150 * DAY)
            last = today - rng.randint(70, 120) * DAY
        else:
            start = between(rng, earliest, max(earliest, today - 30 * DAY))
            last = today
        adviser = _adviser(household, staff, index)
        plan = _plan(office, household, adviser, start, None, rng)
        contacts += _contacts(office, plan, adviser, start, max(start, last), rng)
        actions += _actions(office, plan, today, rng, ended=False)
        written.plans += 1
    _write(contacts, actions, written)


def _plans_of_buyers(office, staff, today, rng, written: Written) -> None:
    tenancies = (
        Tenancy.all_objects.filter(
            municipality=office,
            end_reason=EndReason.BOUGHT_OWN_HOME,
            end_date__gt=add_years(today, -3),
            end_date__lte=today,
        )
        .select_related("household__caseworker")
        .order_by("end_date", "household__reference")
    )
    contacts, actions = [], []
    for index, tenancy in enumerate(tenancies):
        household = tenancy.household
        if household.followup_plans.exists():
            continue
        start = max(tenancy.start_date, tenancy.end_date - rng.randint(200, 500) * DAY)
        adviser = _adviser(household, staff, index)
        plan = _plan(office, household, adviser, start, tenancy.end_date, rng)
        contacts += _contacts(office, plan, adviser, start, tenancy.end_date, rng)
        actions += _actions(office, plan, today, rng, ended=True)
        written.plans += 1
    _write(contacts, actions, written)


def _write(contacts: list[FollowUpContact], actions: list[AgreedAction], written: Written) -> None:
    for row in contacts:
        _check_contact(row)
    for row in actions:
        _check_action(row)
    FollowUpContact.all_objects.bulk_create(contacts)
    AgreedAction.all_objects.bulk_create(actions)
    written.contacts += len(contacts)
    written.actions += len(actions)


def _check_contact(row: FollowUpContact) -> None:
    plan = row.plan
    assert plan.start_date <= row.date, row
    assert plan.end_date is None or row.date <= plan.end_date, row


def _check_action(row: AgreedAction) -> None:
    assert row.due_on >= row.plan.start_date, row
    assert row.done_on is None or row.done_on >= row.plan.start_date, row


def _check_ins(office, staff, today, rng, written: Written) -> None:
    tenancies = Tenancy.all_objects.filter(
        municipality=office, end_reason=EndReason.BOUGHT_OWN_HOME, end_date__isnull=False
    ).order_by("end_date", "pk")
    rows = []
    for tenancy in tenancies:
        for years in (1, 3):
            due = add_years(tenancy.end_date, years)
            # The office has checked in for two years; those due this last
            # month are still to do.
            if not add_years(today, -2) < due <= today - 30 * DAY:
                continue
            done_on = min(due + rng.randint(5, 60) * DAY, today - DAY)
            owner = Answer.YES if rng.random() < 0.9 else Answer.NO
            behind = Answer.NO if owner == Answer.NO else rng.choices((Answer.NO, Answer.YES), (9, 1))[0]
            help_ = Answer.YES if behind == Answer.YES or owner == Answer.NO else Answer.NO
            rows.append(
                PostMoveCheckIn(
                    municipality=office,
                    tenancy=tenancy,
                    household_id=tenancy.household_id,
                    years_after=years,
                    done_on=done_on,
                    still_owner=owner,
                    behind_on_loan=behind,
                    needs_help=help_,
                    note="" if help_ == Answer.NO else "Avtalt nytt møte om økonomien.",
                    by=staff.caseworkers[tenancy.pk % len(staff.caseworkers)],
                )
            )
    for row in rows:
        assert add_years(row.tenancy.end_date, row.years_after) <= row.done_on <= today, row
    PostMoveCheckIn.all_objects.bulk_create(rows)
    written.check_ins += len(rows)
