"""Letter templates, their checks, the rendered PDFs and the archive rules."""

from __future__ import annotations

import datetime
import io
import re
import struct
import subprocess
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from housing_office.files import sha256_hex
from housing_office.models import PersonalDataAccess
from letters import engine, letter_templates, rendering
from letters.models import ImmutableLetterError, Letter, LetterStatus, LetterTemplate, SummonsBatch
from letters.summons import SUMMONS, create_summons_batch, sample_context

from . import factories

pytestmark = pytest.mark.django_db

NATIONAL_ID = "17058510068"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def read_pdf(letter) -> bytes:
    with letter.pdf.open("rb") as handle:
        return handle.read()


def pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdfinfo(data: bytes, tmp_path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def pdffonts(data: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def household_with_people(municipality, **kwargs):
    household = factories.HouseholdFactory(
        municipality=municipality,
        address="Søndre Åsvei 7",
        postal_code="3717",
        postal_place="SKIEN",
        **kwargs,
    )
    factories.PersonFactory(
        household=household, first_name="Åse", last_name="Ødegård", national_id=NATIONAL_ID, role="main"
    )
    return household


def next_monday() -> datetime.datetime:
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday() + 7)
    # Avoid the Easter and Christmas weeks so the first slot is predictable.
    while monday.month in (4, 12) or monday.month == 5 and monday.day < 20:
        monday += datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10, 0)))


def summon(municipality, user, households, django_capture_on_commit_callbacks, **kwargs) -> SummonsBatch:
    options = {
        "municipality": municipality,
        "by": user,
        "household_ids": [h.pk for h in households],
        "caseworkers": [user],
        "place": "Rådhuset, møterom Ibsen",
        "first": next_monday(),
        "minutes": 45,
    }
    options.update(kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        return create_summons_batch(**options)


# --- Templates -----------------------------------------------------------------


def test_default_templates_are_made_once_in_both_languages(municipality):
    created = letter_templates.ensure_default_templates(municipality)
    # Every registered kind (the summons and the arrears letters) in both målformer.
    assert sorted((t.kind, t.language, t.version) for t in created if t.kind == "summons") == [
        ("summons", "nb", 1),
        ("summons", "nn", 1),
    ]
    kinds = {t.kind for t in created}
    assert sorted((t.kind, t.language) for t in created) == sorted(
        (kind, language) for kind in kinds for language in ("nb", "nn")
    )
    assert letter_templates.ensure_default_templates(municipality) == []
    assert LetterTemplate.all_objects.filter(municipality=municipality).count() == len(created)
    nynorsk = LetterTemplate.all_objects.get(municipality=municipality, language="nn", kind="summons")
    assert "bustaden" in nynorsk.subject
    assert "Treng {{ du }} tolk?" in nynorsk.body


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_default_templates_pass_their_own_checks(municipality, language):
    body = letter_templates.default_template_body("summons", language)
    subject = SUMMONS.subjects[language]
    letter_templates.check_template(subject, body, municipality=municipality, language=language)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<p>Hei {{ fodselsnummer }}</p>", "«fodselsnummer», som ikke finnes"),
        # In a branch the sample data never takes: found by reading the template.
        ("{% if interpreter_language %}<p>Tolk</p>{% else %}<p>{{ navn }}</p>{% endif %}", "«navn»"),
        ("{% if not_a_variable %}<p>x</p>{% endif %}", "«not_a_variable»"),
        ("<p>{{ recipient_name.etternavn }}</p>", "ukjent felt"),
        ("<p>{{ caseworker_email|default:x }}</p>", "«x»"),
        ("<p>{% if recipient_name %}Hei</p>", "feil i malkoden"),
        ("<p>{{ recipient_name|ukjentfilter }}</p>", "feil i malkoden"),
        ('{% include "base.html" %}', "{% include %} kan ikke brukes"),
        ("{% load static %}<p>x</p>", "feil i malkoden"),
        ("<p>Hei <strong>{{ recipient_name }}</p>", "HTML-feil: </p> på linje 1 kommer før <strong>"),
        ("<div><p>Hei</p>", "HTML-feil: <div> fra linje 1 er ikke lukket"),
        ("<p>Hei</p></div>", "lukker ingen åpen"),
        ("<p>Hei</p><script>alert(1)</script>", "<script> er ikke tillatt"),
        ('<p onclick="x()">Hei</p>', "onclick er ikke tillatt"),
        ('<img src="https://example.com/x.png" alt="">', "Bilder kan ikke settes inn i brevmaler"),
        ('<p><a href="media:logos/x.png">x</a></p>', "Brevmaler kan ikke hente filer"),
        ('<p id="letter-1">x</p>', "Attributtet id er ikke tillatt"),
    ],
)
def test_a_template_that_cannot_make_a_letter_is_refused_with_the_reason(municipality, body, message):
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template("Innkalling", body, municipality=municipality, language="nb")
    assert message in refused.value.messages[0]


