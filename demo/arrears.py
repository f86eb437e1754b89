"""Rent arrears cases in the demo's history, one at every stage.

The finance system's monthly lists are dated the 10th (`list_dates`); each
case runs on a tenancy of the generated register that was running while the
case was open: the open cases and the two closed without eviction on
tenancies running today, the evictions carried out on the tenancies the
generator ended as `eviction`, on their end date. Every step keeps the rules
the services enforce (`arrears.rules`: the § 4-18 notice after the rent fell
due, the request for eviction 14 days after receipt and two weeks after the
NAV notice); `_check` asserts them, so a change of dates that breaks a rule
fails the demo's tests rather than showing a caseworker an impossible case.

Letters are made like the summons letters (`demo.summons`): from the
office's templates, dated when they were sent, the recent ones rendered.
`add_arrears_history` does nothing when the office already has arrears
cases, so seeding twice makes no duplicates.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from arrears import letter_kinds as kinds
from arrears import rules
from arrears.models import (
    ArrearsCase,
    ArrearsEvent,
    ArrearsImport,
    CloseReason,
    EventKind,
    Instalment,
    PaymentAgreement,
    Stage,
)
from dwellings.models import EndReason, Tenancy
from housing_office.models import Municipality, User
from housing_office.scoping import scope
from letters.kinds import get_kind
from letters.letter_templates import current_template, ensure_default_templates
from letters.models import Letter, LetterStatus
from letters.snapshot import letter_language
from letters.tasks import render_and_store
from tenants.candidates import candidate_households

from .helpers import DAY, add_months, at, weekday_after
from .summons import RENDERED_DAYS

NAV_OFFICE = ("NAV Skien", "Postboks 2000", "3702 SKIEN")
BAILIFF = "Namsfogden i Telemark"
LETTER_OF = {
    EventKind.REMINDER: kinds.REMINDER,
    EventKind.AGREEMENT: kinds.AGREEMENT,
    EventKind.NOTICE_4_18: kinds.NOTICE_4_18,
    EventKind.NAV_NOTICE: kinds.NAV_OFFICE,
    EventKind.NAV_COPY: kinds.NAV_NOTICE,
    EventKind.EVICTION_REQUESTED: kinds.EVICTION_REQUEST,
}


@dataclass
class Step:
    kind: str
    day: datetime.date
    note: str = ""


@dataclass
class CasePlan:
    """One case: its tenancy, list dates, amount and steps."""

    name: str
    tenancy: Tenancy
    opened_on: datetime.date
    as_of: datetime.date
    oldest_due: datetime.date
    months: Decimal
    stage: str
    steps: list[Step] = field(default_factory=list)
    closed_on: datetime.date | None = None
    close_reason: str = ""
    close_note: str = ""
    instalments: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    missed_on: datetime.date | None = None


def list_dates(today: datetime.date, count: int = 18) -> list[datetime.date]:
    """The monthly lists, newest first: the 10th of each month up to today."""
    latest = today.replace(day=10) if today.day >= 10 else add_months(today.replace(day=10), -1)
    return [add_months(latest, -n) for n in range(count)]


def add_arrears_history(office: Municipality, caseworker: User, today: datetime.date, seed: int) -> int:
    """Arrears cases at every stage for the office; returns how many were
    made (none when it has cases already)."""
    if ArrearsCase.all_objects.filter(municipality=office).exists():
        return 0
    rng = random.Random(f"{seed}:arrears-cases")
    plans = _plans(office, today, rng)
    for plan in plans:
        _check(plan, today)
    _write(office, caseworker, today, plans)
    return len(plans)


# --- Planning ----------------------------------------------------------------------


def _running(
    office: Municipality, started_by: datetime.date, rng: random.Random, today: datetime.date
) -> list[Tenancy]:
    tenancies = list(
        Tenancy.all_objects.filter(municipality=office, end_date__isnull=True, start_date__lte=started_by)
        .select_related("household", "dwelling")
        .order_by("household__reference", "start_date")
    )
    rng.shuffle(tenancies)
    # The first case taken (a new one on the latest list) falls on a household
    # the candidate list shows, so that the demo shows its «Husleierestanse»
    # caution: the list pops from the end.
    with scope(office):
        candidates = set(candidate_households(today, office.candidate_min_years).values_list("pk", flat=True))
    for index in range(len(tenancies) - 1, -1, -1):
        if tenancies[index].household_id in candidates:
            tenancies.append(tenancies.pop(index))
            break
    return tenancies


def _plans(office: Municipality, today: datetime.date, rng: random.Random) -> list[CasePlan]:
    L = list_dates(today)  # noqa: N806 - L[n] is the list n months back, as in the module doc

    def month_start(n: int) -> datetime.date:
        return add_months(L[0].replace(day=1), -n)

    def cap(day: datetime.date) -> datetime.date:
        return min(day, today)

    running = _running(office, month_start(16) - 30 * DAY, rng, today)
    plans: list[CasePlan] = []

    def take(name: str, **kwargs: Any) -> CasePlan | None:
        if not running:
            return None
        plan = CasePlan(name=name, tenancy=running.pop(), **kwargs)
        plans.append(plan)
        return plan

    # New on the latest list: nothing done yet.
    take(
        "opened",
        opened_on=L[0],
        as_of=L[0],
        oldest_due=month_start(0),
        months=Decimal("0.5"),
        stage=Stage.OPENED,
    )
    # The first missed rent, reminded at once (early contact).
    take(
        "reminder",
        opened_on=L[0],
        as_of=L[0],
        oldest_due=month_start(0),
        months=Decimal(1),
        stage=Stage.REMINDER,
        steps=[Step(EventKind.REMINDER, cap(weekday_after(L[0] + 2 * DAY)))],
    )
    # A payment agreement whose first instalment the next list showed unpaid.
    missed = take(
        "agreement_missed",
        opened_on=L[2],
        as_of=L[0],
        oldest_due=month_start(2),
        months=Decimal(3),
        stage=Stage.AGREEMENT,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[2] + 2 * DAY)),
            Step(EventKind.AGREEMENT, weekday_after(L[2] + 7 * DAY)),
            Step(EventKind.INSTALMENT_MISSED, L[1]),
        ],
        missed_on=L[1],
    )
    if missed:
        missed.instalments = [(L[2] + 15 * DAY, Decimal("0.5")), (L[1] + 15 * DAY, Decimal("0.5"))]
    # The § 4-18 notice sent; its 14 days running.
    take(
        "notice_4_18",
        opened_on=L[1],
        as_of=L[0],
        oldest_due=month_start(1),
        months=Decimal(2),
        stage=Stage.NOTICE_4_18,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[1] + 2 * DAY)),
            Step(EventKind.NOTICE_4_18, cap(weekday_after(L[0] + 1 * DAY))),
        ],
    )
    # NAV notified; the request held back two weeks after it.
    take(
        "nav_notice",
        opened_on=L[2],
        as_of=L[0],
        oldest_due=month_start(2),
        months=Decimal(3),
        stage=Stage.NAV_NOTICE,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[2] + 2 * DAY)),
            Step(EventKind.NOTICE_4_18, weekday_after(L[1] + 1 * DAY)),
            Step(EventKind.NOTICE_RECEIVED, weekday_after(L[1] + 1 * DAY) + 3 * DAY),
            Step(EventKind.NAV_NOTICE, cap(weekday_after(L[0] + 1 * DAY)), NAV_OFFICE[0]),
        ],
    )
    # Eviction requested from the bailiff; the case still open.
    take(
        "eviction_requested",
        opened_on=L[4],
        as_of=L[0],
        oldest_due=month_start(4),
        months=Decimal(5),
        stage=Stage.EVICTION_REQUESTED,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[4] + 2 * DAY)),
            Step(EventKind.CONTACT, weekday_after(L[4] + 9 * DAY), "Ringte leietakeren; ingen svar."),
            Step(EventKind.NOTICE_4_18, weekday_after(L[3] + 1 * DAY)),
            Step(EventKind.NOTICE_RECEIVED, weekday_after(L[3] + 1 * DAY) + 3 * DAY),
            Step(EventKind.NAV_NOTICE, weekday_after(L[3] + 6 * DAY), NAV_OFFICE[0]),
            Step(EventKind.EVICTION_REQUESTED, weekday_after(L[2] + 5 * DAY), BAILIFF),
        ],
    )
    # A payment agreement kept: the lists stopped naming the tenancy.
    kept = take(
        "agreement_kept",
        opened_on=L[10],
        as_of=L[7],
        oldest_due=month_start(10),
        months=Decimal("1.5"),
        stage=Stage.CLOSED,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[10] + 2 * DAY)),
            Step(EventKind.AGREEMENT, weekday_after(L[10] + 6 * DAY)),
        ],
        closed_on=L[6],
        close_reason=CloseReason.AGREEMENT_KEPT,
    )
    if kept:
        kept.instalments = [(L[n] + 15 * DAY, Decimal("0.5")) for n in (9, 8, 7)]
    # Eviction avoided after the request: NAV covered the arrears.
    take(
        "avoided",
        opened_on=L[15],
        as_of=L[13],
        oldest_due=month_start(15),
        months=Decimal(3),
        stage=Stage.CLOSED,
        steps=[
            Step(EventKind.REMINDER, weekday_after(L[15] + 2 * DAY)),
            Step(EventKind.NOTICE_4_18, weekday_after(L[14] + 1 * DAY)),
            Step(EventKind.NAV_NOTICE, weekday_after(L[14] + 3 * DAY), NAV_OFFICE[0]),
            Step(EventKind.EVICTION_REQUESTED, weekday_after(L[13] + 5 * DAY), BAILIFF),
        ],
        closed_on=weekday_after(L[12] + 3 * DAY),
        close_reason=CloseReason.PAID,
        close_note="NAV dekket restansen med sosialhjelp, og begjæringen om fravikelse ble trukket.",
    )
    plans.extend(_evictions(office, today))
    return plans


def _evictions(office: Municipality, today: datetime.date) -> list[CasePlan]:
    """The tenancies the generator ended by eviction (the last two): their
    cases ran to the eviction, on the tenancy's end date."""
    ended = (
        Tenancy.all_objects.filter(municipality=office, end_reason=EndReason.EVICTION, end_date__lte=today)
        .select_related("household", "dwelling")
        .order_by("-end_date", "household__reference")[:2]
    )
    plans = []
    for tenancy in ended:
        end = tenancy.end_date
        due = add_months(end.replace(day=1), -4)
        if due < tenancy.start_date + 30 * DAY:
            continue
        opened = due + 9 * DAY
        notice = weekday_after(due + 25 * DAY)
        plans.append(
            CasePlan(
                name="evicted",
                tenancy=tenancy,
                opened_on=opened,
                as_of=add_months(opened, 3),
                oldest_due=due,
                months=Decimal(4),
                stage=Stage.CLOSED,
                steps=[
                    Step(EventKind.REMINDER, weekday_after(opened + 2 * DAY)),
                    Step(EventKind.NOTICE_4_18, notice),
                    Step(EventKind.NOTICE_RECEIVED, notice + 3 * DAY),
                    Step(EventKind.NAV_NOTICE, weekday_after(notice + 5 * DAY), NAV_OFFICE[0]),
                    Step(EventKind.EVICTION_REQUESTED, weekday_after(notice + 25 * DAY), BAILIFF),
                    Step(EventKind.EVICTED, end, "Namsfogden gjennomførte utkastelsen."),
                ],
                closed_on=end,
                close_reason=CloseReason.EVICTED,
                close_note="Namsfogden gjennomførte utkastelsen.",
            )
        )
    return plans


