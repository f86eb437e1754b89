"""Domain logic for households: the rent-to-own pathway and journal notes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from housing_office.errors import DomainError
from housing_office.files import Action, log_access
from housing_office.models import postal_code_validator
from housing_office.periods import running_on
from housing_office.text import fold

from .models import (
    Barrier,
    Household,
    JournalNote,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    PathwayStageChange,
    Person,
)
from .pathway import STAGES_BEFORE_MAPPING

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


def refresh_all_search_text(
    household_model: Any = None, person_model: Any = None, batch: int = 2000
) -> tuple[int, int]:
    """Recompute every household's stored search text with the current
    `fold`; returns (changed, total). Running it again changes nothing.

    Takes the models so that a data migration can pass its historical ones
    (tenants 0007 runs it once for the folding of æ/ø/å typed as ae/oe/aa)."""
    household_model = household_model or Household
    person_model = person_model or Person
    changed = 0
    ids = list(household_model._base_manager.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        names: dict[int, list[tuple[str, str]]] = {}
        for household_id, first, last in (
            person_model._base_manager.filter(household_id__in=chunk)
            .order_by("household", "role", "date_of_birth", "pk")
            .values_list("household_id", "first_name", "last_name")
        ):
            names.setdefault(household_id, []).append((first, last))
        stale = []
        for household in household_model._base_manager.filter(pk__in=chunk).only(
            "pk", "reference", "address", "postal_place", "search_text"
        ):
            text = search_text_from(
                household.reference, household.address, household.postal_place, names.get(household.pk, [])
            )
            if text != household.search_text:
                household.search_text = text
                stale.append(household)
        with transaction.atomic():
            household_model._base_manager.bulk_update(stale, ["search_text"])
        changed += len(stale)
    return changed, len(ids)


def refresh_search_text(household: Household) -> None:
    """Call after a household's reference, address or members change."""
    household.search_text = search_text_for(household)
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)


@transaction.atomic
def change_address(
    household: Household,
    *,
    address: str = "",
    postal_code: str = "",
    postal_place: str = "",
    unknown: bool = False,
    by,
) -> Household:
    """Give `household` a new postal address, or (`unknown`) say that it has
    moved and its new address is not known yet: the address is then emptied
    and marked unknown, so that no letter goes to the old one
    (`address_left_behind`). The save is in the audit trail as any change of
    the household; `by` is the user making it (the request's actor).

    Raises `DomainError` on the field that is missing or wrong.
    """
    address, postal_code, postal_place = (
        (address or "").strip(),
        (postal_code or "").strip(),
        (postal_place or "").strip(),
    )
    if unknown:
        if address or postal_code or postal_place:
            raise DomainError(
                _("Fyll ut den nye adressen eller kryss av for at den er ukjent, ikke begge."),
                "address_unknown",
            )
    else:
        for field, value, message in (
            ("address", address, _("Skriv husstandens nye adresse.")),
            ("postal_code", postal_code, _("Skriv postnummeret.")),
            ("postal_place", postal_place, _("Skriv poststedet.")),
        ):
            if not value:
                raise DomainError(message, field)
        # The models' own rule (four ASCII digits), not a copy of it.
        if not postal_code_validator.regex.search(postal_code):
            raise DomainError(_("Postnummeret har fire siffer."), "postal_code")
    locked = Household.objects.select_for_update().get(pk=household.pk)
    locked.address, locked.postal_code, locked.postal_place = address, postal_code, postal_place
    locked.address_unknown = unknown
    locked.save(update_fields=["address", "postal_code", "postal_place", "address_unknown", "updated_at"])
    refresh_search_text(locked)
    for name in ("address", "postal_code", "postal_place", "address_unknown", "search_text"):
        setattr(household, name, getattr(locked, name))
    return household


def address_left_behind(today: datetime.date | None = None) -> models.Q:
    """The one rule for "a letter to this household's address would not reach
    it", as a filter on households: its new address is marked unknown (and
    none is filled in since), or its address is that of a dwelling whose
    tenancy with it has ended by `today` (and none at that address runs).
    Tenancies and dwellings are reached through the household's relations."""
    today = today or timezone.localdate()
    at_own_address = {
        "tenancies__dwelling__address__iexact": models.OuterRef("address"),
        "tenancies__dwelling__postal_code": models.OuterRef("postal_code"),
    }
    left = Household.all_objects.filter(
        pk=models.OuterRef("pk"), tenancies__end_date__lte=today, **at_own_address
    )
    living = Household.all_objects.filter(
        running_on(today, "tenancies__"), pk=models.OuterRef("pk"), **at_own_address
    )
    return models.Q(address_unknown=True, address="") | (
        ~models.Q(address="") & models.Exists(left) & ~models.Exists(living)
    )


