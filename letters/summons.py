"""The summons (innkalling): the first kind of letter, and the wizard that
summons households to outreach meetings in batches.

`SUMMONS` is the kind: its default templates, its variables and its
snapshot (`summons_context`). `plan_summons` decides who gets which
caseworker at which time (and who is left out, and why) without writing
anything, so the wizard can show the plan before the user confirms.
`create_summons_batch` writes the same plan in one transaction and starts
the job that renders the letters.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.audit import log_bulk_created
from housing_office.errors import DomainError
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState, Municipality, WrittenLanguage
from tenants.holidays import OFFICE_CLOSES, OFFICE_OPENS, meeting_slots
from tenants.models import (
    CLOSED_STAGES,
    Household,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    Person,
)
from tenants.pathway import is_candidate_stage
from tenants.services import change_stage, households_with_address_left_behind

from .journal import journal_letters
from .kinds import LetterKindSpec
from .letter_templates import current_template, ensure_default_templates
from .models import Letter, LetterKind, LetterStatus, SummonsBatch
from .snapshot import (
    COMMON_FIELD_NAMES,
    COMMON_VARIABLES,
    common_context,
    format_date,
    format_time,
    letter_language,
    recipient_names,
    sample_common_context,
)

STAGE_CHANGE_REASON = "Innkalt til kartleggingssamtale"
JOB_KIND = "summons_letters"

# --- The kind ------------------------------------------------------------------

SUMMONS_VARIABLES: dict[str, str] = {
    **COMMON_VARIABLES,
    "meeting_date": "Dagen for samtalen, for eksempel «mandag 13. januar 2031»",
    "meeting_time": "Når samtalen begynner, for eksempel «10.00»",
    "meeting_end_time": "Når samtalen slutter, for eksempel «10.45»",
    "meeting_duration": "Hvor mange minutter samtalen varer",
    "meeting_place": "Hvor samtalen er",
    "caseworker_name": "Navnet på saksbehandleren",
    "caseworker_title": "Saksbehandlerens stilling",
    "caseworker_phone": "Saksbehandlerens telefon (ellers kontorets)",
    "caseworker_email": "Saksbehandlerens e-post (kan være tom)",
}


SUMMONS_FIELD_NAMES: dict[str, str] = {
    **COMMON_FIELD_NAMES,
    "meeting_date": "dag for samtalen",
    "meeting_time": "samtalen begynner",
    "meeting_end_time": "samtalen slutter",
    "meeting_duration": "minutter samtalen varer",
    "meeting_place": "sted for samtalen",
    "caseworker_name": "saksbehandlers navn",
    "caseworker_title": "saksbehandlers stilling",
    "caseworker_phone": "saksbehandlers telefon",
    "caseworker_email": "saksbehandlers e-post",
}


def _default_title(language: str) -> str:
    return "sakshandsamar" if language == WrittenLanguage.NYNORSK else "saksbehandler"


def summons_context(
    *,
    household: Household,
    municipality: Municipality,
    caseworker: Any,
    starts_at: datetime.datetime,
    duration_minutes: int,
    place: str,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
) -> dict[str, Any]:
    """The snapshot a summons letter is rendered from (stored on the letter)."""
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    local_start = timezone.localtime(starts_at)
    return {
        **common_context(
            household=household,
            municipality=municipality,
            letter_date=letter_date,
            archive_reference=archive_reference,
            language=language,
            subject=subject,
            # plan_summons has left out, in one query, every household whose
            # address is left behind.
            address_checked=True,
        ),
        "meeting_date": format_date(local_start.date(), language, weekday=True),
        "meeting_time": format_time(starts_at),
        "meeting_end_time": format_time(ends_at),
        "meeting_duration": str(duration_minutes),
        "meeting_place": place,
        **_caseworker_values(caseworker, municipality, language),
    }


def sample_context(
    municipality: Municipality, language: str, *, sparse: bool = False, caseworker: Any = None
) -> dict[str, Any]:
    """A summons for a made-up household, for previews and template checks.
    With `caseworker` (the leader, or the caseworker chosen in the preview
    form), every caseworker value is that user's own: name, title, phone
    (else the office's) and e-mail, never one person's name with another's
    address."""
    starts = timezone.make_aware(datetime.datetime(2031, 1, 13, 10, 0))
    return {
        **sample_common_context(municipality, language, sparse=sparse),
        "meeting_date": format_date(starts.date(), language, weekday=True),
        "meeting_time": "10.00",
        "meeting_end_time": "10.45",
        "meeting_duration": "45",
        "meeting_place": "Rådhuset, møterom Ibsen",
        **(
            _caseworker_values(caseworker, municipality, language)
            if caseworker is not None
            else {
                "caseworker_name": "Siri Saksbehandler",
                "caseworker_title": _default_title(language),
                "caseworker_phone": municipality.phone or "35 58 10 00",
                "caseworker_email": "siri.saksbehandler@kommune.no",
            }
        ),
        **({"caseworker_email": ""} if sparse else {}),
    }


def _caseworker_values(caseworker: Any, municipality: Municipality, language: str) -> dict[str, str]:
    """The caseworker's part of a summons: all of it from the one user."""
    return {
        "caseworker_name": caseworker.get_full_name() or caseworker.username,
        "caseworker_title": caseworker.title or _default_title(language),
        "caseworker_phone": caseworker.phone or municipality.phone,
        "caseworker_email": caseworker.email,
    }


SUMMONS = LetterKindSpec(
    key=LetterKind.SUMMONS,
    # «boligen din», or «boligen deres» to several (nynorsk «dykkar»).
    subjects={
        WrittenLanguage.BOKMAL: "Invitasjon til en samtale om boligen {{ din }}",
        WrittenLanguage.NYNORSK: "Invitasjon til ein samtale om bustaden {{ din }}",
    },
    variables=SUMMONS_VARIABLES,
    field_names=SUMMONS_FIELD_NAMES,
    build_context=summons_context,
    sample_context=sample_context,
    file_stem="innkalling",
)


# --- The wizard ----------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    household: Household
    caseworker: Any
    starts_at: datetime.datetime

    @property
    def names(self) -> str:
        """Whom the letter is to, as the caseworker knows them: by name."""
        return " og ".join(recipient_names(self.household))


@dataclass(frozen=True)
class LeftOut:
    household: Household
    reason: str

    @property
    def names(self) -> str:
        return " og ".join(recipient_names(self.household))


@dataclass
class SummonsPlan:
    slots: list[Slot]
    left_out: list[LeftOut]

    @property
    def last_slot(self) -> datetime.datetime | None:
        return max((s.starts_at for s in self.slots), default=None)


Interval = tuple[datetime.datetime, datetime.datetime]


def assign_slots(
    households: Sequence[Household],
    caseworkers: Sequence[Any],
    *,
    first: datetime.datetime,
    minutes: int,
    opens: datetime.time = OFFICE_OPENS,
    closes: datetime.time = OFFICE_CLOSES,
    busy: dict[Any, list[Interval]] | None = None,
) -> list[Slot]:
    """Give each household, in order, the earliest free slot of any caseworker.

    Each caseworker has their own row of back-to-back slots (working days,
    office hours), so with two caseworkers two meetings run at the same
    time; ties go round robin in the order the caseworkers are given. A slot
    that overlaps one of the caseworker's `busy` intervals (keyed by user
    pk) is skipped.
    """
    if not caseworkers:
        raise ValueError("At least one caseworker is needed")
    length = datetime.timedelta(minutes=minutes)
    busy = busy or {}

    def free(caseworker: Any) -> Iterator[datetime.datetime]:
        taken = sorted(busy.get(caseworker.pk, ()))
        for start in meeting_slots(first, length, opens=opens, closes=closes):
            end = start + length
            if not any(b_start < end and start < b_end for b_start, b_end in taken):
                yield start

    streams = [free(cw) for cw in caseworkers]
    queue = [(next(stream), index) for index, stream in enumerate(streams)]
    heapq.heapify(queue)
    slots = []
    for household in households:
        starts_at, index = heapq.heappop(queue)
        slots.append(Slot(household=household, caseworker=caseworkers[index], starts_at=starts_at))
        heapq.heappush(queue, (next(streams[index]), index))
    return slots


def households_for_summons(ids: Sequence[int], municipality: Municipality | int) -> list[Household]:
    """The chosen households with their members, in a stable order."""
    municipality_id = getattr(municipality, "pk", municipality)
    return list(
        Household.all_objects.filter(pk__in=list(ids), municipality_id=municipality_id)
        .prefetch_related(Prefetch("members", queryset=Person.all_objects.order_by("pk")))
        .order_by("reference", "pk")
    )


def plan_summons(
    households: Sequence[Household],
    caseworkers: Sequence[Any],
    *,
    first: datetime.datetime,
    minutes: int,
    opens: datetime.time = OFFICE_OPENS,
    closes: datetime.time = OFFICE_CLOSES,
) -> SummonsPlan:
    """Who is summoned when and by whom, and who is left out and why.

    Left out: households whose address is one they have left
    (`tenants.services.address_left_behind`) or without a full postal address
    (a letter with a blank address would never arrive), households whose pathway has ended,
    and households that already have a planned meeting ahead.
    """
    now = timezone.now()
    household_ids = [h.pk for h in households]
    already = {
        m.household_id: m.starts_at
        for m in OutreachMeeting.all_objects.filter(
            household_id__in=household_ids, status=MeetingStatus.PLANNED, starts_at__gte=now
        ).order_by("-starts_at")
    }
    summonable, left_out = [], []
    left_behind = households_with_address_left_behind(household_ids)
    for household in households:
        if household.pk in left_behind:
            left_out.append(LeftOut(household, _("Ny adresse mangler")))
        elif not household.has_postal_address:
            left_out.append(LeftOut(household, _("Mangler postadresse")))
        elif household.pathway_stage in CLOSED_STAGES:
            left_out.append(
                LeftOut(
                    household,
                    _("Ferdig i løpet (%(stage)s)") % {"stage": household.get_pathway_stage_display()},
                )
            )
        elif not is_candidate_stage(household.pathway_stage):
            # Applying for or granted a start loan: past the mapping meeting.
            left_out.append(
                LeftOut(
                    household,
                    _("Forbi kartleggingen (%(stage)s)") % {"stage": household.get_pathway_stage_display()},
                )
            )
        elif household.pk in already:
            when = timezone.localtime(already[household.pk])
            left_out.append(
                LeftOut(
                    household,
                    _("Har allerede en planlagt samtale %(when)s") % {"when": f"{when:%d.%m.%Y %H.%M}"},
                )
            )
        else:
            summonable.append(household)
    busy: dict[Any, list[Interval]] = {}
    if summonable:
        for meeting in OutreachMeeting.all_objects.filter(
            caseworker__in=[cw.pk for cw in caseworkers],
            status=MeetingStatus.PLANNED,
            starts_at__gte=first - datetime.timedelta(days=1),
        ).only("caseworker_id", "starts_at", "duration_minutes"):
            end = meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes)
            busy.setdefault(meeting.caseworker_id, []).append((meeting.starts_at, end))
    slots = assign_slots(
        summonable, caseworkers, first=first, minutes=minutes, opens=opens, closes=closes, busy=busy
    )
    return SummonsPlan(slots=slots, left_out=left_out)


