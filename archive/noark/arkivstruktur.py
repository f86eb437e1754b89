"""arkivstruktur.xml: arkiv → arkivdel → saksmappe → journalpost →
dokumentbeskrivelse → dokumentobjekt, in the order of the v5.0 sequences.
Code values from the metadata catalogue (Noark 5 v5.0, appendix 1)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..models import SCREENING_BASIS, CaseFile, EntryType, RegistryEntry
from .common import NOARK, XSI, Builder, Period, stable_id, to_bytes, xs_date, xs_datetime

NS = NOARK + "arkivstruktur"
ENTRY_TYPES = {
    EntryType.INCOMING: "Inngående dokument",
    EntryType.OUTGOING: "Utgående dokument",
    EntryType.INTERNAL: "Organinternt dokument uten oppfølging",
}
PARTY_TYPES = {
    EntryType.INCOMING: "Avsender",
    EntryType.OUTGOING: "Mottaker",
    EntryType.INTERNAL: "Intern mottaker",
}
ARCHIVED = "Arkivert"
CANCELLED = "Utgår"
FINISHED = "Dokumentet er ferdigstilt"


@dataclass(frozen=True)
class FileRef:
    """An entry's document in the package."""

    path: str  # relative to the package, e.g. dokumenter/<uuid>.pdf
    sha256: str
    size: int
    format: str
    format_details: str
    created: object  # datetime


def archive_ids(period: Period) -> tuple[str, str]:
    return (
        stable_id(period.municipality_number, "arkiv"),
        stable_id(period.municipality_number, "arkivdel", period.year),
    )


def journal_status(entry: RegistryEntry, file: FileRef | None) -> str:
    return ARCHIVED if file is not None else CANCELLED


def screening(b: Builder, parent: etree._Element, entry: RegistryEntry) -> None:
    if not entry.screened:
        return
    el = b.add(parent, "skjerming")
    b.add(el, "tilgangsrestriksjon", "13 Taushetsplikt")
    b.add(el, "skjermingshjemmel", SCREENING_BASIS)
    b.add(el, "skjermingMetadata", "Skjerming av korrespondansepart")
    b.add(el, "skjermingMetadata", "Skjerming av tittel, unntatt første linje")
    b.add(el, "skjermingDokument", "Skjerming av hele dokumentet")


def write(
    period: Period, cases: list[tuple[CaseFile, list[RegistryEntry]]], files: dict[int, FileRef]
) -> bytes:
    b = Builder(NS)
    root = b.root("arkiv", "arkivstruktur.xsd")
    arkiv_id, arkivdel_id = archive_ids(period)
    made, by = xs_datetime(period.made_at), period.made_by
    b.fields(
        root,
        [
            ("systemID", arkiv_id),
            ("tittel", period.archive_title),
            ("arkivstatus", "Avsluttet"),
            ("dokumentmedium", "Elektronisk arkiv"),
            ("opprettetDato", made),
            ("opprettetAv", by),
            ("avsluttetDato", made),
            ("avsluttetAv", by),
        ],
    )
    creator = b.add(root, "arkivskaper")
    b.fields(
        creator,
        [
            ("arkivskaperID", period.creator.ident),
            ("arkivskaperNavn", period.creator.name),
            ("beskrivelse", period.creator.description),
        ],
    )
    part = b.add(root, "arkivdel")
    b.fields(
        part,
        [
            ("systemID", arkivdel_id),
            ("tittel", f"{period.archive_title} {period.year}"),
            ("arkivdelstatus", "Avsluttet periode"),
            ("dokumentmedium", "Elektronisk arkiv"),
            ("opprettetDato", made),
            ("opprettetAv", by),
            ("avsluttetDato", made),
            ("avsluttetAv", by),
            ("arkivperiodeStartDato", xs_date(period.start)),
            ("arkivperiodeSluttDato", xs_date(period.end)),
        ],
    )
    for case, entries in cases:
        write_case(b, part, period, case, entries, files)
    return to_bytes(root)


