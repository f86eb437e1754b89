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
from django.db import transaction
from django.utils import timezone

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


def journal_letter(letter: Letter) -> RegistryEntry:
    """Register `letter` as an outgoing entry, once. A letter not yet rendered
    takes the entry's reference (stored on it and in its snapshot)."""
    with transaction.atomic():
        found = RegistryEntry.all_objects.filter(letter_id=letter.pk).select_related("case_file").first()
        if found:
            return found
        household = letter.household
        spec = KINDS.get(letter.kind)
        letter_date = letter.created_at.date() if letter.created_at else timezone.localdate()
        entry = add_entry(
            case_file_for(household, by=letter.created_by),
            NewEntry(
                entry_type=EntryType.OUTGOING,
                title=letter_title(letter),
                # A letter addressed to someone else than the household (the
                # notice to NAV) names its recipient as the party.
                party_name=(letter.context or {}).get("journal_party") or household_name(household),
                document_date=letter_date,
                screened=spec.exempt_from_public_access if spec else True,
            ),
            by=letter.created_by,
            letter=letter,
        )
        if letter.status == LetterStatus.PENDING:
            context = dict(letter.context or {})
            if "archive_reference" in context or not context:
                context["archive_reference"] = entry.reference
            Letter.all_objects.filter(pk=letter.pk, status=LetterStatus.PENDING).update(
                archive_reference=entry.reference, context=context
            )
            letter.archive_reference, letter.context = entry.reference, context
            letter._remember_archived_state()
        return entry


def journal_new_letters(letters: Sequence[Letter]) -> None:
    """The `letters.journal` hook: register letters just made."""
    for letter in letters:
        journal_letter(letter)


def letters_not_journaled(municipality: Municipality | int):
    """The municipality's letters (not failed) that have no registry entry."""
    municipality_id = getattr(municipality, "pk", municipality)
    return Letter.all_objects.filter(municipality_id=municipality_id, registry_entry__isnull=True).exclude(
        status=LetterStatus.FAILED
    )


def journal_missing_letters(municipality: Municipality | int) -> int:
    """Register every letter of the municipality that has no entry yet."""
    missing = letters_not_journaled(municipality).select_related("household").order_by("created_at", "pk")
    count = 0
    for letter in missing:
        journal_letter(letter)
        count += 1
    return count


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