def _check(plan: CasePlan, today: datetime.date) -> None:
    """The rules the services enforce hold for the planned dates."""
    days = {s.kind: s.day for s in plan.steps}
    assert all(s.day <= today for s in plan.steps), plan.name
    assert plan.tenancy.start_date <= plan.oldest_due <= plan.opened_on, plan.name
    assert plan.tenancy.end_date is None or (plan.closed_on and plan.closed_on <= plan.tenancy.end_date)
    assert plan.closed_on is None or plan.closed_on >= max(s.day for s in plan.steps), plan.name
    if EventKind.NOTICE_4_18 in days:
        assert (
            rules.check_notice_4_18(sent_on=days[EventKind.NOTICE_4_18], oldest_due_date=plan.oldest_due)
            is None
        )
    if EventKind.EVICTION_REQUESTED in days:
        refusal = rules.check_eviction_request(
            requested_on=days[EventKind.EVICTION_REQUESTED],
            notice_sent_on=days.get(EventKind.NOTICE_4_18),
            notice_received_on=days.get(EventKind.NOTICE_RECEIVED),
            nav_notice_on=days.get(EventKind.NAV_NOTICE),
        )
        assert refusal is None, (plan.name, refusal)


# --- Writing -----------------------------------------------------------------------


def _write(office: Municipality, caseworker: User, today: datetime.date, plans: list[CasePlan]) -> None:
    ensure_default_templates(office)
    letters: list[Letter] = []
    for plan in plans:
        tenancy = plan.tenancy
        rent = tenancy.monthly_rent
        amount = (rent * plan.months).quantize(Decimal("0.01"))
        by = tenancy.household.caseworker or caseworker
        case = ArrearsCase.all_objects.create(
            municipality=office,
            tenancy=tenancy,
            opened_on=plan.opened_on,
            amount=amount,
            oldest_due_date=plan.oldest_due,
            as_of=plan.as_of,
            stage=plan.stage,
            stage_on=plan.closed_on or max((s.day for s in plan.steps), default=plan.opened_on),
            closed_on=plan.closed_on,
            close_reason=plan.close_reason,
            close_note=plan.close_note,
            caseworker=by,
        )
        ArrearsEvent.all_objects.create(
            municipality=office,
            case=case,
            kind=EventKind.OPENED,
            date=plan.opened_on,
            note=f"{kinds.format_amount(amount)}, eldste forfall {plan.oldest_due:%d.%m.%Y}",
        )
        if plan.instalments:
            letters += _agreement(office, case, plan, rent, by)
        for step in plan.steps:
            if step.kind == EventKind.NAV_NOTICE:
                letters += _event(office, case, step, by, plan, extra_step=Step(EventKind.NAV_COPY, step.day))
            elif step.kind != EventKind.AGREEMENT:
                letters += _event(office, case, step, by, plan)
        if plan.closed_on:
            ArrearsEvent.all_objects.create(
                municipality=office,
                case=case,
                kind=EventKind.CLOSED,
                date=plan.closed_on,
                note=f"{CloseReason(plan.close_reason).label}. {plan.close_note}".strip(),
                recorded_by=by if plan.close_reason != CloseReason.AGREEMENT_KEPT else None,
            )
    _imports(office, plans)
    _render_recent(today, letters)


