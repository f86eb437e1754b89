"""Casework along each household's history: pathway stage changes,
outreach meetings and journal notes (rent arrears are `demo.arrears`'s cases).

The pathway fits how the tenancy ended: bought -> `bought_home`, private
rental -> `private_rental`. Meetings take fixed slots in office hours, so a
caseworker is never booked twice at once; the demo caseworker gets a few
meetings in the coming weeks so that the calendar has something in it.

Every household that was summoned got a summons letter two to three weeks
before the meeting it called to (`SummonsPlan`, written as letters by
`demo.summons`): the mapping meeting held, or a missed one followed by a
new letter for the meeting held, or the meeting planned in the coming weeks.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from housing_office.models import User
from tenants.models import JournalNote, MeetingStatus, OutreachMeeting, PathwayStageChange

from . import loans
from .helpers import DAY, add_months, at, between, weekday_after, weekday_before, weighted, workday_near
from .plan import CARE, EMERGENCY, GENERAL, Context, HouseholdPlan, R, S, SummonsPlan, TenancyPlan

# ---------------------------------------------------------------------------
# Norwegian texts for the history.

STAGE_REASONS: dict[str, tuple[str, ...]] = {
    S.SUMMONED: (
        "Innkalt til kartleggingssamtale om boligsituasjonen.",
        "Sendt skriftlig innkalling til kartleggingssamtale.",
    ),
    S.MAPPED: ("Kartleggingssamtale gjennomført.", "Kartleggingssamtale gjennomført; referat i journalen."),
    S.GUIDANCE: (
        "Avtalt oppfølging med budsjett og økonomisk veiledning.",
        "Husstanden ønsker å eie på sikt; følges opp med veiledning.",
    ),
    S.APPLYING_LOAN: ("Søknad om startlån er mottatt.", "Har sendt søknad om startlån i Startskudd."),
    S.LOAN_GRANTED: ("Startlån innvilget; finansieringsbevis sendt.", "Vedtak om startlån er fattet."),
    S.BOUGHT_HOME: (
        "Husstanden har kjøpt egen bolig og sagt opp leiekontrakten.",
        "Kjøpt egen bolig; overtakelse avtalt.",
    ),
    S.PRIVATE_RENTAL: (
        "Husstanden har flyttet til privat leid bolig.",
        "Har fått privat leiekontrakt og sagt opp den kommunale boligen.",
    ),
}
SUMMONED_LONG_STAY = (
    "Botid over tre år; sendt skriftlig innkalling til kartleggingssamtale.",
    "Kandidat fra botidslisten; innkalling sendt.",
)
NOT_RELEVANT_REASONS = {
    "care": "Bor i omsorgsbolig; leie til eie er ikke aktuelt.",
    "emergency": "Midlertidig plassert i akuttbolig; vurderes når varig bolig er på plass.",
    "income": "Lav og usikker inntekt; kjøp er ikke aktuelt nå. Ny vurdering om ett år.",
    R.DECEASED: "Leieforholdet er avsluttet etter dødsfall.",
    R.CARE_INSTITUTION: "Leietaker har flyttet til institusjon.",
    R.EVICTION: "Leieforholdet er avsluttet ved utkastelse.",
    R.MOVED_AWAY: "Husstanden har flyttet fra kommunen.",
    R.OTHER: "Leieforholdet er avsluttet.",
}
HELD_NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "buy": (
        (
            "Gikk gjennom boligsituasjon, inntekt og gjeld. Husstanden har fast inntekt og ønsker å "
            "kjøpe egen bolig. Informert om startlån, etableringstilskudd og bostøtte.",
            "Husstanden henter lånetilsagn i banken; vi vurderer startlån som toppfinansiering.",
        ),
        (
            "Kartla økonomi og ønsker. Familien trives i området og vil eie på sikt. Gikk gjennom hva "
            "som trengs til en søknad om startlån.",
            "Sender oversikt over dokumentasjon: lønnsslipper, skattemelding og gjeldsoversikt.",
        ),
    ),
    "private": (
        (
            "Husstanden vil heller leie privat nær jobb og skole. Informert om depositumsgaranti fra NAV "
            "og bostøtte.",
            "Følger opp når de har funnet bolig; leieforholdet avsluttes etter avtale.",
        ),
    ),
    "guidance": (
        (
            "Kartla økonomien. Husstanden har betalingsanmerkning som må ryddes opp før en lånesøknad.",
            "Henvist til økonomisk rådgivning i NAV; ny samtale om tre måneder.",
        ),
        (
            "Husstanden ønsker å eie, men inntekten er ikke stabil ennå. Satte opp budsjett sammen.",
            "Ny samtale når arbeidskontrakten er forlenget.",
        ),
    ),
    "stay": (
        (
            "Husstanden har lav og usikker inntekt og ønsker å bli boende. Kjøp er ikke aktuelt nå.",
            "Ny vurdering om ett år.",
        ),
    ),
}
# The coded outcome of each kind of held meeting above: the barriers found
# (the names of tenants.services.DEFAULT_BARRIERS) and the household's goal.
CODED_OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {
    HELD_NOTES["buy"][0][0]: ((), "Kjøpe egen bolig med startlån som toppfinansiering"),
    HELD_NOTES["buy"][1][0]: (("Tilhørighet til stedet",), "Eie egen bolig i samme område"),
    HELD_NOTES["private"][0][0]: (("Boligen passer ikke",), "Leie privat nær jobb og skole"),
    HELD_NOTES["guidance"][0][0]: (("Økonomi",), "Rydde opp i gjelden og søke startlån"),
    HELD_NOTES["guidance"][1][0]: (("Økonomi",), "Eie egen bolig når inntekten er fast"),
    HELD_NOTES["stay"][0][0]: (("Økonomi", "Tilhørighet til stedet"), "Bli boende inntil videre"),
}
NO_SHOW_NOTE = ("Husstanden møtte ikke og svarte ikke på telefon.", "Sender ny innkalling.")
CANCELLED_NOTE = ("Avlyst etter ønske fra leietaker (sykdom).", "Ny tid avtales på telefon.")
JOURNAL_TEXTS = (
    "Ringte leietaker og avtalte tid for samtale.",
    "Mottatt lønnsslipper og skattemelding på e-post.",
    "Leietaker har fått fast jobb og vil se på muligheten for kjøp.",
    "Bestilt tolk til neste samtale.",
    "Snakket med NAV-veileder om bostøtte og økonomisk rådgivning.",
    "Leietaker ringte om vedlikehold på badet; sendt videre til eiendomsforvaltningen.",
    "Gikk gjennom budsjett for et mulig kjøp; husstanden sparer til egenkapital.",
    "Leietaker ønsker større bolig; står på liste for bytte.",
)
ARREARS_NOTE = "Purret på husleierestanse; avtalt nedbetalingsplan."

HELD_AT_HOME_SHARE = 0.1
# A meeting takes one of these slots (local time), so a caseworker's day
# never holds two meetings at once.
MEETING_SLOTS = ((8, 30), (9, 30), (10, 30), (12, 30), (13, 30), (14, 30))
# Days from the summons letter to the meeting it calls to.
SUMMONS_NOTICE_DAYS = (14, 24)
MISSED_SHARE = 0.25


def _stage_path(ctx: Context, rng: random.Random, h: HouseholdPlan) -> list[str]:
    fate = h.fate
    if fate == R.BOUGHT_OWN_HOME:
        loan = [S.APPLYING_LOAN, S.LOAN_GRANTED] if rng.random() < 0.75 else []
        return [S.SUMMONED, S.MAPPED, S.GUIDANCE, *loan, S.BOUGHT_HOME]
    if fate == R.PRIVATE_RENTAL:
        return [S.SUMMONED, S.MAPPED] + ([S.GUIDANCE] if rng.random() < 0.5 else []) + [S.PRIVATE_RENTAL]
    if fate == "applicant":
        return [S.GUIDANCE, S.APPLYING_LOAN] + ([S.LOAN_GRANTED] if rng.random() < 0.4 else [])
    if fate != "current":
        before = rng.choice(([], [], [S.SUMMONED], [S.SUMMONED, S.MAPPED]))
        return [*before, S.NOT_RELEVANT]
    current = h.current
    assert current is not None
    category = current.dwelling.category
    if category == CARE:
        return [S.NOT_RELEVANT] if rng.random() < 0.8 else []
    if category == EMERGENCY:
        return [S.NOT_RELEVANT] if rng.random() < 0.4 else []
    years = (ctx.today - h.tenancies[0].start).days / 365.25
    if years < 0.25:
        return []
    if years < 1:
        weights = ((S.NOT_ASSESSED, 70), (S.SUMMONED, 15), (S.MAPPED, 15))
    elif years < 3:
        weights = (
            (S.NOT_ASSESSED, 35),
            (S.SUMMONED, 20),
            (S.MAPPED, 20),
            (S.GUIDANCE, 15),
            (S.NOT_RELEVANT, 10),
        )
    else:
        weights = (
            (S.NOT_ASSESSED, 12),
            (S.SUMMONED, 15),
            (S.MAPPED, 15),
            (S.GUIDANCE, 20),
            (S.APPLYING_LOAN, 12),
            (S.LOAN_GRANTED, 8),
            (S.NOT_RELEVANT, 18),
        )
    goal = weighted(rng, weights)
    line = [S.SUMMONED, S.MAPPED, S.GUIDANCE, S.APPLYING_LOAN, S.LOAN_GRANTED]
    if goal == S.NOT_ASSESSED:
        return []
    if goal == S.NOT_RELEVANT:
        return [S.SUMMONED, S.MAPPED, S.NOT_RELEVANT]
    return line[: line.index(goal) + 1]


def _stage_days(ctx: Context, rng: random.Random, h: HouseholdPlan, path: list[str]) -> list[datetime.date]:
    """One date per change, in order, inside the household's history."""
    if not path:
        return []
    begin = h.tenancies[0].start + 30 * DAY if h.tenancies else h.registered
    if h.fate == "current" or h.fate == "applicant":
        last = ctx.today - (rng.randint(3, 30) if path[-1] == S.SUMMONED else rng.randint(2, 120)) * DAY
        first = max(begin, ctx.today - rng.randint(200, 900) * DAY)
    else:
        assert h.exit_date is not None
        last = min(h.exit_date, ctx.today)
        first = max(begin, last - rng.randint(300, 1100) * DAY)
    first = min(first, last)
    if len(path) == 1:
        return [last]
    span = (last - first).days
    days = sorted(first + datetime.timedelta(days=int(span * k / (len(path) - 1))) for k in range(len(path)))
    return days


