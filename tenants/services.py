"""Domain logic for households: the rent-to-own pathway and journal notes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from housing_office.errors import DomainError
from housing_office.files import Action, log_access
from housing_office.text import fold

from .models import (
    Household,
    JournalNote,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    PathwayStageChange,
    Person,
)

Row = TypeVar("Row", bound=models.Model)


def create_once(model: type[Row], token: uuid.UUID | None, create: Callable[[], Row], **same: object) -> Row:
    """Make a row from a form at most once per form token.

    The mechanism of the summons wizard (`SummonsBatch.request_token`): the
    form carries a one-time token, the row stores it under a unique
    constraint, and a second submit of the same form (a double click, a
    resent POST) gets the row the first one made. `same` are the fields the
    earlier row must share (its household), so a token can never fetch
    another household's row. Without a token the row is simply made.
    """
    if token is None:
        return create()
    existing = model._default_manager.filter(request_token=token, **same).first()
    if existing is not None:
        return existing
    try:
        # Two submits at the same moment: the unique constraint lets one in;
        # the other finds its row after the savepoint rolls back.
        with transaction.atomic():
            return create()
    except IntegrityError:
        existing = model._default_manager.filter(request_token=token, **same).first()
        if existing is None:
            raise DomainError(_("Skjemaet er allerede brukt. Last siden på nytt og prøv igjen.")) from None
        return existing


@transaction.atomic
def change_stage(household: Household, to_stage: str, *, by, reason: str) -> PathwayStageChange | None:
    """Move `household` to `to_stage` and record who, when and why.

    Returns the history row, or None when the household already is there.
    """
    if to_stage not in PathwayStage.values:
        raise DomainError(_("Ukjent fase: %(stage)s") % {"stage": to_stage})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Skriv en begrunnelse for faseendringen."))
    # Lock the row so two caseworkers moving the same household at once
    # cannot write two histories from the same starting stage.
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if locked.pathway_stage == to_stage:
        return None
    now = timezone.now()
    change = PathwayStageChange.objects.create(
        household=locked,
        from_stage=locked.pathway_stage,
        to_stage=to_stage,
        changed_by=by,
        changed_at=now,
        reason=reason,
    )
    locked.pathway_stage = to_stage
    locked.stage_changed_at = now
    locked.save(update_fields=["pathway_stage", "stage_changed_at", "updated_at"])
    household.pathway_stage, household.stage_changed_at = to_stage, now
    return change


def add_journal_note(
    household: Household, *, author, text: str, token: uuid.UUID | None = None
) -> JournalNote:
    """Write a journal note. The same form `token` again returns the note it
    wrote (see `create_once`)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Notatet er tomt."))
    return create_once(
        JournalNote,
        token,
        lambda: JournalNote.objects.create(
            municipality_id=household.municipality_id,
            household=household,
            author=author,
            text=text,
            request_token=token,
        ),
        household=household,
    )


def search_text_for(household: Household) -> str:
    names = household.members.values_list("first_name", "last_name")
    return search_text_from(household.reference, household.address, household.postal_place, names)


def search_text_from(
    reference: str, address: str, postal_place: str, names: Iterable[tuple[str, str]]
) -> str:
    """A household's search text from values already at hand, for code that
    writes many households at once (the register import) without loading them."""
    parts = [reference, address, postal_place, *(f"{first} {last}" for first, last in names)]
    return fold(" ".join(p for p in parts if p))


def refresh_search_text(household: Household) -> None:
    """Call after a household's reference, address or members change."""
    household.search_text = search_text_for(household)
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)


RECORDABLE_STATUSES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED)
MEETING_HELD_REASON = gettext_lazy("Kartleggingssamtale gjennomført")


@transaction.atomic
def record_meeting(
    meeting: OutreachMeeting,
    *,
    status: str,
    outcome_notes: str = "",
    next_steps: str = "",
    by,
    now: datetime.datetime | None = None,
) -> OutreachMeeting:
    """Record how a meeting went. A held meeting moves a `summoned` household
    on to `mapped`; other stages are left alone, as the caseworker may already
    have moved the household further by hand.

    Returns the saved meeting; raises DomainError for a status that is not a
    result or for a result recorded before the meeting's day.
    """
    if status not in RECORDABLE_STATUSES:
        raise DomainError(
            _("Velg om samtalen ble gjennomført, om husstanden ikke møtte, eller om den ble avlyst.")
        )
    now = now or timezone.now()
    if status != MeetingStatus.CANCELLED and timezone.localdate(meeting.starts_at) > timezone.localdate(now):
        raise DomainError(
            _("Samtalen er ikke holdt ennå. Du kan registrere den fra og med %(day)s.")
            % {"day": date_format(timezone.localdate(meeting.starts_at), "SHORT_DATE_FORMAT")}
        )
    meeting.status = status
    meeting.outcome_notes = (outcome_notes or "").strip()
    meeting.next_steps = (next_steps or "").strip()
    meeting.save(update_fields=["status", "outcome_notes", "next_steps", "updated_at"])
    if status == MeetingStatus.HELD:
        # Read the stage under a lock: the instance may be older than a
        # change another caseworker just made.
        household = Household.objects.select_for_update().get(pk=meeting.household_id)
        if household.pathway_stage == PathwayStage.SUMMONED:
            change_stage(household, PathwayStage.MAPPED, by=by, reason=str(MEETING_HELD_REASON))
    return meeting


def plan_meeting(
    household: Household,
    *,
    caseworker,
    starts_at: datetime.datetime,
    place: str,
    duration_minutes: int = 45,
    now: datetime.datetime | None = None,
    token: uuid.UUID | None = None,
) -> OutreachMeeting:
    """Plan one meeting with a household. Returns the new meeting, or, for
    a form `token` already used, the meeting that submit planned (see
    `create_once`), checked before the time, which has moved on since."""
    if token is not None:
        existing = OutreachMeeting.objects.filter(request_token=token, household=household).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    if starts_at < now:
        raise DomainError(_("Tidspunktet har allerede vært. Velg et tidspunkt fram i tid."))
    place = (place or "").strip()
    if not place:
        raise DomainError(_("Skriv hvor samtalen skal være."))
    if duration_minutes < 5:
        raise DomainError(_("En samtale varer minst 5 minutter."))
    return create_once(
        OutreachMeeting,
        token,
        lambda: OutreachMeeting.objects.create(
            municipality_id=household.municipality_id,
            household=household,
            caseworker=caseworker,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            place=place,
            request_token=token,
        ),
        household=household,
    )


def reveal_national_id(person: Person, *, by) -> str:
    """Return a member's full national identity number and log who saw it.

    Raises PermissionDenied for a user without `view_full_national_id`.
    """
    if not by.has_perm("housing_office.view_full_national_id"):
        raise PermissionDenied(_("Du har ikke tilgang til å se hele fødselsnummeret."))
    household = person.household
    log_access(
        user=by,
        municipality_id=household.municipality_id,
        action=Action.VIEW_NATIONAL_ID,
        household_id=household.pk,
        object_repr=f"{person.full_name or person.get_role_display()} ({household.reference})",
    )
    return person.national_id