@transaction.atomic
def create_summons_batch(
    *,
    municipality: Municipality,
    by: Any,
    household_ids: Sequence[int],
    caseworkers: Sequence[Any],
    place: str,
    first: datetime.datetime,
    minutes: int,
    opens: datetime.time = OFFICE_OPENS,
    closes: datetime.time = OFFICE_CLOSES,
    letter_date: datetime.date | None = None,
    token: Any = None,
    print_only: bool = False,
) -> SummonsBatch:
    """Plan and write a summons batch: planned meetings, pending letters,
    households moved to `summoned`, and one job that renders the letters
    (enqueued when the transaction commits).

    Submitting the same `token` again returns the batch it made.
    """
    if token is not None:
        existing = SummonsBatch.all_objects.filter(municipality=municipality, request_token=token).first()
        if existing is not None:
            return existing
    place = (place or "").strip()
    if not place:
        raise DomainError(_("Skriv hvor samtalene skal være."))
    letter_date = letter_date or timezone.localdate()
    ensure_default_templates(municipality)
    # Lock the households so that two caseworkers summoning the same ones at
    # once cannot both plan a meeting for them.
    list(
        Household.all_objects.select_for_update().filter(
            pk__in=list(household_ids), municipality=municipality
        )
    )
    households = households_for_summons(household_ids, municipality)
    plan = plan_summons(households, caseworkers, first=first, minutes=minutes, opens=opens, closes=closes)
    if not plan.slots:
        raise DomainError(_("Ingen av husstandene kan innkalles. Se listen over dem som er utelatt."))

    batch = SummonsBatch.all_objects.create(
        municipality=municipality,
        created_by=by,
        place=place,
        first_slot=plan.slots[0].starts_at,
        slot_minutes=minutes,
        day_starts=opens,
        day_ends=closes,
        letter_date=letter_date,
        letter_count=len(plan.slots),
        left_out=[
            {"id": item.household.pk, "reference": item.household.reference, "reason": item.reason}
            for item in plan.left_out
        ],
        **({"request_token": token} if token is not None else {}),
    )
    batch.caseworkers.set(caseworkers)
    templates = {
        language: current_template(municipality, SUMMONS.key, language) for language in SUMMONS.languages
    }
    letters = []
    for number, slot in enumerate(plan.slots, start=1):
        language = letter_language(slot.household, municipality)
        reference = f"{letter_date.year}/{batch.pk}-{number}"
        letters.append(
            Letter(
                municipality=municipality,
                kind=SUMMONS.key,
                household=slot.household,
                template=templates[language],
                status=LetterStatus.PENDING,
                batch_key=batch.batch_key,
                archive_reference=reference,
                created_by=by,
                print_chosen=print_only,
                context=SUMMONS.build_context(
                    household=slot.household,
                    municipality=municipality,
                    caseworker=slot.caseworker,
                    starts_at=slot.starts_at,
                    duration_minutes=minutes,
                    place=place,
                    letter_date=letter_date,
                    archive_reference=reference,
                    language=language,
                ),
            )
        )
    # The batch is new in this transaction, so no letter of it can exist yet;
    # the (household, batch_key) constraint stands guard all the same.
    Letter.all_objects.bulk_create(letters)
    journal_letters(letters)  # the archive numbers and registers them (letters.journal)
    meetings = OutreachMeeting.all_objects.bulk_create(
        [
            OutreachMeeting(
                municipality=municipality,
                household=slot.household,
                caseworker=slot.caseworker,
                starts_at=slot.starts_at,
                duration_minutes=minutes,
                place=place,
                status=MeetingStatus.PLANNED,
                summons_letter=letter,
            )
            for slot, letter in zip(plan.slots, letters, strict=True)
        ]
    )
    # bulk_create sends no signals: record the new rows in the audit trail.
    log_bulk_created([*letters, *meetings], actor=by)
    for slot in plan.slots:
        # Only a household not yet assessed moves; one further along the
        # pathway keeps its stage (a new meeting does not set it back).
        if slot.household.pathway_stage == PathwayStage.NOT_ASSESSED:
            change_stage(slot.household, PathwayStage.SUMMONED, by=by, reason=STAGE_CHANGE_REASON)

    first_local = timezone.localtime(batch.first_slot)
    job = create_job(
        municipality=municipality,
        kind=JOB_KIND,
        title=_("Innkallingsbrev: %(n)s brev fra %(date)s")
        % {"n": len(letters), "date": f"{first_local:%d.%m.%Y}"},
        created_by=by,
        params={"batch": batch.pk},
        total=len(letters),
    )
    batch.job = job
    batch.save(update_fields=["job", "updated_at"])
    from .tasks import render_summons_batch

    enqueue(render_summons_batch, job, batch.pk)
    return batch