def _free_slot(ctx: Context, user: User, day: datetime.date, forward: bool) -> tuple[datetime.date, int, int]:
    step = DAY if forward else -DAY
    if not forward:
        day = workday_near(ctx.slot_rng, day, ctx.today)
    for _attempt in range(60):
        day = weekday_after(day) if forward else weekday_before(day)
        taken = ctx.busy[(user.pk, day)]
        free = [slot for slot in MEETING_SLOTS if slot not in taken]
        if free:
            slot = ctx.slot_rng.choice(free)
            taken.add(slot)
            return day, slot[0], slot[1]
        day += step
    return day, 15, 0


def _meeting(
    ctx: Context,
    rng: random.Random,
    h: HouseholdPlan,
    user: User,
    day: datetime.date,
    status: str,
    notes: tuple[str, str] = ("", ""),
    forward: bool = False,
) -> OutreachMeeting:
    day, hour, minute = _free_slot(ctx, user, day, forward)
    starts = at(day, hour, minute)
    current = h.current
    place = f"Boligkontoret, {ctx.visiting}"
    if status == MeetingStatus.HELD and current is not None and rng.random() < HELD_AT_HOME_SHARE:
        place = f"Hjemmebesøk, {current.dwelling.address}"
    assert h.row is not None
    meeting = OutreachMeeting(
        municipality=ctx.office,
        household=h.row,
        caseworker=user,
        starts_at=starts,
        duration_minutes=rng.choice((45, 45, 60)),
        place=place,
        status=status,
        outcome_notes=notes[0],
        next_steps=notes[1],
        created_at=min(starts - rng.randint(7, 21) * DAY, timezone.now()),
    )
    if status == MeetingStatus.HELD and notes[0] in CODED_OUTCOMES:
        barrier_names, meeting.household_goal = CODED_OUTCOMES[notes[0]]
        # Linked once the meetings are saved (demo.generator).
        meeting.demo_barriers = barrier_names  # type: ignore[attr-defined]
    ctx.meetings.append(meeting)
    return meeting


