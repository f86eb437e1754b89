"""The worktray: open arrears cases ranked by what matters most.

The rank weighs the amount (a month's rent ≈ one point per 10 000 kr),
months behind, children in the household, how far the case has gone and
how near its next deadline is, a payment agreement the latest list shows
broken, and time since the last contact (the office's own steps and journal
notes; what the list or the post did — a case opened or closed by the list,
an instalment seen missed, a notice received — is no contact). Every
figure is read in a constant number of queries; the ranking itself is
arithmetic in Python."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery

from tenants.models import JournalNote, PersonRole

from .models import STAGE_ORDER, ArrearsCase, ArrearsEvent, EventKind, PaymentAgreement
from .rules import months_behind
from .services import agreement_broken, next_deadline

# The events that are the office reaching the tenant.
CONTACT_KINDS = (
    EventKind.REMINDER,
    EventKind.AGREEMENT,
    EventKind.NOTICE_4_18,
    EventKind.NAV_NOTICE,
    EventKind.NAV_COPY,
    EventKind.EVICTION_REQUESTED,
    EventKind.CONTACT,
)
# A broken agreement weighs as much as three months behind: the list has
# just shown that the plan failed, and the tenant should hear from the
# office before the next step (veiviseren.no, «Forhindre utkastelser»).
BROKEN_AGREEMENT_POINTS = 4.5


@dataclass
class TrayRow:
    case: ArrearsCase
    months: int
    children: int
    last_contact: datetime.date | None
    deadline_label: str
    deadline: datetime.date | None
    score: float
    broken: bool = False


def open_cases() -> Any:
    notes = (
        JournalNote.all_objects.filter(household=OuterRef("tenancy__household"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        ArrearsCase.objects.filter(closed_on__isnull=True)
        .select_related("tenancy__household", "tenancy__dwelling", "caseworker")
        .annotate(
            children=Count(
                "tenancy__household__members",
                filter=Q(tenancy__household__members__role=PersonRole.CHILD),
                distinct=True,
            ),
            last_event=Max("events__date", filter=Q(events__kind__in=CONTACT_KINDS)),
            last_note=Subquery(notes),
        )
        .prefetch_related(
            Prefetch("events", queryset=ArrearsEvent.all_objects.order_by("date", "id")),
            Prefetch("agreements", queryset=PaymentAgreement.all_objects.prefetch_related("instalments")),
        )
    )


def score(
    case: ArrearsCase,
    months: int,
    children: int,
    days_since_contact: int,
    days_to_deadline: int | None,
    broken: bool = False,
) -> float:
    points = float(case.amount / Decimal(10000)) + months * 1.5 + children * 2 + STAGE_ORDER[case.stage]
    if broken:
        points += BROKEN_AGREEMENT_POINTS
    points += min(days_since_contact, 90) / 15
    if days_to_deadline is not None:
        points += 4 if days_to_deadline <= 0 else max(0, 3 - days_to_deadline / 7)
    return round(points, 2)


def worktray(today: datetime.date) -> list[TrayRow]:
    rows = []
    for case in open_cases():
        last_note = case.last_note.date() if case.last_note else None
        contacts = [d for d in (case.last_event, last_note) if d]
        last_contact = max(contacts) if contacts else None
        events = list(case.events.all())
        label, deadline = next_deadline(case, events, today)
        broken = agreement_broken(events)
        months = months_behind(case.oldest_due_date, today)
        since = (today - (last_contact or case.opened_on)).days
        to_deadline = (deadline - today).days if deadline else None
        rows.append(
            TrayRow(
                case,
                months,
                case.children,
                last_contact,
                label,
                deadline,
                score(case, months, case.children, since, to_deadline, broken),
                broken,
            )
        )
    rows.sort(key=lambda r: (-r.score, r.case.pk))
    return rows
