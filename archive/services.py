"""Numbering, registering and reading the journal.

Letters are registered when they are made (`journal_new_letters`, hooked into
`letters.journal` and into `post_save` of a letter saved one by one), once:
the entry's one-to-one link to the letter makes a second registration find
the first. `journal_missing_letters` registers any letter made before the
archive existed, or by a path that called neither hook (the extraction and
the public journal run it first).
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from housing_office.audit import log_bulk_created
from housing_office.files import sha256_hex
from housing_office.models import Municipality
from letters.kinds import KINDS
from letters.models import Letter, LetterStatus
from tenants.models import Household
from tenants.services import create_once

from .models import MASK, CaseFile, EntryType, RegistryEntry
from .models import Sequence as NumberSeries

CASE_TITLE = "Boligsak – {name}"


def next_number(municipality_id: int, series: str, year: int) -> int:
    """The next number of a series, under a row lock: two registrations never
    get the same number."""
    with transaction.atomic():
        NumberSeries.all_objects.get_or_create(municipality_id=municipality_id, series=series, year=year)
        row = NumberSeries.all_objects.select_for_update().get(
            municipality_id=municipality_id, series=series, year=year
        )
        row.last += 1
        row.save(update_fields=["last", "updated_at"])
        return row.last


def household_names(household: Household) -> list[str]:
    """Every name in the household, the longest first (for masking)."""
    names: set[str] = set()
    for person in household.members.all():
        for part in (person.full_name, person.first_name, person.last_name):
            if part and part.strip():
                names.add(part.strip())
    return sorted(names, key=len, reverse=True)


def household_name(household: Household) -> str:
    from letters.snapshot import recipient_names

    return " og ".join(recipient_names(household)) or household.reference


def mask_names(text: str, names: Iterable[str]) -> str:
    """`text` with every name in `names` (whole words, any case) replaced by *****."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", MASK, text, flags=re.IGNORECASE)
    return text


def case_file_for(household: Household, *, by: Any = None) -> CaseFile:
    """The household's case file, made the first time it is needed."""
    with transaction.atomic():
        # Lock the household so that two first registrations make one file.
        Household.all_objects.select_for_update().filter(pk=household.pk).first()
        found = CaseFile.all_objects.filter(household_id=household.pk).first()
        if found:
            return found
        today = timezone.localdate()
        name = household_name(household)
        responsible = by or household.caseworker
        return CaseFile.all_objects.create(
            municipality_id=household.municipality_id,
            household=household,
            year=today.year,
            sequence=next_number(household.municipality_id, "case", today.year),
            title=CASE_TITLE.format(name=name),
            public_title=CASE_TITLE.format(name=MASK),
            opened_on=today,
            responsible=(str(responsible) if responsible else "") or "Boligkontoret",
        )


@dataclass(frozen=True)
class NewEntry:
    entry_type: str
    title: str
    party_name: str
    document_date: datetime.date
    screened: bool = True
    public_title: str = ""
    received_on: datetime.date | None = None


