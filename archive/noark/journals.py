"""loependeJournal.xml (the full running journal) and offentligJournal.xml
(the public journal: screened parties and titles masked, offentleglova § 13)."""

from __future__ import annotations

import datetime

from ..models import SCREENING_BASIS, RegistryEntry
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


def write(
    entries: list[RegistryEntry],
    start: datetime.date,
    end: datetime.date,
    creator: Creator,
    *,
    public: bool,
) -> bytes:
    """loependeJournal.xml, or with `public` offentligJournal.xml: the same
    registrations with only what may be published (no non-public titles nor
    the case's responsible, screened parties as *****)."""
    name = "offentligJournal" if public else "loependeJournal"
    b = Builder(NOARK + name)
    root = b.root(name, f"{name}.xsd")
    _head(b, root, start, end, len(entries), creator)
    for entry in entries:
        case = entry.case_file
        reg = b.add(root, "journalregistrering")
        b.fields(
            b.add(reg, "saksmappe"),
            [
                ("mappeID", case.number),
                ("saksaar", case.year),
                ("sakssekvensnummer", case.sequence),
                ("tittel", None if public else case.title),
                ("offentligTittel", case.public_title),
                ("saksansvarlig", None if public else case.responsible),
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
                ("tittel", None if public else entry.title),
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
        b.add(party, "korrespondansepartNavn", entry.shown_party if public else entry.party_name)
    return to_bytes(root)