@dataclass(frozen=True)
class Retry:
    """What `retry_batch` did: the job it started again, and how many letters
    it will make (failed ones put back, and ones still pending)."""

    job: Job
    failed_again: int
    pending: int

    @property
    def letters(self) -> int:
        return self.failed_again + self.pending


@transaction.atomic
def retry_batch(batch: SummonsBatch, *, by: Any = None) -> Retry:
    """Put the batch's failed letters back in the queue and start the job
    again. Letters already rendered are left alone. Raises `DomainError`
    with the reason when the batch cannot be retried now
    (`SummonsBatch.retry_refusal`)."""
    # Lock the job row, so that two clicks cannot both start it.
    batch.job = Job.all_objects.select_for_update().filter(pk=batch.job_id).first()
    counts = batch.letter_counts()
    refusal = batch.retry_refusal(counts)
    if refusal:
        raise DomainError(refusal)
    job = batch.job
    failed_again = Letter.all_objects.filter(batch_key=batch.batch_key, status=LetterStatus.FAILED).update(
        status=LetterStatus.PENDING, error="", updated_at=timezone.now()
    )
    Job.all_objects.filter(pk=job.pk).update(
        state=JobState.WAITING, error="", message="", finished_at=None, updated_at=timezone.now()
    )
    SummonsBatch.all_objects.filter(pk=batch.pk).update(finished_at=None, updated_at=timezone.now())
    from .tasks import render_summons_batch

    enqueue(render_summons_batch, job, batch.pk)
    job.refresh_from_db()
    return Retry(job=job, failed_again=failed_again, pending=counts["pending"])
