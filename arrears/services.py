"""The caseworker's steps in an arrears case: each checks its deadline
(`arrears.rules`), records an `ArrearsEvent` with its date and who, moves
the stage, and makes its letter through the one letter pipeline."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import EndReason
from dwellings.services import NewAddress, end_tenancy
from housing_office.errors import DomainError
from letters.kinds import get_kind
from letters.letter_templates import current_template, ensure_default_templates
from letters.models import Letter, LetterStatus
from letters.snapshot import letter_language
from letters.tasks import render_now

from . import letter_kinds as kinds
from . import rules
from .models import (
    STAGE_ORDER,
    ArrearsCase,
    ArrearsEvent,
    CloseReason,
    EventKind,
    Instalment,
    NavReservation,
    PaymentAgreement,
    Stage,
)


def _refuse(refusal: rules.Refusal | None, field: str | None = None) -> None:
    if refusal is not None:
        raise DomainError(refusal.message, field)


def _open(case: ArrearsCase) -> None:
    if case.closed_on is not None:
        raise DomainError(_("Saken er avsluttet."))


def _event(
    case: ArrearsCase, kind: str, day: datetime.date, by: Any, note: str = "", letter=None
) -> ArrearsEvent:
    return ArrearsEvent.all_objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        date=day,
        note=note,
        letter=letter,
        recorded_by=by,
    )


def _move(case: ArrearsCase, stage: str, day: datetime.date) -> None:
    case.stage, case.stage_on = stage, day
    case.save(update_fields=["stage", "stage_on", "updated_at"])


def last_event_date(case: ArrearsCase, kind: str) -> datetime.date | None:
    event = case.events.filter(kind=kind).order_by("-date", "-id").first()
    return event.date if event else None


def reserved_since(tenancy_id: int, on: datetime.date) -> datetime.date | None:
    """The date of the tenant's standing written reservation against NAV
    notices (husleieloven § 9-11 annet ledd) on `on`, or None."""
    reservation = (
        NavReservation.all_objects.filter(tenancy_id=tenancy_id, received_on__lte=on)
        .exclude(withdrawn_on__lte=on)
        .order_by("-received_on")
        .first()
    )
    return reservation.received_on if reservation else None


def notice_dates(case: ArrearsCase) -> tuple[datetime.date | None, datetime.date | None]:
    """The latest § 4-18 notice, and its recorded receipt (if after it)."""
    sent = last_event_date(case, EventKind.NOTICE_4_18)
    received = last_event_date(case, EventKind.NOTICE_RECEIVED)
    if sent is None or (received is not None and received < sent):
        received = None
    return sent, received


def agreement_broken(events: Sequence[ArrearsEvent]) -> bool:
    """Whether the latest payment agreement has an instalment seen missed."""
    agreed = max((e.date for e in events if e.kind == EventKind.AGREEMENT), default=None)
    missed = max((e.date for e in events if e.kind == EventKind.INSTALMENT_MISSED), default=None)
    return agreed is not None and missed is not None and missed >= agreed


def next_instalment(case: ArrearsCase, on: datetime.date) -> datetime.date | None:
    """The next due date of the latest payment agreement, from `on`
    (agreements and instalments prefetched in lists)."""
    agreements = list(case.agreements.all())
    if not agreements:
        return None
    latest = max(agreements, key=lambda a: (a.agreed_on, a.pk))
    return min((i.due_date for i in latest.instalments.all() if i.due_date >= on), default=None)


def next_deadline(
    case: ArrearsCase,
    events: Sequence[ArrearsEvent] | None = None,
    today: datetime.date | None = None,
) -> tuple[str, datetime.date | None]:
    """What may come next and from which day, read from the case's events
    (prefetched in lists). While a payment agreement is kept, that is its
    next instalment: the § 4-18 notice is for an agreement broken."""
    events = list(case.events.all()) if events is None else list(events)

    def last(kind: str) -> datetime.date | None:
        return max((e.date for e in events if e.kind == kind), default=None)

    sent = last(EventKind.NOTICE_4_18)
    received = last(EventKind.NOTICE_RECEIVED)
    if sent is not None and received is not None and received < sent:
        received = None
    if case.stage == Stage.AGREEMENT and not agreement_broken(events):
        upcoming = next_instalment(case, today or timezone.localdate())
        if upcoming is not None:
            return _("Neste avdrag forfaller"), upcoming
    if case.stage in (Stage.OPENED, Stage.REMINDER, Stage.AGREEMENT):
        return _("Varsel etter § 4-18 tidligst"), rules.earliest_notice_4_18(case.oldest_due_date)
    if case.stage in (Stage.NOTICE_4_18, Stage.NAV_NOTICE):
        return _("Fravikelse kan tidligst begjæres"), rules.earliest_eviction_request(
            notice_sent_on=sent, notice_received_on=received, nav_notice_on=last(EventKind.NAV_NOTICE)
        )
    return "", None


# --- Letters ---------------------------------------------------------------------


def make_letter(case: ArrearsCase, kind: str, *, by: Any, on: datetime.date, **extra: Any) -> Letter:
    """A letter of `kind` about the case, rendered now (one letter: the
    request waits the fraction of a second WeasyPrint takes)."""
    household = case.tenancy.household
    municipality = case.municipality
    ensure_default_templates(municipality)
    language = letter_language(household, municipality)
    spec = get_kind(kind)
    template = current_template(municipality, kind, language)
    count = Letter.all_objects.filter(municipality=municipality, kind=kind).count() + 1
    reference = f"{on.year}/R{case.pk}-{count}"
    letter = Letter.all_objects.create(
        municipality=municipality,
        kind=kind,
        household=household,
        template=template,
        status=LetterStatus.PENDING,
        archive_reference=reference,
        created_by=by,
        context=spec.build_context(
            case=case,
            household=household,
            municipality=municipality,
            caseworker=by,
            letter_date=on,
            archive_reference=reference,
            language=language,
            subject=template.subject,
            **extra,
        ),
    )
    transaction.on_commit(lambda: render_now(letter.pk))
    return letter


def _load(case_pk: int) -> ArrearsCase:
    return (
        ArrearsCase.all_objects.select_for_update(of=("self",))
        .select_related("tenancy__household", "tenancy__dwelling", "municipality")
        .get(pk=case_pk)
    )


# --- Steps -----------------------------------------------------------------------


@transaction.atomic
def open_case(
    tenancy: Any,
    *,
    by: Any,
    amount: Decimal,
    oldest_due_date: datetime.date,
    on: datetime.date | None = None,
) -> ArrearsCase:
    """Open a case by hand, before the month's list shows the arrears: early
    contact on the first missed rent is the point (veiviseren.no, «Forhindre
    utkastelser»). The next list then updates or closes it like any case."""
    on = on or timezone.localdate()
    if amount is None or amount <= 0:
        raise DomainError(_("Restansen må være større enn null."), "amount")
    if oldest_due_date > on:
        raise DomainError(_("Husleien har ikke forfalt ennå."), "oldest_due_date")
    if oldest_due_date < tenancy.start_date:
        raise DomainError(
            _("Forfallet kan ikke være før leieforholdet startet (%(d)s).")
            % {"d": f"{tenancy.start_date:%d.%m.%Y}"},
            "oldest_due_date",
        )
    if tenancy.end_date is not None and tenancy.end_date <= on:
        raise DomainError(_("Leieforholdet er avsluttet."))
    if ArrearsCase.all_objects.filter(tenancy=tenancy, closed_on__isnull=True).exists():
        raise DomainError(_("Leieforholdet har allerede en åpen restansesak."))
    case = ArrearsCase.all_objects.create(
        municipality_id=tenancy.municipality_id,
        tenancy=tenancy,
        opened_on=on,
        amount=amount,
        oldest_due_date=oldest_due_date,
        as_of=on,
        stage=Stage.OPENED,
        stage_on=on,
        caseworker=by,
    )
    _event(
        case,
        EventKind.OPENED_BY_HAND,
        on,
        by,
        note=f"{kinds.format_amount(amount)}, eldste forfall {oldest_due_date:%d.%m.%Y}",
    )
    return case


@transaction.atomic
def send_reminder(case: ArrearsCase, *, by: Any, on: datetime.date | None = None) -> ArrearsEvent:
    case = _load(case.pk)
    _open(case)
    on = on or timezone.localdate()
    letter = make_letter(case, kinds.REMINDER, by=by, on=on)
    event = _event(case, EventKind.REMINDER, on, by, letter=letter)
    if rules_stage_before(case.stage, Stage.REMINDER):
        _move(case, Stage.REMINDER, on)
    return event


def rules_stage_before(current: str, new: str) -> bool:
    return STAGE_ORDER[current] < STAGE_ORDER[new]


@transaction.atomic
def make_agreement(
    case: ArrearsCase,
    *,
    by: Any,
    instalments: Sequence[tuple[datetime.date, Decimal]],
    on: datetime.date | None = None,
) -> PaymentAgreement:
    case = _load(case.pk)
    _open(case)
    on = on or timezone.localdate()
    plan = sorted(instalments)
    if not plan:
        raise DomainError(_("En betalingsavtale har minst ett avdrag."), "instalments")
    if any(amount <= 0 for _d, amount in plan):
        raise DomainError(_("Hvert avdrag må være større enn null."), "instalments")
    if plan[0][0] < on:
        raise DomainError(_("Et avdrag kan ikke forfalle før avtalen er inngått."), "instalments")
    total = sum((amount for _d, amount in plan), Decimal(0))
    if total > case.amount:
        raise DomainError(
            _("Avdragene (%(t)s) er mer enn restansen (%(a)s).")
            % {"t": kinds.format_amount(total), "a": kinds.format_amount(case.amount)},
            "instalments",
        )
    agreement = PaymentAgreement.all_objects.create(
        municipality_id=case.municipality_id,
        case=case,
        agreed_on=on,
        amount_at_start=case.amount,
        created_by=by,
    )
    Instalment.objects.bulk_create(Instalment(agreement=agreement, due_date=d, amount=a) for d, a in plan)
    letter = make_letter(
        case, kinds.AGREEMENT, by=by, on=on, instalment_plan=plan, instalment_total=total, agreed_date=on
    )
    _event(case, EventKind.AGREEMENT, on, by, note=kinds.instalment_plan(plan, "nb"), letter=letter)
    _move(case, Stage.AGREEMENT, on)
    return agreement


@transaction.atomic
def send_notice_4_18(case: ArrearsCase, *, by: Any, on: datetime.date | None = None) -> ArrearsEvent:
    """The notice under tvangsfullbyrdelsesloven § 4-18 (never before the rent is due)."""
    case = _load(case.pk)
    _open(case)
    on = on or timezone.localdate()
    _refuse(rules.check_notice_4_18(sent_on=on, oldest_due_date=case.oldest_due_date), "date")
    letter = make_letter(case, kinds.NOTICE_4_18, by=by, on=on)
    event = _event(case, EventKind.NOTICE_4_18, on, by, letter=letter)
    _move(case, Stage.NOTICE_4_18, on)
    return event


@transaction.atomic
def record_notice_received(case: ArrearsCase, *, by: Any, received_on: datetime.date) -> ArrearsEvent:
    case = _load(case.pk)
    _open(case)
    sent, _received = notice_dates(case)
    if sent is None:
        raise DomainError(_("Det er ikke sendt noe varsel etter § 4-18 i denne saken."), "date")
    if received_on < sent:
        raise DomainError(
            _("Varselet kan ikke være mottatt før det ble sendt (%(d)s).") % {"d": f"{sent:%d.%m.%Y}"}, "date"
        )
    if received_on > timezone.localdate():
        raise DomainError(_("Mottaksdatoen kan ikke være fram i tid."), "date")
    return _event(case, EventKind.NOTICE_RECEIVED, received_on, by)


@transaction.atomic
def send_nav_notice(
    case: ArrearsCase,
    *,
    by: Any,
    nav_office: str,
    nav_address: str = "",
    nav_postal: str = "",
    on: datetime.date | None = None,
) -> ArrearsEvent:
    """Notice to NAV under husleieloven § 9-11: refused when the tenant has
    reserved against it in writing (annet ledd). Two letters: the notice
    itself, addressed to the NAV office (NAV is the recipient), and the
    tenant's copy of its content (annet ledd: «kopi av varselet eller
    opplysning om innholdet»)."""
    case = _load(case.pk)
    _open(case)
    on = on or timezone.localdate()
    _refuse(rules.check_nav_notice(reserved_since=reserved_since(case.tenancy_id, on)), "date")
    nav_office, nav_address, nav_postal = nav_office.strip(), nav_address.strip(), nav_postal.strip()
    if not nav_office:
        raise DomainError(_("Skriv hvilket NAV-kontor som varsles."), "nav_office")
    if not nav_address:
        raise DomainError(_("Skriv postadressen til NAV-kontoret; varselet sendes dit."), "nav_address")
    sent, _received = notice_dates(case)
    to_nav = make_letter(
        case,
        kinds.NAV_OFFICE,
        by=by,
        on=on,
        nav_office=nav_office,
        nav_address=nav_address,
        nav_postal=nav_postal,
        notice_date=sent,
    )
    copy = make_letter(case, kinds.NAV_NOTICE, by=by, on=on, nav_office=nav_office, notice_date=sent)
    event = _event(case, EventKind.NAV_NOTICE, on, by, note=nav_office, letter=to_nav)
    _event(case, EventKind.NAV_COPY, on, by, letter=copy)
    if rules_stage_before(case.stage, Stage.NAV_NOTICE):
        _move(case, Stage.NAV_NOTICE, on)
    return event


@transaction.atomic
def request_eviction(
    case: ArrearsCase, *, by: Any, bailiff: str, on: datetime.date | None = None
) -> ArrearsEvent:
    """The request for eviction to the bailiff (tvangsfullbyrdelsesloven
    § 13-2 (3) a), after the § 4-18 notice's 14 days and two weeks after a
    NAV notice."""
    case = _load(case.pk)
    _open(case)
    on = on or timezone.localdate()
    sent, received = notice_dates(case)
    nav = last_event_date(case, EventKind.NAV_NOTICE)
    _refuse(
        rules.check_eviction_request(
            requested_on=on, notice_sent_on=sent, notice_received_on=received, nav_notice_on=nav
        ),
        "date",
    )
    bailiff = bailiff.strip()
    if not bailiff:
        raise DomainError(_("Skriv hvilken namsmann begjæringen går til."), "bailiff")
    letter = make_letter(
        case,
        kinds.EVICTION_REQUEST,
        by=by,
        on=on,
        bailiff=bailiff,
        notice_date=sent,
        notice_received=received,
        nav_notice_date=nav,
        tenancy_start=case.tenancy.start_date,
    )
    event = _event(case, EventKind.EVICTION_REQUESTED, on, by, note=bailiff, letter=letter)
    _move(case, Stage.EVICTION_REQUESTED, on)
    return event


@transaction.atomic
def record_eviction(
    case: ArrearsCase,
    *,
    by: Any,
    on: datetime.date,
    note: str = "",
    new_address: NewAddress | None = None,
) -> ArrearsEvent:
    """The bailiff carried out the eviction: the case closes as `evicted`,
    and the tenancy ends on the same day with end reason `eviction` through
    the one tenancy-ending service (the dwelling is vacant from then; the
    household's new address is unknown unless given). One transaction: a
    refusal from either leaves both as they were."""
    case = _load(case.pk)
    _open(case)
    requested = last_event_date(case, EventKind.EVICTION_REQUESTED)
    if requested is None:
        raise DomainError(_("Fravikelse er ikke begjært i denne saken."), "date")
    if on < requested:
        raise DomainError(
            _("Fravikelsen kan ikke være gjennomført før den ble begjært (%(d)s).")
            % {"d": f"{requested:%d.%m.%Y}"},
            "date",
        )
    if on > timezone.localdate():
        raise DomainError(_("Datoen for fravikelsen kan ikke være fram i tid."), "date")
    end_tenancy(
        case.tenancy,
        end_date=on,
        end_reason=EndReason.EVICTION,
        new_address=new_address or NewAddress(unknown=True),
        by=by,
    )
    event = _event(case, EventKind.EVICTED, on, by, note=note)
    _close(case, on, CloseReason.EVICTED, note, by)
    return event


@transaction.atomic
def close_case(case: ArrearsCase, *, by: Any, on: datetime.date, reason: str, note: str = "") -> ArrearsCase:
    """Close by hand: paid, agreement kept, moved out or other, with how (an
    eviction avoided says how here)."""
    case = _load(case.pk)
    _open(case)
    if reason not in CloseReason.values or reason == CloseReason.EVICTED:
        raise DomainError(_("Velg hvorfor saken avsluttes."), "reason")
    if on < case.opened_on:
        raise DomainError(_("Saken kan ikke avsluttes før den ble åpnet."), "date")
    _close(case, on, reason, note, by)
    return case


def _close(case: ArrearsCase, on: datetime.date, reason: str, note: str, by: Any) -> None:
    case.closed_on, case.close_reason, case.close_note = on, reason, note.strip()
    case.stage, case.stage_on = Stage.CLOSED, on
    case.save(update_fields=["closed_on", "close_reason", "close_note", "stage", "stage_on", "updated_at"])
    _event(case, EventKind.CLOSED, on, by, note=f"{CloseReason(reason).label}. {note}".strip())


@transaction.atomic
def record_contact(case: ArrearsCase, *, by: Any, on: datetime.date, note: str) -> ArrearsEvent:
    case = _load(case.pk)
    if not note.strip():
        raise DomainError(_("Skriv hva kontakten gjaldt."), "note")
    return _event(case, EventKind.CONTACT, on, by, note=note.strip())


@transaction.atomic
def record_reservation(case: ArrearsCase, *, by: Any, received_on: datetime.date) -> NavReservation:
    """The tenant's written reservation against NAV notices (husleieloven § 9-11 annet ledd)."""
    case = _load(case.pk)
    if reserved_since(case.tenancy_id, received_on) is not None:
        raise DomainError(_("Leietakeren har allerede reservert seg."), "date")
    return NavReservation.all_objects.create(
        municipality_id=case.municipality_id,
        tenancy_id=case.tenancy_id,
        received_on=received_on,
        recorded_by=by,
    )


@transaction.atomic
def withdraw_reservation(case: ArrearsCase, *, by: Any, on: datetime.date) -> NavReservation:
    case = _load(case.pk)
    reservation = (
        NavReservation.all_objects.select_for_update()
        .filter(tenancy_id=case.tenancy_id, withdrawn_on__isnull=True)
        .order_by("-received_on")
        .first()
    )
    if reservation is None:
        raise DomainError(_("Leietakeren har ingen reservasjon som står."), "date")
    if on < reservation.received_on:
        raise DomainError(_("Reservasjonen kan ikke trekkes før den ble mottatt."), "date")
    reservation.withdrawn_on = on
    reservation.save(update_fields=["withdrawn_on", "updated_at"])
    return reservation
