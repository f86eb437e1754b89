"""The archive (Noark 5 v5.0): letters journaled once under the household's
case file, incoming documents registered with their checksum, the public
journal masked, and the extraction, every XML file validated against
Arkivverket's published schemas (https://schema.arkivverket.no/N5/v5.0/).

The schemas ship in archive/noark/schemas/ (a government work, free to
redistribute); NOARK_SCHEMA_DIR points at another copy.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from archive.models import MASK, CaseFile, EntryType, RegistryEntry
from archive.noark.common import schema_dir
from archive.services import journal_letter, journal_missing_letters, mask_names, register_incoming
from housing_office.models import Job, PersonalDataAccess
from letters.models import Letter, LetterStatus
from letters.summons import create_summons_batch

from . import factories

pytestmark = pytest.mark.django_db
NOARK_XML = ("arkivstruktur.xml", "endringslogg.xml", "loependeJournal.xml", "offentligJournal.xml")
SCHEMA_OF = {
    "arkivstruktur.xml": "arkivstruktur.xsd",
    "endringslogg.xml": "endringslogg.xsd",
    "loependeJournal.xml": "loependeJournal.xsd",
    "offentligJournal.xml": "offentligJournal.xsd",
    "arkivuttrekk.xml": "addml.xsd",
}
PDF = b"%PDF-1.7\n% incoming application\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def schemas() -> dict[str, etree.XMLSchema]:
    folder = schema_dir()
    if not folder.is_dir():
        pytest.skip(
            f"The Noark 5 v5.0 schemas are not at {folder}: set NOARK_SCHEMA_DIR to the folder of "
            "arkivstruktur.xsd, metadatakatalog.xsd, … (github.com/arkivverket/schemas, N5/v5.0)"
        )
    return {xml: etree.XMLSchema(etree.parse(str(folder / xsd))) for xml, xsd in SCHEMA_OF.items()}


def assert_valid(schemas, name: str, data: bytes) -> etree._Element:
    doc = etree.fromstring(data)
    schema = schemas[name]
    assert schema.validate(doc), f"{name}: {schema.error_log}"
    return doc


def household_named(municipality, first="Åse", last="Ødegård"):
    household = factories.HouseholdFactory(municipality=municipality, postal_place="SKIEN")
    factories.PersonFactory(household=household, first_name=first, last_name=last, role="main")
    return household


def next_monday() -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=14)
    while day.weekday() or day.month in (4, 5, 12):
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def summon(municipality, user, households, capture):
    with capture(execute=True):
        return create_summons_batch(
            municipality=municipality,
            by=user,
            household_ids=[h.pk for h in households],
            caseworkers=[user],
            place="Rådhuset",
            first=next_monday(),
            minutes=45,
        )


@pytest.fixture
def summoned(municipality, caseworker_user, django_capture_on_commit_callbacks):
    households = [household_named(municipality), household_named(municipality, "Per", "Hansen")]
    batch = summon(municipality, caseworker_user, households, django_capture_on_commit_callbacks)
    return list(Letter.all_objects.filter(batch_key=batch.batch_key).order_by("pk"))


def incoming(household, user, **kwargs):
    options = {
        "title": "Søknad om startlån fra Åse Ødegård",
        "received_on": timezone.localdate(),
        "sender": "Åse Ødegård",
        "upload": SimpleUploadedFile("soknad.pdf", PDF, content_type="application/pdf"),
        "by": user,
    }
    options.update(kwargs)
    return register_incoming(household, **options)


# --- Letters in the journal -------------------------------------------------------


def test_a_summons_letter_is_journaled_once_and_prints_the_case_files_reference(summoned, tmp_path):
    letter = summoned[0]
    entry = RegistryEntry.all_objects.get(letter=letter)
    case = entry.case_file
    assert case.household_id == letter.household_id
    assert entry.entry_type == EntryType.OUTGOING and entry.screened  # the summons kind is exempt
    assert entry.reference == f"{case.year}/{case.sequence}-1"
    assert letter.status == LetterStatus.RENDERED
    assert letter.archive_reference == entry.reference == letter.context["archive_reference"]
    pdf = tmp_path / "l.pdf"
    with letter.pdf.open("rb") as handle:
        pdf.write_bytes(handle.read())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert entry.reference in text
    # Journaling again, by either path, finds the first entry.
    assert journal_letter(letter) == entry
    assert journal_missing_letters(letter.municipality) == 0
    assert RegistryEntry.all_objects.filter(letter=letter).count() == 1
    # Two households, two case files with their own sequence; journal numbers run on.
    second = RegistryEntry.all_objects.get(letter=summoned[1])
    assert second.case_file != case and second.case_file.sequence == case.sequence + 1
    assert second.journal_sequence == entry.journal_sequence + 1


def test_a_letter_saved_one_by_one_is_journaled_once(municipality):
    household = household_named(municipality)
    letter = factories.LetterFactory(household=household, context={"archive_reference": ""})
    entry = RegistryEntry.all_objects.get(letter=letter)
    letter.refresh_from_db()
    assert letter.archive_reference == entry.reference == letter.context["archive_reference"]
    letter.save()
    assert RegistryEntry.all_objects.filter(letter=letter).count() == 1
    # A second letter goes to the same case file, the next number.
    other = factories.LetterFactory(household=household, template=letter.template)
    assert RegistryEntry.all_objects.get(letter=other).number == 2
    assert CaseFile.all_objects.filter(household=household).count() == 1


def test_letters_are_journaled_in_bulk_on_their_own_days_in_constant_queries(
    municipality, other_municipality, django_assert_max_num_queries
):
    """The demo's history and a big batch: any number of letters, no query
    per letter; each on the day it was made, numbered in that year's journal
    in the order made; each municipality its own numbers."""
    from archive.services import journal_new_letters

    templates = {}

    def unjournaled(m, day, first="Åse"):
        extra = {"template": templates[m.pk]} if m.pk in templates else {}
        letter = factories.LetterFactory(household=household_named(m, first), context={}, **extra)
        templates.setdefault(m.pk, letter.template)
        RegistryEntry.all_objects.filter(letter=letter).delete()
        CaseFile.all_objects.filter(household=letter.household).delete()
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        Letter.all_objects.filter(pk=letter.pk).update(created_at=moment)
        letter.refresh_from_db()
        return letter

    days = [datetime.date(2019, 3, d) for d in (5, 1, 3)] + [datetime.date(2020, 1, 2)] * 3
    letters = [unjournaled(municipality, day, f"Navn{i}") for i, day in enumerate(days)]
    foreign = unjournaled(other_municipality, datetime.date(2019, 2, 1))
    # A few queries per municipality and per number series and year (the
    # row locks), none per letter: 7 letters here, 238 in the demo.
    with django_assert_max_num_queries(75):
        entries = journal_new_letters([*letters, foreign])
    assert len(entries) == 7 and RegistryEntry.all_objects.count() == 7
    mine = sorted((entries[x.pk] for x in letters), key=lambda e: (e.journal_year, e.journal_sequence))
    assert [(e.journal_date, e.journal_sequence) for e in mine] == [
        (datetime.date(2019, 3, 1), 1),
        (datetime.date(2019, 3, 3), 2),
        (datetime.date(2019, 3, 5), 3),
        (datetime.date(2020, 1, 2), 1),
        (datetime.date(2020, 1, 2), 2),
        (datetime.date(2020, 1, 2), 3),
    ]
    assert all(e.document_date == e.journal_date for e in mine)
    assert (entries[foreign.pk].journal_year, entries[foreign.pk].journal_sequence) == (2019, 1)
    assert entries[foreign.pk].municipality_id == other_municipality.pk
    # Each household's case file opened on its first letter's day, in that year.
    case = entries[letters[1].pk].case_file
    assert (case.year, case.opened_on) == (2019, datetime.date(2019, 3, 1))
    # A pending letter prints the journal's reference; journaling again adds nothing.
    letters[0].refresh_from_db()
    assert letters[0].archive_reference == entries[letters[0].pk].reference
    assert journal_new_letters(letters) == {x.pk: entries[x.pk] for x in letters}
    assert RegistryEntry.all_objects.count() == 7


# --- Incoming documents and the case file page ----------------------------------------


def test_caseworker_registers_an_incoming_document(caseworker_client, caseworker_user, municipality):
    household = household_named(municipality)
    url = reverse("archive:case-file", args=[household.pk])
    assert caseworker_client.get(url).status_code == 200
    response = caseworker_client.post(
        url,
        {
            "title": "Klage på vedtak fra Åse Ødegård",
            "received_on": timezone.localdate().isoformat(),
            "sender": "Åse Ødegård",
            "screened": "on",
            "document": SimpleUploadedFile("klage.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    entry = RegistryEntry.all_objects.get()
    assert entry.entry_type == EntryType.INCOMING
    assert entry.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert entry.public_title == f"Klage på vedtak fra {MASK}"
    page = caseworker_client.get(url).content.decode()
    assert entry.reference in page and "Klage på vedtak" in page
    download = caseworker_client.get(reverse("archive:document-download", args=[entry.pk]))
    assert download.content == PDF
    assert PersonalDataAccess.objects.filter(household=household).count() == 1


def test_a_resent_upload_registers_the_document_once(caseworker_client, municipality):
    household = household_named(municipality)
    url = reverse("archive:case-file", args=[household.pk])
    page = caseworker_client.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    def send():
        return caseworker_client.post(
            url,
            {
                "token": token,
                "title": "Søknad om kommunal bolig",
                "received_on": timezone.localdate().isoformat(),
                "sender": "Åse Ødegård",
                "screened": "on",
                "document": SimpleUploadedFile("s.pdf", PDF, content_type="application/pdf"),
            },
        )

    assert send().status_code == 302
    assert send().status_code == 302
    assert RegistryEntry.all_objects.count() == 1


def test_the_household_page_links_its_case_file(caseworker_client, municipality):
    household = household_named(municipality)
    page = caseworker_client.get(reverse("tenants:household-detail", args=[household.pk])).content.decode()
    assert f'href="{reverse("archive:case-file", args=[household.pk])}"' in page


def test_a_file_that_is_not_a_pdf_is_refused(caseworker_client, municipality):
    household = household_named(municipality)
    response = caseworker_client.post(
        reverse("archive:case-file", args=[household.pk]),
        {
            "title": "x",
            "received_on": timezone.localdate().isoformat(),
            "sender": "y",
            "document": SimpleUploadedFile("a.pdf", b"MZ not a pdf"),
        },
    )
    assert response.status_code == 400
    assert not RegistryEntry.all_objects.exists()


def test_an_altered_document_is_not_handed_out(caseworker_client, caseworker_user, municipality):
    entry = incoming(household_named(municipality), caseworker_user)
    Path(entry.document.path).write_bytes(PDF + b"changed")
    assert caseworker_client.get(reverse("archive:document-download", args=[entry.pk])).status_code == 404


def test_another_municipalitys_case_file_and_document_are_404(
    client, other_caseworker, municipality, caseworker_user
):
    household = household_named(municipality)
    entry = incoming(household, caseworker_user)
    client.force_login(other_caseworker)
    assert client.get(reverse("archive:case-file", args=[household.pk])).status_code == 404
    assert client.get(reverse("archive:document-download", args=[entry.pk])).status_code == 404


# --- The public journal ----------------------------------------------------------------


def test_mask_names_takes_whole_names_in_any_case():
    assert (
        mask_names("Søknad fra ÅSE Ødegård og Åse", ["Åse Ødegård", "Åse"]) == f"Søknad fra {MASK} og {MASK}"
    )
    assert mask_names("Åsen skole", ["Åse"]) == "Åsen skole"


def test_public_journal_masks_screened_names(leader_client, caseworker_user, municipality, schemas):
    household = household_named(municipality)
    incoming(household, caseworker_user)
    incoming(
        household,
        caseworker_user,
        title="Høringssvar om boligplan",
        sender="Skien Boligbyggelag",
        screened=False,
    )
    factories.LetterFactory(household=household)
    today = timezone.localdate().isoformat()
    url = reverse("archive:public-journal")
    page = leader_client.get(url, {"start": today, "end": today}).content.decode()
    assert "Ødegård" not in page
    assert MASK in page and "Søknad om startlån fra" in page
    assert "Skien Boligbyggelag" in page  # not screened: shown
    csv = leader_client.get(url, {"start": today, "end": today, "format": "csv"}).content.decode("utf-8-sig")
    assert "Ødegård" not in csv and MASK in csv and len(csv.strip().splitlines()) == 5
    xml = leader_client.get(url, {"start": today, "end": today, "format": "xml"}).content
    assert "Ødegård" not in xml.decode()
    doc = assert_valid(schemas, "offentligJournal.xml", xml)
    assert len(doc.findall("{*}journalregistrering")) == 3


def test_reading_the_public_journal_writes_nothing(leader_client, municipality, caseworker_user):
    household = household_named(municipality)
    letter = factories.LetterFactory(household=household)
    RegistryEntry.all_objects.filter(letter=letter).delete()  # as made before the archive existed
    url = reverse("archive:public-journal")
    page = leader_client.get(url).content.decode()
    assert "1 brev er ikke journalført ennå" in page
    assert not RegistryEntry.all_objects.exists()
    response = leader_client.post(url)
    assert response.status_code == 302
    entry = RegistryEntry.all_objects.get(letter=letter)
    # The first view (no period asked for) lists the last seven days, with
    # the downloads for that period.
    page = leader_client.get(url).content.decode()
    assert "ikke journalført" not in page
    assert entry.reference in page and "format=xml" in page
    assert reverse("archive:extraction") in page


def test_public_journal_and_extraction_are_for_the_leader(caseworker_client):
    assert caseworker_client.get(reverse("archive:public-journal")).status_code == 403
    assert caseworker_client.get(reverse("archive:extraction")).status_code == 403


# --- The extraction ----------------------------------------------------------------------


def check_package(folder: Path, schemas) -> dict[str, etree._Element]:
    docs = {name: assert_valid(schemas, name, (folder / name).read_bytes()) for name in SCHEMA_OF}
    for xsd in ("arkivstruktur.xsd", "metadatakatalog.xsd", "addml.xsd"):
        assert (folder / xsd).read_bytes() == (schema_dir() / xsd).read_bytes()
    ns = {"n": "http://www.arkivverket.no/standarder/noark5/arkivstruktur"}
    objects = docs["arkivstruktur.xml"].findall(".//n:dokumentobjekt", ns)
    assert objects
    for obj in objects:
        path = folder / obj.findtext("n:referanseDokumentfil", namespaces=ns)
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == obj.findtext("n:sjekksum", namespaces=ns)
        assert int(obj.findtext("n:filstoerrelse", namespaces=ns)) == len(data)
    # The package description records every other file's checksum.
    addml = (folder / "arkivuttrekk.xml").read_text(encoding="utf-8")
    for name in NOARK_XML:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() in addml
    return docs


def test_the_command_writes_a_valid_extraction(
    summoned, caseworker_user, municipality, other_municipality, tmp_path, schemas
):
    household = Letter.all_objects.get(pk=summoned[0].pk).household
    entry = incoming(household, caseworker_user)
    foreign = incoming(household_named(other_municipality), factories.caseworker(other_municipality))
    out = tmp_path / "uttrekk"
    year = timezone.localdate().year
    printed = io.StringIO()
    call_command(
        "archive_extraction", municipality=municipality.number, year=year, output=str(out), stdout=printed
    )
    # The command checks the package against the schemas and says so.
    for name in SCHEMA_OF:
        assert f"{name}: valid against Noark 5 v5.0" in printed.getvalue()
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"arkivuttrekk.xml", *NOARK_XML} <= set(names)
    assert len([n for n in names if n.startswith("dokumenter/")]) == 3
    docs = check_package(out, schemas)
    structure = etree.tostring(docs["arkivstruktur.xml"], encoding="unicode")
    assert str(entry.system_id) in structure and str(foreign.system_id) not in structure
    assert "Utgående dokument" in structure and "Inngående dokument" in structure
    assert "<journalstatus>Arkivert</journalstatus>" in structure
    public = etree.tostring(docs["offentligJournal.xml"], encoding="unicode")
    assert "Ødegård" not in public and MASK in public
    # The systemIDs are the rows': a second extraction names every unit alike.
    again = tmp_path / "igjen"
    call_command("archive_extraction", municipality=municipality.number, year=year, output=str(again))
    ids = lambda folder: sorted(  # noqa: E731
        el.text for el in etree.parse(str(folder / "arkivstruktur.xml")).iter("{*}systemID")
    )
    assert ids(out) == ids(again)
    with pytest.raises(CommandError):
        call_command("archive_extraction", municipality=municipality.number, year=year, output=str(out))
    with pytest.raises(CommandError):
        call_command("archive_extraction", municipality="9999", year=year, output=str(tmp_path / "x"))


def test_an_empty_year_is_still_a_valid_package(municipality, tmp_path, schemas):
    """The journals need an entry (journalregistrering, minOccurs 1): a year
    without any leaves them out, and the package description says so."""
    out = tmp_path / "tom"
    call_command("archive_extraction", municipality=municipality.number, year=2001, output=str(out))
    for name in ("arkivstruktur.xml", "endringslogg.xml", "arkivuttrekk.xml"):
        assert_valid(schemas, name, (out / name).read_bytes())
    assert not (out / "loependeJournal.xml").exists()
    assert "loependeJournal" not in (out / "arkivuttrekk.xml").read_text(encoding="utf-8")


def test_the_leader_orders_an_extraction_as_a_job(
    leader_client, caseworker_user, municipality, tmp_path, schemas, django_capture_on_commit_callbacks
):
    incoming(household_named(municipality), caseworker_user)
    year = timezone.localdate().year
    assert leader_client.get(reverse("archive:extraction")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("archive:extraction"), {"year": year})
    job = Job.objects.get(kind="archive_extraction")
    assert response.status_code == 302 and job.state == "done", job.error
    download = leader_client.get(reverse("job-download", args=[job.pk]))
    data = b"".join(download.streaming_content) if download.streaming else download.content
    folder = tmp_path / "zip"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    check_package(folder, schemas)


def test_schema_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NOARK_SCHEMA_DIR", str(tmp_path))
    assert schema_dir() == tmp_path
    monkeypatch.delenv("NOARK_SCHEMA_DIR")
    shipped = schema_dir()
    assert shipped.parts[-3:] == ("archive", "noark", "schemas")
    assert (shipped / "arkivstruktur.xsd").is_file()
    assert os.environ.get("NOARK_SCHEMA_DIR") is None


# --- The demo: its history is in the archive ---------------------------------------------


class TestTheDemoArchive:
    """What a leader new to the demo finds: every letter the demo made (the
    summons letters of ten years, the arrears letters, the decisions) is in
    its household's case file and the journal of the year it was sent, and
    the year's extraction validates."""

    @pytest.fixture
    def seeded(self, shared_seed, db) -> str:
        return shared_seed

    def test_every_demo_letter_is_journaled_on_its_day_in_its_households_case_file(self, seeded):
        letters = list(
            Letter.all_objects.filter(municipality__number="3807")
            .select_related("registry_entry__case_file")
            .order_by("created_at")
        )
        assert {x.kind for x in letters} >= {"summons", "decision", "arrears_reminder"}
        years = set()
        for letter in letters:
            entry = letter.registry_entry
            day = timezone.localtime(letter.created_at).date()
            assert entry.case_file.household_id == letter.household_id
            assert (entry.journal_date, entry.journal_year, entry.document_date) == (day, day.year, day)
            assert entry.entry_type == EntryType.OUTGOING
            years.add(day.year)
            if letter.kind == "summons":
                # The letter prints the journal's reference, rendered or not.
                assert letter.archive_reference == entry.reference == letter.context["archive_reference"]
        assert len(years) > 5  # ten years of history, each in its own year's journal
        # Numbers run on in each year without a gap or a double.
        for year in years:
            numbers = sorted(
                RegistryEntry.all_objects.filter(municipality__number="3807", journal_year=year).values_list(
                    "journal_sequence", flat=True
                )
            )
            assert numbers == list(range(1, len(numbers) + 1))

    def test_the_leader_finds_a_summons_letter_in_the_case_file_and_the_public_journal(self, seeded, client):
        from housing_office.models import User

        letter = (
            Letter.all_objects.filter(
                municipality__number="3807", kind="summons", status=LetterStatus.PENDING
            )
            .select_related("registry_entry")
            .order_by("created_at")
            .first()
        )
        entry = letter.registry_entry
        client.force_login(User.objects.get(username="leder"))
        household_page = client.get(reverse("tenants:household-detail", args=[letter.household_id]))
        assert reverse("archive:case-file", args=[letter.household_id]) in household_page.content.decode()
        page = client.get(reverse("archive:case-file", args=[letter.household_id])).content.decode()
        assert entry.reference in page
        # An old letter never rendered opens all the same (rendered from its snapshot).
        download = client.get(reverse("archive:document-download", args=[entry.pk]))
        assert download.status_code == 200
        day = entry.journal_date.isoformat()
        journal = client.get(reverse("archive:public-journal"), {"start": day, "end": day}).content.decode()
        assert entry.reference in journal and entry.journal_number in journal
        assert "ikke journalført" not in journal

    def test_the_years_extraction_validates_with_every_letter_and_its_document(
        self, seeded, tmp_path, schemas
    ):
        # The oldest full year of the history: few letters, none rendered by the seed.
        entries = RegistryEntry.all_objects.filter(municipality__number="3807")
        year = min(entries.values_list("journal_year", flat=True)) + 1
        expected = RegistryEntry.all_objects.filter(municipality__number="3807", journal_year=year).count()
        assert expected
        out = tmp_path / "uttrekk"
        call_command("archive_extraction", municipality="3807", year=year, output=str(out))
        docs = check_package(out, schemas)
        ns = {"n": "http://www.arkivverket.no/standarder/noark5/arkivstruktur"}
        assert len(docs["arkivstruktur.xml"].findall(".//n:registrering", ns)) == expected
        assert len(list((out / "dokumenter").iterdir())) == expected
        assert "PDF/A-2a" in (out / "arkivstruktur.xml").read_text(encoding="utf-8")