def _send_summons(
    ctx: Context,
    rng: random.Random,
    h: HouseholdPlan,
    user: User,
    meeting: OutreachMeeting | None,
    sent_on: datetime.date,
    starts_at: datetime.datetime | None = None,
) -> datetime.datetime:
    """Record a summons letter sent on (about) `sent_on` for `meeting`."""
    sent_at = at(workday_near(rng, sent_on, ctx.today), rng.randint(8, 14), rng.choice((0, 15, 30, 45)))
    if meeting is not None:
        starts_at = meeting.starts_at
        # Meetings are made some days before they are held; this one was
        # made with its letter.
        meeting.created_at = sent_at
    assert starts_at is not None and sent_at < starts_at
    ctx.summonses.append(
        SummonsPlan(
            household=h,
            caseworker=user,
            sent_at=sent_at,
            starts_at=starts_at,
            duration_minutes=meeting.duration_minutes if meeting is not None else 45,
            place=meeting.place if meeting is not None else f"Boligkontoret, {ctx.visiting}",
            meeting=meeting,
        )
    )
    return sent_at


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _summon(
    ctx: Context,
    rng: random.Random,
    h: HouseholdPlan,
    user: User,
    path: list[str],
    days: list[datetime.date],
    index: int,
    kind: str,
) -> tuple[datetime.datetime, OutreachMeeting | None]:
    """The summons at `path[index]` and the meetings it called to: when the
    first letter went out, and the mapping meeting held (if one follows)."""
    following = path[index + 1] if index + 1 < len(path) else None
    begin = h.tenancies[0].start + 7 * DAY if h.tenancies else h.registered
    if following == S.MAPPED:
        held = _meeting(ctx, rng, h, user, days[index + 1], MeetingStatus.HELD, rng.choice(HELD_NOTES[kind]))
        held_day = _local_day(held.starts_at)
        if rng.random() < MISSED_SHARE and (held_day - begin).days > 75:
            status, note = (
                (MeetingStatus.NO_SHOW, NO_SHOW_NOTE)
                if rng.random() < 0.7
                else (MeetingStatus.CANCELLED, CANCELLED_NOTE)
            )
            missed = _meeting(ctx, rng, h, user, held_day - rng.randint(20, 30) * DAY, status, note)
            missed_day = _local_day(missed.starts_at)
            first = _send_summons(
                ctx, rng, h, user, missed, missed_day - rng.randint(*SUMMONS_NOTICE_DAYS) * DAY
            )
            if status == MeetingStatus.NO_SHOW:
                # "Sender ny innkalling": a second letter for the meeting held.
                _send_summons(ctx, rng, h, user, held, weekday_after(missed_day + DAY))
            # A cancelled meeting gets its new time by telephone, no letter.
            return first, held
        sent_on = held_day - rng.randint(*SUMMONS_NOTICE_DAYS) * DAY
        return _send_summons(ctx, rng, h, user, held, sent_on), held
    if following is None and h.fate == "current":
        # Summoned lately; the meeting is in the coming weeks.
        planned = _meeting(
            ctx, rng, h, user, ctx.today + rng.randint(1, 21) * DAY, MeetingStatus.PLANNED, forward=True
        )
        sent_on = min(days[index], _local_day(planned.starts_at) - SUMMONS_NOTICE_DAYS[0] * DAY)
        return _send_summons(ctx, rng, h, user, planned, sent_on), None
    # Summoned, then the case closed (the household moved, died, ...): the
    # meeting was missed or cancelled when there was time for it.
    sent_on = days[index]
    meeting_day = sent_on + rng.randint(*SUMMONS_NOTICE_DAYS) * DAY
    ends = days[index + 1] if following is not None else ctx.today
    if meeting_day < ends and meeting_day < ctx.today:
        status, note = rng.choice(
            ((MeetingStatus.NO_SHOW, NO_SHOW_NOTE), (MeetingStatus.CANCELLED, CANCELLED_NOTE))
        )
        missed = _meeting(ctx, rng, h, user, meeting_day, status, note)
        if _local_day(missed.starts_at) > sent_on:
            return _send_summons(ctx, rng, h, user, missed, sent_on), None
        ctx.meetings.remove(missed)
    return _send_summons(ctx, rng, h, user, None, sent_on, at(weekday_after(meeting_day), 10, 30)), None