def test_loop_and_with_variables_are_allowed(municipality):
    body = (
        "{% with navn=recipient_name %}<p>{{ navn|upper }}</p>{% endwith %}"
        '<ul>{% for ord in "abc" %}<li>{{ ord }} {{ forloop.counter }}</li>{% endfor %}</ul>'
        "<p>{{ caseworker_email|default:office_phone }}<br></p>"
    )
    letter_templates.check_template(
        "Til {{ recipient_name }}", body, municipality=municipality, language="nb"
    )


def test_subject_is_checked_too(municipality):
    with pytest.raises(engine.TemplateRefused, match="«saksnummer»"):
        letter_templates.check_template(
            "Sak {{ saksnummer }}", "<p>Hei</p>", municipality=municipality, language="nb"
        )
    with pytest.raises(engine.TemplateRefused, match="overskrift"):
        letter_templates.check_template("  ", "<p>Hei</p>", municipality=municipality, language="nb")


def test_saving_makes_a_new_version_and_leaves_the_old(municipality, leader_user):
    letter_templates.ensure_default_templates(municipality)
    old = letter_templates.current_template(municipality, "summons", "nb")
    new = letter_templates.save_template_version(
        municipality=municipality,
        kind="summons",
        language="nb",
        subject="Ny overskrift",
        body="<p>Hei {{ recipient_name }}</p>",
        by=leader_user,
    )
    assert new.version == 2 and new.pk != old.pk
    old.refresh_from_db()
    assert old.version == 1 and "Tid og sted" in old.body
    assert letter_templates.current_template(municipality, "summons", "nb") == new


# --- Template pages --------------------------------------------------------------


def test_template_pages_are_for_the_leader(caseworker_client, municipality):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    assert caseworker_client.get(reverse("letters:template-list")).status_code == 403
    assert caseworker_client.get(reverse("letters:template-edit", args=[template.pk])).status_code == 403
    assert caseworker_client.get(reverse("letters:template-preview", args=[template.pk])).status_code == 403


def test_leader_edits_a_template_in_the_browser(leader_client, municipality):
    response = leader_client.get(reverse("letters:template-list"))
    assert response.status_code == 200
    template = letter_templates.current_template(municipality, "summons", "nn")
    assert reverse("letters:template-edit", args=[template.pk]) in response.content.decode()

    url = reverse("letters:template-edit", args=[template.pk])
    page = leader_client.get(url)
    assert page.status_code == 200
    assert "[mottakers navn]" in page.content.decode()

    response = leader_client.post(url, {"subject": "Invitasjon", "body": "<p>Hei, {{ recipient_name }}!</p>"})
    new = letter_templates.current_template(municipality, "summons", "nn")
    assert new.version == 2
    assert response.status_code == 302 and response["Location"] == reverse(
        "letters:template-edit", args=[new.pk]
    )
    assert new.created_by.username == "leder"


def test_a_broken_template_is_refused_on_save_with_the_reason(leader_client, municipality):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-edit", args=[template.pk])
    response = leader_client.post(url, {"subject": "Invitasjon", "body": "<p>Hei {{ personnummer }}</p>"})
    assert response.status_code == 400
    assert "«personnummer», som ikke finnes" in response.content.decode()
    response = leader_client.post(url, {"subject": "Invitasjon", "body": "<p>{% if %}</p>"})
    assert response.status_code == 400
    assert "feil i malkoden" in response.content.decode()
    summons_nb = LetterTemplate.all_objects.filter(municipality=municipality, language="nb", kind="summons")
    assert summons_nb.count() == 1


