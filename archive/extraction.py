"""The archive extraction (*arkivuttrekk*) of a municipality's year: the
files `manage.py archive_extraction` and the leader's job write.

Every registry entry journaled in the year goes in, under its case file,
with its document in `dokumenter/<systemID of the document object>.pdf` and
the SHA-256 recorded when the document was archived. A document whose bytes
no longer match that checksum stops the extraction: an altered file is never
handed over as the original.
"""

from __future__ import annotations

import datetime
import io
import shutil
import zipfile
from collections import OrderedDict
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from housing_office.files import sha256_hex
from housing_office.models import Municipality
from letters.models import Letter, LetterStatus
from letters.tasks import CHUNK_SIZE, render_and_store

from .models import CaseFile, RegistryEntry
from .noark import addml, arkivstruktur, endringslogg, journals
from .noark.arkivstruktur import FileRef, archive_ids, journal_status
from .noark.common import PACKAGE_SCHEMAS, Creator, Period, schema_dir
from .services import document_of, journal_missing_letters

DOCUMENTS = "dokumenter"
JOURNALS = ("loependeJournal.xml", "offentligJournal.xml")


class ChecksumMismatch(RuntimeError):
    pass


def creator_of(municipality: Municipality) -> Creator:
    return Creator(
        ident=municipality.organisation_number or municipality.number,
        name=f"{municipality.name} kommune",
        description=municipality.office_name or "Boligkontoret",
    )


def period_of(municipality: Municipality, year: int, made_by: str = "") -> Period:
    return Period(
        municipality_number=municipality.number,
        year=year,
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        creator=creator_of(municipality),
        made_at=timezone.now(),
        made_by=made_by or "Boligkontoret",
        archive_title=f"{municipality.office_name or 'Boligkontoret'}, {municipality.name} kommune",
    )


def pdf_details(data: bytes) -> str:
    """What the PDF says it conforms to, from its XMP metadata."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            meta = pdf.open_metadata()
            parts = []
            if meta.get("pdfaid:part"):
                parts.append(
                    f"PDF/A-{meta.get('pdfaid:part')}{(meta.get('pdfaid:conformance') or '').lower()}"
                )
            if meta.get("pdfuaid:part"):
                parts.append(f"PDF/UA-{meta.get('pdfuaid:part')}")
            return f"PDF {pdf.pdf_version}" + (f" ({', '.join(parts)})" if parts else "")
    except Exception:  # noqa: BLE001 - the details are informative only
        return "PDF"


def render_waiting_letters(municipality: Municipality, year: int) -> int:
    """Render the year's journaled letters that are still waiting (a batch no
    worker has reached, the demo's older history, which renders a letter
    when it is first opened): the package carries every letter's archive
    copy, made from its snapshot as the letter was. Claimed in chunks as the
    batch workers claim them, so no letter is rendered twice."""
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Letter.all_objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    municipality=municipality,
                    status=LetterStatus.PENDING,
                    registry_entry__journal_year=year,
                )
                .select_related("template")
                .order_by("pk")[:CHUNK_SIZE]
            )
            if claimed:
                render_and_store(claimed)
        if not claimed:
            return done
        done += len(claimed)


def write_extraction(municipality: Municipality, year: int, output: Path, *, made_by: str = "") -> dict:
    """Write the year's extraction into `output` (made if missing); returns a summary."""
    journal_missing_letters(municipality)
    render_waiting_letters(municipality, year)
    output.mkdir(parents=True, exist_ok=True)
    (output / DOCUMENTS).mkdir(exist_ok=True)
    period = period_of(municipality, year, made_by)
    entries = list(
        RegistryEntry.all_objects.filter(municipality=municipality, journal_year=year)
        .select_related("case_file", "letter", "registered_by")
        .order_by("case_file__year", "case_file__sequence", "number")
    )
    cases: OrderedDict[int, tuple[CaseFile, list[RegistryEntry]]] = OrderedDict()
    files: dict[int, FileRef] = {}
    for entry in entries:
        cases.setdefault(entry.case_file_id, (entry.case_file, []))[1].append(entry)
        document = document_of(entry)
        if document is None:
            continue
        if sha256_hex(document.data) != document.sha256:
            raise ChecksumMismatch(f"{entry.reference}: the document does not match its checksum")
        path = f"{DOCUMENTS}/{entry.object_system_id}.pdf"
        (output / path).write_bytes(document.data)
        files[entry.pk] = FileRef(
            path=path,
            sha256=document.sha256,
            size=len(document.data),
            format="PDF",
            format_details=pdf_details(document.data),
            created=document.created,
        )
    by_journal = sorted(entries, key=lambda e: (e.journal_year, e.journal_sequence))
    written = {
        "arkivstruktur.xml": arkivstruktur.write(period, list(cases.values()), files),
        "endringslogg.xml": endringslogg.write(
            period,
            archive_ids(period)[1],
            [(str(e.system_id), "Journalført", journal_status(e, files.get(e.pk))) for e in entries],
        ),
    }
    # The journals need at least one entry (journalregistrering, minOccurs 1):
    # a year with none has no journal material, and the package leaves them out.
    if by_journal:
        written["loependeJournal.xml"] = journals.write(
            by_journal, period.start, period.end, period.creator, public=False
        )
        written["offentligJournal.xml"] = journals.write(
            by_journal, period.start, period.end, period.creator, public=True
        )
    for name, data in written.items():
        (output / name).write_bytes(data)
    checksums = {name: sha256_hex(data) for name, data in written.items()}
    schemas = schema_dir()
    for name in PACKAGE_SCHEMAS:
        source = schemas / name
        if name.replace(".xsd", ".xml") in JOURNALS and name.replace(".xsd", ".xml") not in written:
            continue
        if source.is_file():
            shutil.copyfile(source, output / name)
            checksums[name] = sha256_hex(source.read_bytes())
    counts = {
        "mappe": len(cases),
        "registrering": len(entries),
        "endring": written["endringslogg.xml"].count(b"<endring>"),
        "journalregistrering": len(entries),
    }
    (output / "arkivuttrekk.xml").write_bytes(
        addml.write(
            period,
            checksums=checksums,
            counts=counts,
            document_files=len(files),
            screened=any(e.screened for e in entries),
        )
    )
    return {"case_files": len(cases), "entries": len(entries), "documents": len(files)}


# Each XML file of a package and the v5.0 schema it is written against.
SCHEMA_OF = {
    "arkivstruktur.xml": "arkivstruktur.xsd",
    "endringslogg.xml": "endringslogg.xsd",
    "loependeJournal.xml": "loependeJournal.xsd",
    "offentligJournal.xml": "offentligJournal.xsd",
    "arkivuttrekk.xml": "addml.xsd",
}


def validate_package(folder: Path) -> dict[str, list[str]]:
    """Check each XML file of the package in `folder` against its Noark 5
    v5.0 schema (the schema folder's copy): the file's name → its errors,
    none for a valid file. A journal left out (a year without entries) is
    not listed."""
    from lxml import etree

    found: dict[str, list[str]] = {}
    for name, xsd in SCHEMA_OF.items():
        if not (folder / name).is_file():
            continue
        schema = etree.XMLSchema(etree.parse(str(schema_dir() / xsd)))
        valid = schema.validate(etree.parse(str(folder / name)))
        found[name] = [] if valid else [str(error) for error in schema.error_log]
    return found


def zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()