def add_entry(case_file: CaseFile, new: NewEntry, *, by: Any = None, **extra: Any) -> RegistryEntry:
    """A registry entry in `case_file`, numbered in the case and in the journal."""
    with transaction.atomic():
        locked = CaseFile.all_objects.select_for_update().get(pk=case_file.pk)
        number = (locked.entries.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        today = timezone.localdate()
        names = [*household_names(locked.household), new.party_name]
        public_title = new.public_title or mask_names(new.title, names)
        entry = RegistryEntry.all_objects.create(
            municipality_id=locked.municipality_id,
            case_file=locked,
            number=number,
            journal_year=today.year,
            journal_sequence=next_number(locked.municipality_id, "journal", today.year),
            journal_date=today,
            entry_type=new.entry_type,
            title=new.title,
            public_title=mask_names(public_title, names) if new.screened else public_title,
            party_name=new.party_name,
            screened=new.screened,
            document_date=new.document_date,
            received_on=new.received_on,
            registered_by=by,
            **extra,
        )
        entry.case_file = locked
        return entry


def letter_title(letter: Letter) -> str:
    return f"{letter.get_kind_display()} – {household_name(letter.household)}"


def reserve_numbers(municipality_id: int, series: str, year: int, count: int) -> int:
    """Reserve `count` numbers of a series under its row lock; returns the first."""
    with transaction.atomic():
        NumberSeries.all_objects.get_or_create(municipality_id=municipality_id, series=series, year=year)
        row = NumberSeries.all_objects.select_for_update().get(
            municipality_id=municipality_id, series=series, year=year
        )
        first = row.last + 1
        row.last += count
        row.save(update_fields=["last", "updated_at"])
        return first


def letter_day(letter: Letter) -> datetime.date:
    """The day a letter was made: its journal date and its document date.

    A letter is its own archive copy from the moment it is made (it is
    stored, numbered and never changed), so it is registered as of that day,
    also when the registration runs later (a letter made before the archive
    existed, the demo's history): the journal and the extraction of a year
    then hold the letters made that year, with the dates the letters print."""
    if letter.created_at is None:
        return timezone.localdate()
    return timezone.localtime(letter.created_at).date()


def journal_letter(letter: Letter) -> RegistryEntry:
    """Register `letter` as an outgoing entry, once (see `journal_new_letters`)."""
    return journal_new_letters([letter])[letter.pk]


def journal_new_letters(letters: Sequence[Letter]) -> dict[int, RegistryEntry]:
    """Register letters just made as outgoing entries, once each, in bulk: the
    `letters.journal` hook (the summons wizard, the demo's history), the
    `post_save` of a letter saved one by one, and `journal_missing_letters`.

    Each letter is registered on its own day (`letter_day`), in its
    household's case file (made the first time, opened that day), numbered
    in the case and in the year's journal in the order the letters were made.
    A letter not yet rendered takes the entry's reference (stored on it and
    in its snapshot), so it prints the number the journal knows it by.
    Returns every given letter's entry, by letter id, the ones registered
    before included. One lock per number series and a handful of queries,
    whatever the number of letters."""
    letters = [letter for letter in letters if letter.pk]
    if not letters:
        return {}
    with transaction.atomic():
        ids = [letter.pk for letter in letters]
        found = {
            e.letter_id: e
            for e in RegistryEntry.all_objects.filter(letter_id__in=ids).select_related("case_file")
        }
        new = sorted(
            (letter for letter in letters if letter.pk not in found),
            key=lambda letter: (letter_day(letter), letter.created_at or timezone.now(), letter.pk),
        )
        for municipality_id in sorted({letter.municipality_id for letter in new}):
            found.update(_register_letters([x for x in new if x.municipality_id == municipality_id]))
        return found


def _register_letters(letters: list[Letter]) -> dict[int, RegistryEntry]:
    municipality_id = letters[0].municipality_id  # one municipality's letters
    # Lock the households (in key order, as every registration does) so that
    # two first registrations make one case file.
    households = {
        h.pk: h
        for h in Household.all_objects.select_for_update(of=("self",))
        .filter(pk__in={letter.household_id for letter in letters})
        .select_related("caseworker")
        .prefetch_related("members")
        .order_by("pk")
    }
    cases = _case_files(municipality_id, letters, households)
    last_number = dict(
        RegistryEntry.all_objects.filter(case_file__in=[c.pk for c in cases.values()])
        .values("case_file")
        .annotate(last=models.Max("number"))
        .values_list("case_file", "last")
    )
    days = [letter_day(letter) for letter in letters]
    journal_next = {
        year: reserve_numbers(municipality_id, "journal", year, sum(d.year == year for d in days))
        for year in sorted({d.year for d in days})
    }
    entries = []
    for letter, day in zip(letters, days, strict=True):
        household = households[letter.household_id]
        letter.household = household
        case = cases[household.pk]
        last_number[case.pk] = number = last_number.get(case.pk, 0) + 1
        sequence = journal_next[day.year]
        journal_next[day.year] += 1
        spec = KINDS.get(letter.kind)
        screened = spec.exempt_from_public_access if spec else True
        # A letter addressed to someone else than the household (the notice
        # to NAV) names its recipient as the party.
        party = (letter.context or {}).get("journal_party") or household_name(household)
        title = letter_title(letter)
        names = [*household_names(household), party]
        public_title = mask_names(title, names)
        entries.append(
            RegistryEntry(
                municipality_id=municipality_id,
                case_file=case,
                number=number,
                journal_year=day.year,
                journal_sequence=sequence,
                journal_date=day,
                entry_type=EntryType.OUTGOING,
                title=title,
                public_title=public_title,
                party_name=party,
                screened=screened,
                document_date=day,
                registered_by_id=letter.created_by_id,
                letter=letter,
            )
        )
    RegistryEntry.all_objects.bulk_create(entries)
    _log_created(entries, letters)
    _number_pending_letters(entries)
    return {entry.letter_id: entry for entry in entries}


def _case_files(
    municipality_id: int, letters: list[Letter], households: dict[int, Household]
) -> dict[int, CaseFile]:
    """The households' case files (locked), the missing ones made, each
    opened on the day of its household's first letter and numbered in that
    year in the order they were opened."""
    cases = {
        c.household_id: c
        for c in CaseFile.all_objects.select_for_update().filter(household_id__in=list(households))
    }
    first: dict[int, Letter] = {}
    for letter in letters:  # in the order they were made
        if letter.household_id not in cases:
            first.setdefault(letter.household_id, letter)
    if not first:
        return cases
    opened = [(letter_day(letter), letter) for letter in first.values()]
    numbers = {
        year: reserve_numbers(municipality_id, "case", year, sum(day.year == year for day, _ in opened))
        for year in sorted({day.year for day, _ in opened})
    }
    made = []
    for day, letter in opened:
        household = households[letter.household_id]
        name = household_name(household)
        responsible = letter.created_by if letter.created_by_id else household.caseworker
        made.append(
            CaseFile(
                municipality_id=municipality_id,
                household=household,
                year=day.year,
                sequence=numbers[day.year],
                title=CASE_TITLE.format(name=name),
                public_title=CASE_TITLE.format(name=MASK),
                opened_on=day,
                responsible=(str(responsible) if responsible else "") or "Boligkontoret",
            )
        )
        numbers[day.year] += 1
    CaseFile.all_objects.bulk_create(made)
    _log_created(made, list(first.values()))
    cases.update((case.household_id, case) for case in made)
    return cases


def _log_created(rows: list[Any], letters: list[Letter]) -> None:
    """The audit trail of rows made in bulk for `letters` (one each, in
    order), each with its letter's author as the actor."""
    by_author: dict[int | None, list[Any]] = {}
    authors: dict[int | None, Any] = {}
    for row, letter in zip(rows, letters, strict=True):
        by_author.setdefault(letter.created_by_id, []).append(row)
        authors.setdefault(letter.created_by_id, letter.created_by if letter.created_by_id else None)
    for author_id, made in by_author.items():
        log_bulk_created(made, actor=authors[author_id])


def _number_pending_letters(entries: list[RegistryEntry]) -> None:
    """A letter not yet rendered prints its entry's reference; a rendered
    one keeps what it printed (it is archived as it is)."""
    pending = []
    for entry in entries:
        letter = entry.letter
        if letter.status != LetterStatus.PENDING:
            continue
        context = dict(letter.context or {})
        if "archive_reference" in context or not context:
            context["archive_reference"] = entry.reference
        letter.archive_reference, letter.context = entry.reference, context
        pending.append(letter)
    # Only rows still pending: a worker may have rendered one meanwhile.
    Letter.all_objects.filter(status=LetterStatus.PENDING).bulk_update(
        pending, ["archive_reference", "context"], batch_size=500
    )
    for letter in pending:
        letter._remember_archived_state()


def follow_letter_day(letter_id: int) -> None:
    """An entry whose letter was dated back after it was registered (the
    demo's history: a decision made today, dated the day it was decided)
    takes the letter's day, and a number in that year's journal if the year
    differs. A letter still pending keeps its entry's reference."""
    with transaction.atomic():
        found = RegistryEntry.all_objects.select_for_update().select_related("letter")
        entry = found.get(letter_id=letter_id)
        day = letter_day(entry.letter)
        if day.year != entry.journal_year:
            entry.journal_year = day.year
            entry.journal_sequence = reserve_numbers(entry.municipality_id, "journal", day.year, 1)
        entry.journal_date = entry.document_date = day
        entry.save(update_fields=["journal_year", "journal_sequence", "journal_date", "document_date"])


def letters_not_journaled(municipality: Municipality | int):
    """The municipality's letters (not failed) that have no registry entry."""
    municipality_id = getattr(municipality, "pk", municipality)
    return Letter.all_objects.filter(municipality_id=municipality_id, registry_entry__isnull=True).exclude(
        status=LetterStatus.FAILED
    )


def journal_missing_letters(municipality: Municipality | int, *, chunk: int = 500) -> int:
    """Register every letter of the municipality that has no entry yet."""
    missing = list(
        letters_not_journaled(municipality).select_related("created_by").order_by("created_at", "pk")
    )
    for start in range(0, len(missing), chunk):
        journal_new_letters(missing[start : start + chunk])
    return len(missing)


def register_incoming(
    household: Household,
    *,
    title: str,
    received_on: datetime.date,
    sender: str,
    upload: UploadedFile,
    public_title: str = "",
    screened: bool = True,
    by: Any = None,
    token: uuid.UUID | None = None,
) -> RegistryEntry:
    """Register an incoming document (an application, a complaint) with its
    PDF. With the form's one-time `token`, a second submit of the same form
    returns the entry the first one made instead of registering it twice."""
    data = upload.read()
    return create_once(
        RegistryEntry,
        token,
        lambda: _register_incoming(
            household, title, received_on, sender, data, public_title, screened, by, token
        ),
        case_file__household=household,
    )


def _register_incoming(
    household: Household,
    title: str,
    received_on: datetime.date,
    sender: str,
    data: bytes,
    public_title: str,
    screened: bool,
    by: Any,
    token: uuid.UUID | None,
) -> RegistryEntry:
    with transaction.atomic():
        entry = add_entry(
            case_file_for(household, by=by),
            NewEntry(
                entry_type=EntryType.INCOMING,
                title=title,
                party_name=sender,
                document_date=received_on,
                received_on=received_on,
                screened=screened,
                public_title=public_title,
            ),
            by=by,
            document_sha256=sha256_hex(data),
        )
        from django.core.files.base import ContentFile

        entry.document.save(f"inngaende-{entry.pk}.pdf", ContentFile(data), save=False)
        entry.request_token = token
        entry.save(update_fields=["document", "request_token", "updated_at"])
        return entry


def entries_in_period(municipality_id: int, start: datetime.date, end: datetime.date):
    return (
        RegistryEntry.all_objects.filter(
            municipality_id=municipality_id, journal_date__gte=start, journal_date__lte=end
        )
        .select_related("case_file", "letter")
        .order_by("journal_year", "journal_sequence")
    )


@dataclass(frozen=True)
class Document:
    """An entry's archived file, wherever it is stored."""

    name: str
    data: bytes
    sha256: str
    created: datetime.datetime


def document_of(entry: RegistryEntry) -> Document | None:
    """The entry's document bytes and recorded checksum, or None (a letter not
    rendered, an entry without a file)."""
    if entry.letter_id:
        letter = entry.letter
        if letter.status != LetterStatus.RENDERED or not letter.pdf:
            return None
        stored, sha256, created = letter.pdf, letter.sha256, letter.rendered_at or letter.created_at
    else:
        if not entry.document:
            return None
        stored, sha256, created = entry.document, entry.document_sha256, entry.created_at
    with stored.open("rb") as handle:
        data = handle.read()
    return Document(name=f"{entry.system_id}.pdf", data=data, sha256=sha256, created=created)