def _agreement(
    office: Municipality, case: ArrearsCase, plan: CasePlan, rent: Decimal, by: User
) -> list[Letter]:
    agreed = next(s.day for s in plan.steps if s.kind == EventKind.AGREEMENT)
    at_start = (rent * (plan.months - (1 if plan.missed_on else 0))).quantize(Decimal("0.01"))
    agreement = PaymentAgreement.all_objects.create(
        municipality=office,
        case=case,
        agreed_on=agreed,
        amount_at_start=at_start,
        missed_on=plan.missed_on,
        created_by=by,
    )
    instalments = [(due, (rent * share).quantize(Decimal("0.01"))) for due, share in plan.instalments]
    Instalment.objects.bulk_create(
        Instalment(agreement=agreement, due_date=d, amount=a) for d, a in instalments
    )
    total = sum((a for _d, a in instalments), Decimal(0))
    return _event(
        office,
        case,
        Step(EventKind.AGREEMENT, agreed, kinds.instalment_plan(instalments, "nb")),
        by,
        plan,
        instalment_plan=instalments,
        instalment_total=total,
        agreed_date=agreed,
    )


def _event(
    office: Municipality,
    case: ArrearsCase,
    step: Step,
    by: User,
    plan: CasePlan,
    extra_step: Step | None = None,
    **extra: Any,
) -> list[Letter]:
    made = []
    for s in (step, extra_step) if extra_step else (step,):
        letter = _letter(office, case, s, by, plan, **extra) if s.kind in LETTER_OF else None
        ArrearsEvent.all_objects.create(
            municipality=office,
            case=case,
            kind=s.kind,
            date=s.day,
            note=s.note,
            letter=letter,
            recorded_by=by,
        )
        if letter:
            made.append(letter)
    return made