def test_preview_is_a_pdf_of_the_saved_or_the_unsaved_text(leader_client, municipality, tmp_path):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-preview", args=[template.pk])
    response = leader_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdftotext(response.content, tmp_path)
    assert "Kari Nordmann" in text and "Tid og sted" in text

    draft = leader_client.post(
        url, {"subject": "Utkast", "body": "<p>Hei, {{ recipient_name }}! Prøv æøå.</p>"}
    )
    assert draft.status_code == 200
    assert "Prøv æøå" in pdftotext(draft.content, tmp_path)
    broken = leader_client.post(url, {"subject": "Utkast", "body": "<p>{{ ukjent }}</p>"})
    assert broken.status_code == 400 and "«ukjent»" in broken.content.decode()
    summons_nb = LetterTemplate.all_objects.filter(municipality=municipality, language="nb", kind="summons")
    assert summons_nb.count() == 1


def test_another_municipalitys_template_is_404(leader_client, other_municipality):
    letter_templates.ensure_default_templates(other_municipality)
    theirs = letter_templates.current_template(other_municipality, "summons", "nb")
    assert leader_client.get(reverse("letters:template-edit", args=[theirs.pk])).status_code == 404
    assert leader_client.get(reverse("letters:template-preview", args=[theirs.pk])).status_code == 404


def count_queries(client, url, **kwargs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **kwargs).status_code == 200
    return len(queries)


def test_template_list_queries_do_not_grow(leader_client, leader_user, municipality, monkeypatch):
    """The list's query count is the same for one letter kind as for every
    kind the apps register, and stays so as versions are saved."""
    from letters import kinds

    url = reverse("letters:template-list")
    every_kind = dict(kinds.KINDS)
    assert len(every_kind) > 3
    # The office as it would be with only the summons registered.
    monkeypatch.setattr(kinds, "KINDS", {"summons": every_kind["summons"]})
    leader_client.get(url)  # the first visit makes the default templates
    with_one_kind = count_queries(leader_client, url)
    assert LetterTemplate.objects.filter(municipality=municipality).count() == 2  # bokmål and nynorsk

    monkeypatch.setattr(kinds, "KINDS", every_kind)
    leader_client.get(url)
    html = leader_client.get(url).content.decode()
    assert html.count('<th scope="row">') == LetterTemplate.objects.filter(municipality=municipality).count()
    # Subjects as the leader writes them, not the template underneath.
    assert "Invitasjon til en samtale om boligen [din]" in html and "{{" not in html
    assert count_queries(leader_client, url) == with_one_kind

    for i in range(5):
        letter_templates.save_template_version(
            municipality=municipality,
            kind="summons",
            language="nb",
            subject=f"V{i}",
            body="<p>x</p>",
            by=leader_user,
        )
    html = leader_client.get(url).content.decode()
    assert "(6 versjoner)" in html and html.count("V4") == 1
    assert count_queries(leader_client, url) == with_one_kind <= 12


# --- The rendered letter -------------------------------------------------------


@pytest.fixture
def rendered(municipality, caseworker_user, django_capture_on_commit_callbacks):
    caseworker_user.first_name, caseworker_user.last_name, caseworker_user.phone = (
        "Kåre",
        "Bjørnstad",
        "35 58 22 33",
    )
    caseworker_user.save()
    household = household_with_people(municipality, interpreter_language="somali")
    batch = summon(municipality, caseworker_user, [household], django_capture_on_commit_callbacks)
    letter = Letter.all_objects.get(batch_key=batch.batch_key)
    return letter


def test_the_letter_says_what_the_household_needs_and_never_the_national_id(rendered, tmp_path):
    letter = rendered
    assert letter.status == LetterStatus.RENDERED
    data = read_pdf(letter)
    text = pdftotext(data, tmp_path)
    meeting = letter.meeting
    start = timezone.localtime(meeting.starts_at)
    assert "Åse Ødegård" in text
    assert "Søndre Åsvei 7" in text and "3717 SKIEN" in text
    assert re.search(rf"\b{start.day}\. \w+ {start.year}", text)
    assert f"{start:%H.%M}" in text and "Rådhuset, møterom Ibsen" in text
    assert "Kåre Bjørnstad" in text and "35 58 22 33" in text
    assert "somali" in text
    assert letter.archive_reference in text
    assert "Skien kommune" in text
    assert NATIONAL_ID not in text.replace(" ", "")
    assert NATIONAL_ID[:6] not in text.replace(" ", "")
    assert "Side 1 av 2" in text and "Side 2 av 2" in text
    # One recipient: «du»; the summons holds personal data, so it is marked.
    assert "Trenger du tolk?" in text
    assert "Unntatt offentlighet," in text and "offl. § 13 jf. fvl. § 13" in text.replace("\xa0", " ")