def _note(ctx: Context, h: HouseholdPlan, user: User, when: datetime.datetime, text: str) -> None:
    assert h.row is not None
    ctx.notes.append(
        JournalNote(municipality=ctx.office, household=h.row, author=user, text=text, created_at=when)
    )


def plan_history(ctx: Context, households: list[HouseholdPlan]) -> None:
    rng = ctx.rng("history")
    caseworkers = ctx.staff.caseworkers
    for h in households:
        assert h.row is not None
        user = h.row.caseworker or caseworkers[0]
        path = _stage_path(ctx, rng, h)
        days = _stage_days(ctx, rng, h, path)
        stage = S.NOT_ASSESSED.value
        stamp: datetime.datetime | None = None
        loan_days: dict[str, datetime.date] = {}
        kind = {
            R.BOUGHT_OWN_HOME: "buy",
            R.PRIVATE_RENTAL: "private",
        }.get(h.fate, "stay" if S.NOT_RELEVANT in path else "guidance")
        if S.APPLYING_LOAN in path:
            kind = "buy"
        held: OutreachMeeting | None = None
        for index, (to_stage, day) in enumerate(zip(path, days, strict=True)):
            if to_stage == S.SUMMONED:
                when, held = _summon(ctx, rng, h, user, path, days, index, kind)
            elif to_stage == S.MAPPED:
                if held is None:
                    held = _meeting(ctx, rng, h, user, day, MeetingStatus.HELD, rng.choice(HELD_NOTES[kind]))
                when = held.starts_at + 75 * datetime.timedelta(minutes=1)
            else:
                when = at(workday_near(rng, day, ctx.today), rng.randint(8, 15), rng.choice((0, 15, 30, 45)))
            if stamp is not None and when <= stamp:
                when = stamp + datetime.timedelta(hours=1)
            if to_stage == S.NOT_RELEVANT:
                if h.fate in NOT_RELEVANT_REASONS:
                    reason = NOT_RELEVANT_REASONS[h.fate]
                elif h.current is not None and h.current.dwelling.category in (CARE, EMERGENCY):
                    reason = NOT_RELEVANT_REASONS[h.current.dwelling.category]
                else:
                    reason = NOT_RELEVANT_REASONS["income"]
            elif to_stage == S.SUMMONED and h.tenancies and (day - h.tenancies[0].start).days >= 3 * 365:
                reason = rng.choice(SUMMONED_LONG_STAY)
            elif to_stage == S.MAPPED and h.row.interpreter_language:
                reason = f"Kartleggingssamtale gjennomført med tolk ({h.row.interpreter_language})."
            else:
                reason = rng.choice(STAGE_REASONS[to_stage])
            ctx.stage_changes.append(
                PathwayStageChange(
                    household=h.row,
                    from_stage=stage,
                    to_stage=to_stage,
                    changed_at=when,
                    changed_by=user,
                    reason=reason,
                )
            )
            if to_stage == S.SUMMONED:
                _note(ctx, h, user, when, "Sendt skriftlig innkalling til kartleggingssamtale.")
            loan_days[to_stage] = when.date()
            stage, stamp = to_stage, when
        h.row.pathway_stage = stage
        h.row.stage_changed_at = stamp or at(h.tenancies[0].start if h.tenancies else h.registered, 9)
        _upcoming(ctx, rng, h, user, stage)
        loans.plan_loans(ctx, rng, h, user, path, loan_days)
        _journal(ctx, rng, h, user)
        for t in h.tenancies:
            _arrears_notes(ctx, rng, t, h, user)