def _letter(
    office: Municipality, case: ArrearsCase, step: Step, by: User, plan: CasePlan, **extra: Any
) -> Letter:
    kind = LETTER_OF[step.kind]
    household = case.tenancy.household
    language = letter_language(household, office)
    template = current_template(office, kind, language)
    days = {s.kind: s.day for s in plan.steps}
    # A stand-in: the archive's journal gives the letter its reference when
    # it is saved (archive.services.journal_letter).
    reference = f"{step.day.year}/R{case.pk}-{list(LETTER_OF).index(step.kind) + 1}"
    if kind in (kinds.NAV_OFFICE, kinds.NAV_NOTICE):
        extra.update(
            nav_office=NAV_OFFICE[0],
            nav_address=NAV_OFFICE[1],
            nav_postal=NAV_OFFICE[2],
            notice_date=days.get(EventKind.NOTICE_4_18),
        )
    if kind == kinds.EVICTION_REQUEST:
        extra.update(
            bailiff=BAILIFF,
            notice_date=days.get(EventKind.NOTICE_4_18),
            notice_received=days.get(EventKind.NOTICE_RECEIVED),
            nav_notice_date=days.get(EventKind.NAV_NOTICE),
            tenancy_start=case.tenancy.start_date,
        )
    context = get_kind(kind).build_context(
        case=case,
        household=household,
        municipality=office,
        caseworker=by,
        letter_date=step.day,
        archive_reference=reference,
        language=language,
        subject=template.subject,
        # History: the letters went to the dwelling rented then (set below),
        # not to where the household lives now.
        address_checked=True,
        **extra,
    )
    if kind != kinds.NAV_OFFICE:
        # The tenant's letters went to the dwelling they rented then.
        d = case.tenancy.dwelling
        context.update(recipient_address=d.address, recipient_postal=f"{d.postal_code} {d.postal_place}")
    return Letter.all_objects.create(
        municipality=office,
        kind=kind,
        household=household,
        template=template,
        status=LetterStatus.PENDING,
        context=context,
        archive_reference=reference,
        created_by=by,
        created_at=at(step.day, 10),
    )