def test_the_pdf_is_a4_tagged_with_embedded_fonts_and_a_title(rendered, tmp_path):
    data = read_pdf(rendered)
    info = pdfinfo(data, tmp_path)
    assert re.search(r"Tagged:\s+yes", info)
    assert "A4" in info
    assert "Invitasjon til en samtale om boligen din" in info
    fonts = pdffonts(data, tmp_path)
    assert fonts and all("DejaVu" in row[0] for row in fonts)
    # Columns: name type encoding emb sub uni object ID; "emb" is yes for all.
    assert all(row[-5] == "yes" for row in fonts)


def test_archive_record_keeps_checksum_and_template_version(rendered):
    letter = rendered
    data = read_pdf(letter)
    assert letter.sha256 == sha256_hex(data)
    assert letter.template.version == 1
    assert letter.context["recipient_name"] == "Åse Ødegård"
    assert NATIONAL_ID not in str(letter.context)
    assert letter.rendered_at is not None


def test_a_rendered_letter_cannot_be_changed_or_deleted(rendered):
    letter = Letter.all_objects.get(pk=rendered.pk)
    letter.sha256 = "0" * 64
    with pytest.raises(ImmutableLetterError):
        letter.save()
    letter = Letter.all_objects.get(pk=rendered.pk)
    letter.pdf.name = "letters/other.pdf"
    with pytest.raises(ImmutableLetterError):
        letter.save(update_fields=["pdf"])
    letter = Letter.all_objects.get(pk=rendered.pk)
    letter.context["recipient_name"] = "Someone else"
    with pytest.raises(ImmutableLetterError):
        letter.save()
    with pytest.raises(ImmutableLetterError):
        Letter.all_objects.get(pk=rendered.pk).delete()
    # Fields outside the archive copy may still change.
    letter = Letter.all_objects.get(pk=rendered.pk)
    letter.archive_reference = "2031/1-1"
    letter.save(update_fields=["archive_reference"])


def test_a_pending_letter_may_change(municipality):
    letter = factories.LetterFactory(household__municipality=municipality)
    letter = Letter.all_objects.get(pk=letter.pk)
    letter.context = {"recipient_name": "Ny"}
    letter.save()
    letter.refresh_from_db()
    assert letter.context == {"recipient_name": "Ny"}


def test_nynorsk_for_a_household_that_wants_it(
    municipality, caseworker_user, django_capture_on_commit_callbacks, tmp_path
):
    household = household_with_people(municipality, letter_language="nn")
    batch = summon(municipality, caseworker_user, [household], django_capture_on_commit_callbacks)
    letter = Letter.all_objects.get(batch_key=batch.batch_key)
    assert letter.template.language == "nn"
    text = pdftotext(read_pdf(letter), tmp_path)
    assert "Invitasjon til ein samtale om bustaden din" in text
    assert "Sakshandsamar" in text
    assert re.search(r"(måndag|tysdag|onsdag|torsdag|fredag) \d+\.", text)


def test_the_municipalitys_malform_is_the_default(
    other_municipality, other_caseworker, django_capture_on_commit_callbacks
):
    other_municipality.written_language = "nn"
    other_municipality.save()
    nn = household_with_people(other_municipality)
    nb = household_with_people(other_municipality, letter_language="nb")
    batch = summon(other_municipality, other_caseworker, [nn, nb], django_capture_on_commit_callbacks)
    languages = dict(
        Letter.all_objects.filter(batch_key=batch.batch_key).values_list("household_id", "template__language")
    )
    assert languages == {nn.pk: "nn", nb.pk: "nb"}