def households_with_address_left_behind(ids: Iterable[int], today: datetime.date | None = None) -> set[int]:
    """The ids among `ids` of households `address_left_behind` holds for."""
    return set(
        Household.all_objects.filter(address_left_behind(today), pk__in=list(ids)).values_list(
            "pk", flat=True
        )
    )


RECORDABLE_STATUSES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED)
# Results that say what happened at the meeting's time, so they can only be
# recorded once it has started; a meeting can be cancelled at any time.
RESULTS_AFTER_START = (MeetingStatus.HELD, MeetingStatus.NO_SHOW)
MEETING_HELD_REASON = gettext_lazy("Kartleggingssamtale gjennomført")


def _when(moment: datetime.datetime) -> str:
    """A meeting's time as the user reads it, in the office's time zone."""
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def has_started(meeting: OutreachMeeting, now: datetime.datetime | None = None) -> bool:
    """Whether the meeting's start time (date and time) has come."""
    return meeting.starts_at <= (now or timezone.now())


def _after_held_meeting(household_id: int, *, by) -> None:
    """A held mapping meeting moves a household that was not yet mapped
    (summoned, or a walk-in never assessed) on to `mapped`."""
    # Read the stage under a lock: the instance may be older than a change
    # another caseworker just made.
    household = Household.objects.select_for_update().get(pk=household_id)
    if household.pathway_stage in STAGES_BEFORE_MAPPING:
        change_stage(household, PathwayStage.MAPPED, by=by, reason=str(MEETING_HELD_REASON))


@transaction.atomic
def record_meeting(
    meeting: OutreachMeeting,
    *,
    status: str,
    outcome_notes: str = "",
    next_steps: str = "",
    barriers: Iterable[Barrier] = (),
    household_goal: str = "",
    by,
    now: datetime.datetime | None = None,
) -> OutreachMeeting:
    """Record how a meeting went (with a held one: the barriers found and the
    household's own goal, `set_coded_outcome`). A held meeting moves a household not yet
    mapped (see `_after_held_meeting`) on to `mapped`; other stages are left
    alone, as the caseworker may already have moved the household further.

    "Held" and "did not come" can be recorded once the meeting's start time
    (date and time) has passed; "cancelled" at any time. Returns the saved
    meeting; raises DomainError, leaving `meeting` as it was, for a status
    that is not a result or a result recorded before the meeting started.
    """
    if status not in RECORDABLE_STATUSES:
        raise DomainError(
            _("Velg om samtalen ble gjennomført, om husstanden ikke møtte, eller om den ble avlyst."),
            "status",
        )
    if status in RESULTS_AFTER_START and not has_started(meeting, now):
        raise DomainError(
            _(
                "Samtalen starter %(when)s og er ikke holdt ennå. Du kan registrere den som "
                "gjennomført eller «møtte ikke» når den har startet. Avlyse den kan du når som helst."
            )
            % {"when": _when(meeting.starts_at)},
            "status",
        )
    meeting.status = status
    meeting.outcome_notes = (outcome_notes or "").strip()
    meeting.next_steps = (next_steps or "").strip()
    meeting.save(update_fields=["status", "outcome_notes", "next_steps", "updated_at"])
    set_coded_outcome(meeting, barriers if status == MeetingStatus.HELD else (), household_goal)
    if status == MeetingStatus.HELD:
        _after_held_meeting(meeting.household_id, by=by)
    return meeting


DEFAULT_BARRIERS = (
    (_("Økonomi"), _("Inntekt, gjeld eller egenkapital holder husstanden tilbake.")),
    (_("Nabolag og bomiljø"), _("Husstanden ønsker ikke å flytte fra nabolaget eller bomiljøet.")),
    (_("Tilhørighet til stedet"), _("Skole, arbeid, familie eller nettverk binder husstanden til stedet.")),
    (_("Boligen passer ikke"), _("Boligen passer ikke husstanden, men en egen bolig er ikke aktuell ennå.")),
)


