"""loependeJournal.xml (the full running journal) and offentligJournal.xml
(the public journal: screened parties and titles masked, offentleglova § 13)."""

from __future__ import annotations

import datetime

from ..models import MASK, SCREENING_BASIS, RegistryEntry
from .arkivstruktur import PARTY_TYPES
from .common import NOARK, Builder, Creator, to_bytes, xs_date


def _head(b: Builder, root, start: datetime.date, end: datetime.date, count: int, creator: Creator) -> None:
    head = b.add(root, "journalhode")
    b.add(head, "journalStartDato", xs_date(start))
    b.add(head, "journalSluttDato", xs_date(end))
    b.add(head, "antallJournalposter", count)
    el = b.add(head, "arkivskaper")
    b.fields(
        el,
        [
            ("arkivskaperID", creator.ident),
            ("arkivskaperNavn", creator.name),
            ("beskrivelse", creator.description),
        ],
    )


def running_journal(
    entries: list[RegistryEntry], start: datetime.date, end: datetime.date, creator: Creator
) -> bytes:
    b = Builder(NOARK + "loependeJournal")
    root = b.root("loependeJournal", "loependeJournal.xsd")
    _head(b, root, start, end, len(entries), creator)
    for entry in entries:
        case = entry.case_file
        reg = b.add(root, "journalregistrering")
        folder = b.add(reg, "saksmappe")
        b.fields(
            folder,
            [
                ("mappeID", case.number),
                ("saksaar", case.year),
                ("sakssekvensnummer", case.sequence),
                ("tittel", case.title),
                ("offentligTittel", case.public_title),
                ("saksansvarlig", case.responsible),
            ],
        )
        post = b.add(reg, "journalpost")
        b.fields(
            post,
            [
                ("systemID", str(entry.system_id)),
                ("registreringsID", entry.reference),
                ("journalaar", entry.journal_year),
                ("journalsekvensnummer", entry.journal_sequence),
                ("journalpostnummer", entry.number),
                ("tittel", entry.title),
                ("offentligTittel", entry.shown_title),
                ("skjermingMetadata", "Skjerming av korrespondansepart" if entry.screened else ""),
                ("journaldato", xs_date(entry.journal_date)),
                ("dokumentetsDato", xs_date(entry.document_date)),
                ("tilgangsrestriksjon", "13 Taushetsplikt" if entry.screened else ""),
                ("skjermingshjemmel", SCREENING_BASIS if entry.screened else ""),
            ],
        )
        party = b.add(post, "korrespondansepart")
        b.add(party, "korrespondanseparttype", PARTY_TYPES[entry.entry_type])
        b.add(party, "korrespondansepartNavn", entry.party_name)
    return to_bytes(root)


def public_journal(
    entries: list[RegistryEntry], start: datetime.date, end: datetime.date, creator: Creator
) -> bytes:
    """Only what may be published: the public titles, screened parties as *****."""
    b = Builder(NOARK + "offentligJournal")
    root = b.root("offentligJournal", "offentligJournal.xsd")
    _head(b, root, start, end, len(entries), creator)
    for entry in entries:
        case = entry.case_file
        reg = b.add(root, "journalregistrering")
        folder = b.add(reg, "saksmappe")
        b.fields(
            folder,
            [
                ("mappeID", case.number),
                ("saksaar", case.year),
                ("sakssekvensnummer", case.sequence),
                ("offentligTittel", case.public_title),
            ],
        )
        post = b.add(reg, "journalpost")
        b.fields(
            post,
            [
                ("systemID", str(entry.system_id)),
                ("registreringsID", entry.reference),
                ("journalaar", entry.journal_year),
                ("journalsekvensnummer", entry.journal_sequence),
                ("journalpostnummer", entry.number),
                ("offentligTittel", entry.shown_title),
                ("skjermingMetadata", "Skjerming av korrespondansepart" if entry.screened else ""),
                ("journaldato", xs_date(entry.journal_date)),
                ("dokumentetsDato", xs_date(entry.document_date)),
                ("tilgangsrestriksjon", "13 Taushetsplikt" if entry.screened else ""),
                ("skjermingshjemmel", SCREENING_BASIS if entry.screened else ""),
            ],
        )
        party = b.add(post, "korrespondansepart")
        b.add(party, "korrespondanseparttype", PARTY_TYPES[entry.entry_type])
        b.add(party, "korrespondansepartNavn", MASK if entry.screened else entry.party_name)
    return to_bytes(root)