def _upcoming(ctx: Context, rng: random.Random, h: HouseholdPlan, user: User, stage: str) -> None:
    if h.fate != "current":
        return
    # A household summoned lately has its meeting from the summons already.
    if stage in (S.GUIDANCE, S.APPLYING_LOAN) and rng.random() < 0.3:
        _meeting(ctx, rng, h, user, ctx.today + rng.randint(1, 21) * DAY, MeetingStatus.PLANNED, forward=True)


def ensure_upcoming_for(ctx: Context, user: User, households: list[HouseholdPlan], least: int = 3) -> None:
    """The demo user opens a calendar with meetings in it."""
    rng = ctx.rng("upcoming")
    planned = sum(1 for m in ctx.meetings if m.caseworker == user and m.status == MeetingStatus.PLANNED)
    mine = [
        h
        for h in households
        if h.fate == "current"
        and h.row is not None
        and h.row.caseworker == user
        and h.first_category == GENERAL
    ]
    for h in mine:
        if planned >= least:
            break
        if any(m.household is h.row and m.status == MeetingStatus.PLANNED for m in ctx.meetings):
            continue
        _meeting(ctx, rng, h, user, ctx.today + rng.randint(1, 14) * DAY, MeetingStatus.PLANNED, forward=True)
        planned += 1