def ensure_default_barriers(municipality_id: int) -> None:
    """Give a municipality Melhus' four barriers the first time it is asked
    (one query when it has its list already). The leader can rename, add and
    retire barriers; a retired one stays on the meetings that used it."""
    if Barrier.all_objects.filter(municipality_id=municipality_id).exists():
        return
    Barrier.all_objects.bulk_create(
        [
            Barrier(municipality_id=municipality_id, name=str(name), description=str(text), order=i * 10)
            for i, (name, text) in enumerate(DEFAULT_BARRIERS, start=1)
        ],
        ignore_conflicts=True,
    )


def _own_barriers(municipality_id: int, barriers: Iterable[Barrier]) -> list[Barrier]:
    chosen = list(barriers)
    if any(b.municipality_id != municipality_id for b in chosen):
        raise DomainError(_("Velg hindringer fra kommunens egen liste."), "barriers")
    return chosen


def set_coded_outcome(meeting: OutreachMeeting, barriers: Iterable[Barrier], household_goal: str) -> None:
    """The coded outcome of a held meeting: its barriers (of the meeting's
    own municipality only) and the household's own goal."""
    chosen = _own_barriers(meeting.municipality_id, barriers)
    goal = (household_goal or "").strip()
    if goal != meeting.household_goal:
        meeting.household_goal = goal
        meeting.save(update_fields=["household_goal", "updated_at"])
    meeting.barriers.set(chosen)


def _new_meeting(
    household: Household,
    *,
    caseworker,
    starts_at: datetime.datetime,
    place: str,
    duration_minutes: int,
    token: uuid.UUID | None,
    **fields: str,
) -> OutreachMeeting:
    place = (place or "").strip()
    if not place:
        raise DomainError(_("Skriv stedet for samtalen."), "place")
    if duration_minutes < 5:
        raise DomainError(_("En samtale varer minst 5 minutter."), "duration_minutes")
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
            **fields,
        ),
        household=household,
    )


def _already_made(household: Household, token: uuid.UUID | None) -> OutreachMeeting | None:
    """The meeting an earlier submit of the same form made, found before the
    time is checked: the clock has moved on since that submit."""
    if token is None:
        return None
    return OutreachMeeting.objects.filter(request_token=token, household=household).first()


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
    """Plan one meeting with a household, at a time still to come. Returns
    the new meeting, or, for a form `token` already used, the meeting that
    submit planned (see `create_once`). A meeting that has already taken
    place is registered with `register_held_meeting`."""
    existing = _already_made(household, token)
    if existing is not None:
        return existing
    if starts_at <= (now or timezone.now()):
        raise DomainError(
            _(
                "Tidspunktet har allerede vært. Velg et tidspunkt fram i tid, eller velg "
                "«Registrer en samtale som er holdt»."
            ),
            "time",
        )
    return _new_meeting(
        household,
        caseworker=caseworker,
        starts_at=starts_at,
        place=place,
        duration_minutes=duration_minutes,
        token=token,
    )


@transaction.atomic
def register_held_meeting(
    household: Household,
    *,
    caseworker,
    starts_at: datetime.datetime,
    place: str,
    duration_minutes: int = 45,
    outcome_notes: str = "",
    next_steps: str = "",
    barriers: Iterable[Barrier] = (),
    household_goal: str = "",
    by,
    now: datetime.datetime | None = None,
    token: uuid.UUID | None = None,
) -> OutreachMeeting:
    """Register a meeting that has already taken place (a walk-in, a meeting
    the same day or yesterday) directly as held, with what came out of it.
    Its start time must have passed, by date and time. It moves the
    household on as a recorded meeting does (`record_meeting`)."""
    existing = _already_made(household, token)
    if existing is not None:
        return existing
    barriers = _own_barriers(household.municipality_id, barriers)
    if starts_at > (now or timezone.now()):
        raise DomainError(
            _(
                "En samtale som er holdt, må ha startet allerede. Velg et tidspunkt som har vært, "
                "eller velg «Planlegg en samtale»."
            ),
            "time",
        )
    meeting = _new_meeting(
        household,
        caseworker=caseworker,
        starts_at=starts_at,
        place=place,
        duration_minutes=duration_minutes,
        token=token,
        status=MeetingStatus.HELD,
        outcome_notes=(outcome_notes or "").strip(),
        next_steps=(next_steps or "").strip(),
    )
    set_coded_outcome(meeting, barriers, household_goal)
    _after_held_meeting(household.pk, by=by)
    return meeting


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