def write_case(b, parent, period, case: CaseFile, entries, files) -> None:
    folder = b.add(parent, "mappe")
    folder.set(f"{{{XSI}}}type", "saksmappe")
    closed = case.closed_at or period.made_at
    b.fields(
        folder,
        [
            ("systemID", str(case.system_id)),
            ("mappeID", case.number),
            ("tittel", case.title),
            ("offentligTittel", case.public_title),
            ("dokumentmedium", "Elektronisk arkiv"),
            ("opprettetDato", xs_datetime(case.created_at)),
            ("opprettetAv", case.responsible),
            # Required in v5.0: a case still open is closed for this period
            # (a soft split, "mykt skille", carries it on in the next one).
            ("avsluttetDato", xs_datetime(closed)),
            ("avsluttetAv", period.made_by),
        ],
    )
    for entry in entries:
        write_entry(b, folder, period, entry, files.get(entry.pk))
    b.fields(
        folder,
        [
            ("saksaar", case.year),
            ("sakssekvensnummer", case.sequence),
            ("saksdato", xs_date(case.opened_on)),
            ("administrativEnhet", period.creator.description or period.creator.name),
            ("saksansvarlig", case.responsible),
            ("saksstatus", "Avsluttet" if case.closed_at else "Under behandling"),
        ],
    )


def write_entry(b, parent, period, entry: RegistryEntry, file: FileRef | None) -> None:
    reg = b.add(parent, "registrering")
    reg.set(f"{{{XSI}}}type", "journalpost")
    by = str(entry.registered_by) if entry.registered_by_id else period.made_by
    archived = file.created if file else entry.created_at
    b.fields(
        reg,
        [
            ("systemID", str(entry.system_id)),
            ("opprettetDato", xs_datetime(entry.created_at)),
            ("opprettetAv", by),
            ("arkivertDato", xs_datetime(archived)),
            ("arkivertAv", by),
        ],
    )
    screening(b, reg, entry)
    if file is not None:
        write_document(b, reg, entry, file, by)
    b.fields(
        reg,
        [
            ("registreringsID", entry.reference),
            ("tittel", entry.title),
            ("offentligTittel", entry.shown_title),
            ("dokumentmedium", "Elektronisk arkiv"),
        ],
    )
    party = b.add(reg, "korrespondansepart")
    b.add(party, "korrespondanseparttype", PARTY_TYPES[entry.entry_type])
    b.add(party, "korrespondansepartNavn", entry.party_name)
    b.fields(
        reg,
        [
            ("journalaar", entry.journal_year),
            ("journalsekvensnummer", entry.journal_sequence),
            ("journalpostnummer", entry.number),
            ("journalposttype", ENTRY_TYPES[entry.entry_type]),
            ("journalstatus", journal_status(entry, file)),
            ("journaldato", xs_date(entry.journal_date)),
            ("dokumentetsDato", xs_date(entry.document_date)),
        ],
    )
    if entry.received_on:
        b.add(reg, "mottattDato", xs_datetime(_midday(entry.received_on)))
    elif entry.entry_type == EntryType.OUTGOING and file is not None:
        b.add(reg, "sendtDato", xs_datetime(file.created))


def _midday(day):
    import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def write_document(b, reg, entry: RegistryEntry, file: FileRef, by: str) -> None:
    desc = b.add(reg, "dokumentbeskrivelse")
    b.fields(
        desc,
        [
            ("systemID", str(entry.description_system_id)),
            ("dokumenttype", "Brev"),
            ("dokumentstatus", FINISHED),
            ("tittel", entry.title),
            ("opprettetDato", xs_datetime(file.created)),
            ("opprettetAv", by),
            ("dokumentmedium", "Elektronisk arkiv"),
            ("tilknyttetRegistreringSom", "Hoveddokument"),
            ("dokumentnummer", 1),
            ("tilknyttetDato", xs_datetime(file.created)),
            ("tilknyttetAv", by),
        ],
    )
    screening(b, desc, entry)
    obj = b.add(desc, "dokumentobjekt")
    b.fields(
        obj,
        [
            ("systemID", str(entry.object_system_id)),
            ("versjonsnummer", 1),
            ("variantformat", "Arkivformat"),
            ("format", file.format),
            ("formatDetaljer", file.format_details),
            ("opprettetDato", xs_datetime(file.created)),
            ("opprettetAv", by),
            ("referanseDokumentfil", file.path),
            ("sjekksum", file.sha256),
            ("sjekksumAlgoritme", "SHA-256"),
            ("filstoerrelse", file.size),
        ],
    )