def _journal(ctx: Context, rng: random.Random, h: HouseholdPlan, user: User) -> None:
    begin = h.tenancies[0].start if h.tenancies else h.registered
    end = min(h.exit_date or ctx.today, ctx.today)
    for _k in range(rng.choice((0, 1, 1, 2, 3))):
        day = workday_near(rng, between(rng, begin, end), ctx.today)
        _note(
            ctx, h, user, at(day, rng.randint(8, 15), rng.choice((5, 20, 35, 50))), rng.choice(JOURNAL_TEXTS)
        )


def _arrears_notes(ctx: Context, rng: random.Random, t: TenancyPlan, h: HouseholdPlan, user: User) -> None:
    """Journal notes on rent once in arrears. The arrears themselves are the
    arrears cases `demo.arrears` writes (the hand-registered rows are
    retired); the draws here are the ones that once made those rows, kept
    so that the rest of the seeded history (loans, budgets) stays the same."""
    assert t.row is not None
    last_day = min(t.end or ctx.today, ctx.today)
    first_due = add_months(t.start.replace(day=1), 2)
    if last_day - first_due < 31 * DAY:
        return
    if t.reason == R.EVICTION:
        base = add_months(t.end.replace(day=1), -5) if t.end else first_due
        _note(ctx, h, user, at(weekday_before(base + 20 * DAY), 10), ARREARS_NOTE)
        return
    if rng.random() < 0.16:
        due = between(rng, first_due, last_day - 30 * DAY).replace(day=1)
        rng.randint(5, 120), rng.choice((0.5, 1, 1, 2))  # the settling day and amount, no longer kept
        if rng.random() < 0.4:
            _note(ctx, h, user, at(weekday_before(due + 20 * DAY), 11), ARREARS_NOTE)
    if t.end is None and rng.random() < 0.09:
        # The month and amount of an open arrears, now an arrears case's.
        if add_months(ctx.today.replace(day=1), -rng.randint(0, 2)) >= first_due:
            rng.choice((0.4, 1, 1, 2))