def test_each_letter_in_a_chunk_numbers_its_own_pages(municipality, caseworker_user, tmp_path):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    short = letter_templates.save_template_version(
        municipality=municipality,
        kind="summons",
        language="nb",
        subject="Kort",
        body="<p>{{ recipient_name }}</p>",
        by=caseworker_user,
    )
    pages = []
    for i, tpl in enumerate([template, short, template]):
        context = sample_context(municipality, "nb")
        context["recipient_name"] = f"Mottaker {i}"
        subject, body = rendering.render_text(tpl, context)
        pages.append(
            rendering.LetterPage(key=str(i), language="nb", subject=subject, body=body, context=context)
        )
    pdfs = rendering.render_pdfs(pages)
    texts = [pdftotext(pdf, tmp_path) for pdf in pdfs]
    assert "Side 1 av 2" in texts[0] and "Side 2 av 2" in texts[0] and "Mottaker 0" in texts[0]
    assert "Side 1 av 1" in texts[1] and "Mottaker 1" in texts[1] and "Mottaker 0" not in texts[1]
    assert "Side 1 av 2" in texts[2] and "Mottaker 2" in texts[2]
    assert [re.search(r"Pages:\s+(\d+)", pdfinfo(pdf, tmp_path)).group(1) for pdf in pdfs] == ["2", "1", "2"]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x0b\x3d\x5c"))
        + chunk(b"IEND", b"")
    )


def test_logo_is_drawn_from_the_media_folder(municipality, tmp_path):
    from django.core.files.base import ContentFile

    municipality.logo.save("skien.png", ContentFile(tiny_png()), save=True)
    context = sample_context(municipality, "nb")
    assert context["logo"].startswith("logos/")
    page = rendering.LetterPage(key="x", language="nb", subject="S", body="<p>b</p>", context=context)
    html = rendering.layout_html([page])
    assert f'src="media:{context["logo"]}"' in html
    assert 'alt="Skien kommune"' in html
    path = tmp_path / "logo.pdf"
    path.write_bytes(rendering.render_pdfs([page])[0])
    images = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert len(images.splitlines()) == 3  # two header lines and the logo


# --- Downloads ------------------------------------------------------------------


def test_download_streams_the_pdf_and_logs_who(rendered, caseworker_client, caseworker_user):
    url = reverse("letters:letter-download", args=[rendered.pk])
    response = caseworker_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    log = PersonalDataAccess.all_objects.get()
    assert (log.user, log.action, log.household_id) == (
        caseworker_user,
        "download_letter",
        rendered.household_id,
    )
    caseworker_client.get(url)
    assert PersonalDataAccess.all_objects.count() == 2


def test_download_of_another_municipalitys_letter_is_404_and_not_logged(rendered, client, other_caseworker):
    client.force_login(other_caseworker)
    assert client.get(reverse("letters:letter-download", args=[rendered.pk])).status_code == 404
    assert PersonalDataAccess.all_objects.count() == 0


def test_a_pending_letter_is_rendered_when_first_opened(rendered, caseworker_client, municipality):
    pending = factories.LetterFactory(
        household__municipality=municipality, template=rendered.template, context=rendered.context
    )
    response = caseworker_client.get(reverse("letters:letter-download", args=[pending.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    pending.refresh_from_db()
    assert pending.status == LetterStatus.RENDERED and pending.sha256
    first_sha = pending.sha256
    # Opened again: the same archived file, not a new rendering.
    caseworker_client.get(reverse("letters:letter-download", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.sha256 == first_sha


def test_a_failed_or_tampered_letter_is_not_handed_out(rendered, caseworker_client, municipality):
    failed = factories.LetterFactory(
        household__municipality=municipality, template=rendered.template, status=LetterStatus.FAILED
    )
    assert caseworker_client.get(reverse("letters:letter-download", args=[failed.pk])).status_code == 404
    with open(rendered.pdf.path, "ab") as handle:
        handle.write(b"tampered")
    assert caseworker_client.get(reverse("letters:letter-download", args=[rendered.pk])).status_code == 404
    assert PersonalDataAccess.all_objects.count() == 0


def test_anonymous_download_goes_to_login(rendered, client):
    response = client.get(reverse("letters:letter-download", args=[rendered.pk]))
    assert response.status_code == 302


def test_a_letter_is_its_own_archive_copy_in_pdf_a_2a(rendered):
    """PDF/A-2 level A: the archive format, and tagged for screen readers."""
    import pikepdf

    from archive.extraction import pdf_details

    with rendered.pdf.open("rb") as stored:
        data = stored.read()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "A")
        root = pdf.Root
        assert "/StructTreeRoot" in root and root.MarkInfo.Marked
        assert str(root.Lang) == "nb"
        assert len(root.OutputIntents) == 1
        # Every font is embedded (PDF/A forbids relying on the reader's fonts).
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = descendant.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert "PDF/A-2a" in pdf_details(data)