def _imports(office: Municipality, plans: list[CasePlan]) -> None:
    """The lists the open cases were last updated from (one row per list
    date, counting the cases it opened)."""
    for as_of in sorted({p.as_of for p in plans if p.closed_on is None}):
        rows = [p for p in plans if p.opened_on <= as_of and (p.closed_on is None or p.closed_on > as_of)]
        name = f"restanser-{as_of:%Y-%m}.csv"
        ArrearsImport.all_objects.create(
            municipality=office,
            as_of=as_of,
            file_name=name,
            sha256=hashlib.sha256(name.encode()).hexdigest(),
            rows=len(rows),
            opened=sum(p.opened_on == as_of for p in rows),
        )


def _render_recent(today: datetime.date, letters: list[Letter]) -> None:
    """Render the letters sent in the last RENDERED_DAYS days, as sent then
    (like the summons letters: the older ones keep their snapshot only)."""
    since = today - datetime.timedelta(days=RENDERED_DAYS)
    recent = [x for x in letters if timezone.localtime(x.created_at).date() >= since]
    if not recent:
        return
    render_and_store(recent)
    done = [x for x in recent if x.status == LetterStatus.RENDERED]
    for letter in done:
        letter.rendered_at = letter.created_at + datetime.timedelta(minutes=2)
        letter.updated_at = letter.rendered_at
    Letter.all_objects.bulk_update(done, ["rendered_at", "updated_at"])
