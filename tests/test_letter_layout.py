"""What a letter's reader meets on paper: the closing stays with the last
paragraph, several recipients are «dere», the confidentiality marking, and
the coat of arms in the letterhead. Checked in the extracted PDF text."""

from __future__ import annotations

import datetime
import re
import struct
import subprocess
import zlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from letters import letter_templates, rendering
from letters.models import LetterTemplate
from letters.summons import SUMMONS, sample_context
from tenants.models import PersonRole

from . import factories

pytestmark = pytest.mark.django_db

EXEMPT_NB = "Unntatt offentlighet, offl. § 13 jf. fvl. § 13"
EXEMPT_NN = "Unnateke offentlegheit, offl. § 13 jf. fvl. § 13"
MM = 72 / 25.4


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_pages(data: bytes, tmp_path, *, layout: bool = True) -> list[str]:
    """The text of each page (pdftotext -layout, or in reading order),
    whitespace folded."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [" ".join(page.replace("\xa0", " ").split()) for page in out.split("\f") if page.strip()]


def words_with_boxes(data: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """(word, x_min, y_min) in points for the first page."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        (m[3], float(m[1]), float(m[2]))
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)
    ]


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x0b\x3d\x5c" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def page_of(
    body: str, context: dict, key: str, *, language: str = "nb", subject: str = "Innkalling", **options
) -> rendering.LetterPage:
    draft = LetterTemplate(subject=subject, body=body, language=language)
    subject, rendered_body = rendering.render_text(draft, context)
    return rendering.LetterPage(
        key=key, language=language, subject=subject, body=rendered_body, context=context, **options
    )


# --- (a) The closing is never alone at the top of a page ---------------------------


CLOSING = (
    '<div class="closing"><p>Vi gleder oss til å snakke med {{ deg }}.</p>'
    '<p class="signature">Vennlig hilsen<br>{{ caseworker_name }}<br>{{ caseworker_title|capfirst }}</p>'
    "</div>"
)
# A template stored before the closing had its wrapper.
OLD_CLOSING = (
    "<p>Vi gleder oss til å snakke med {{ deg }}.</p>"
    '<p class="signature">Vennlig hilsen<br>{{ caseworker_name }}<br>{{ caseworker_title|capfirst }}</p>'
)


@pytest.mark.parametrize("closing", [CLOSING, OLD_CLOSING], ids=["wrapped", "stored-before"])
def test_the_closing_stays_with_the_last_paragraph(municipality, tmp_path, closing):
    context = sample_context(municipality, "nb")
    # One line paragraphs, one more each letter: one of them reaches the
    # page's end exactly where the signature would be cut off.
    pages = [
        page_of("".join(f"<p>Avsnitt {n}.</p>" for n in range(count)) + closing, context, str(count))
        for count in range(22, 34)
    ]
    broke_before_closing = 0
    for pdf in rendering.render_pdfs(pages):
        texts = pdf_pages(pdf, tmp_path)
        [closing_page] = [text for text in texts if "Vennlig hilsen" in text]
        assert "Vi gleder oss til å snakke med dere" in closing_page
        assert "Siri Saksbehandler" in closing_page
        # The closing is never all the page has: the last paragraph came along.
        body_part = closing_page.split("Innkalling", 1)[-1]
        assert body_part.index("Vi gleder oss") < body_part.index("Vennlig hilsen")
        if closing_page is not texts[0] and not re.search(r"Avsnitt \d+\. .*Vi gleder", closing_page):
            broke_before_closing += 1
    # The break really fell just before the closing in some of the letters.
    assert broke_before_closing >= 1


def test_the_default_letter_keeps_its_closing_together(municipality, tmp_path):
    """The shipped template, made long by a long place name and an extra paragraph."""
    body = letter_templates.default_template_body("summons", "nb")
    context = sample_context(municipality, "nb")
    pages = []
    for extra in range(0, 14):
        padded = body.replace('<div class="closing">', "<p>Ekstra.</p>" * extra + '<div class="closing">', 1)
        pages.append(page_of(padded, context, str(extra)))
    for pdf in rendering.render_pdfs(pages):
        texts = pdf_pages(pdf, tmp_path)
        [closing_page] = [text for text in texts if "Vennlig hilsen" in text]
        assert "Vi gleder oss til å snakke med dere" in closing_page


# --- (b) «du» to one, «dere» to several ------------------------------------------


def household(municipality, *, co_applicant: bool, language: str = ""):
    h = factories.HouseholdFactory(
        municipality=municipality,
        address="Søndre Åsvei 7",
        postal_code="3717",
        postal_place="SKIEN",
        letter_language=language,
    )
    factories.PersonFactory(household=h, first_name="Åse", last_name="Ødegård", role=PersonRole.MAIN)
    if co_applicant:
        factories.PersonFactory(
            household=h, first_name="Per", last_name="Ødegård", role=PersonRole.CO_APPLICANT
        )
    return h


def summons_page(municipality, caseworker, h, language: str, key: str) -> rendering.LetterPage:
    context = SUMMONS.build_context(
        household=h,
        municipality=municipality,
        caseworker=caseworker,
        starts_at=timezone.make_aware(datetime.datetime(2031, 1, 13, 10, 0)),
        duration_minutes=45,
        place="Rådhuset",
        letter_date=datetime.date(2031, 1, 2),
        archive_reference="2031/1-1",
        language=language,
    )
    body = letter_templates.default_template_body("summons", language)
    return page_of(body, context, key, language=language, subject=SUMMONS.subjects[language])


def test_two_recipients_are_dere_and_one_is_du_in_both_malformer(municipality, caseworker_user, tmp_path):
    cases = [("nb", True), ("nb", False), ("nn", True), ("nn", False)]
    pages = [
        summons_page(municipality, caseworker_user, household(municipality, co_applicant=two), lang, str(i))
        for i, (lang, two) in enumerate(cases)
    ]
    for page in pages:
        assert page.context["several_recipients"] is (page.key in ("0", "2"))
    texts = [" ".join(pdf_pages(pdf, tmp_path)) for pdf in rendering.render_pdfs(pages)]
    nb_two, nb_one, nn_two, nn_one = texts

    assert "Åse Ødegård og Per Ødegård" in nb_two
    for phrase in ("snakke med dere om hvordan dere bor", "Trenger dere tolk?", "leieavtalen deres",
                   "Dere møter", "skattemeldingen deres", "snakke med dere."):  # fmt: skip
        assert phrase in nb_two, phrase
    assert not re.search(r"\b(du|deg|din|ditt|dine)\b", nb_two.split("Slik behandler")[0], re.I)
    for phrase in ("snakke med deg om hvordan du bor", "Trenger du tolk?", "leieavtalen din", "Du møter"):
        assert phrase in nb_one, phrase
    # The heading too.
    assert "samtale om boligen deres" in nb_two and "samtale om boligen din" in nb_one
    assert "samtale om bustaden dykkar" in nn_two and "samtale om bustaden din" in nn_one

    for phrase in ("snakke med dykk om korleis de bur", "Treng de tolk?", "leigeavtalen dykkar",
                   "De møter", "Vi gler oss til å snakke med dykk."):  # fmt: skip
        assert phrase in nn_two, phrase
    assert not re.search(r"\b(du|deg|din|ditt|dine)\b", nn_two.split("Slik behandlar")[0], re.I)
    for phrase in ("snakke med deg om korleis du bur", "Treng du tolk?", "leigeavtalen din"):
        assert phrase in nn_one, phrase


# --- (c) Unntatt offentlighet ------------------------------------------------------


def test_a_summons_is_marked_exempt_from_public_access(municipality, caseworker_user, tmp_path):
    assert SUMMONS.exempt_from_public_access is True
    h = household(municipality, co_applicant=False)
    pages = [
        summons_page(municipality, caseworker_user, h, "nb", "nb"),
        summons_page(municipality, caseworker_user, h, "nn", "nn"),
    ]
    nb, nn = (pdf_pages(pdf, tmp_path, layout=False)[0] for pdf in rendering.render_pdfs(pages))
    assert EXEMPT_NB in nb and EXEMPT_NN in nn
    # In the reference block, above the date.
    assert nb.index(EXEMPT_NB) < nb.index("Vår dato")


def test_a_kind_without_personal_data_has_no_marking(municipality, tmp_path):
    context = sample_context(municipality, "nb")
    page = page_of("<p>Til alle leietakere.</p>", context, "x", exempt_from_public_access=False)
    [text] = pdf_pages(rendering.render_pdfs([page])[0], tmp_path, layout=False)
    assert "Unntatt offentlighet" not in text and "Vår dato" in text


# --- (d) The coat of arms in the letterhead -----------------------------------------


def name_position(pdf: bytes, tmp_path) -> tuple[float, float]:
    words = words_with_boxes(pdf, tmp_path)
    [(_, x, y)] = [w for w in words if w[0] == "Skien"][:1]
    return x, y


@pytest.mark.parametrize(("width", "height"), [(60, 72), (400, 40)], ids=["shield", "wide"])
def test_the_coat_of_arms_sits_beside_the_name(municipality, tmp_path, width, height):
    plain = page_of("<p>Brev.</p>", sample_context(municipality, "nb"), "plain")
    municipality.logo.save("vapen.png", ContentFile(png(width, height)), save=True)
    context = sample_context(municipality, "nb")
    with_logo = page_of("<p>Brev.</p>", context, "logo")
    assert rendering.layout_resources([with_logo]) == {f"media:{context['logo']}"}
    plain_pdf, logo_pdf = rendering.render_pdfs([plain, with_logo])

    # No logo: the name starts at the left margin (22 mm).
    x, _ = name_position(plain_pdf, tmp_path)
    assert x == pytest.approx(22 * MM, abs=1.5)
    # A logo: the name moves right by the logo's width (18 mm high, at most
    # 40 mm wide) and the 4 mm gap; the recipient's window does not move.
    x, _ = name_position(logo_pdf, tmp_path)
    logo_width = min(18 * width / height, 40)
    assert x == pytest.approx((22 + logo_width + 4) * MM, abs=2)

    path = tmp_path / "logo.pdf"
    path.write_bytes(logo_pdf)
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True)
    assert len(images.stdout.splitlines()) == 3  # two header lines and the logo

    plain_words = {w: (x, y) for w, x, y in words_with_boxes(plain_pdf, tmp_path)}
    logo_words = {w: (x, y) for w, x, y in words_with_boxes(logo_pdf, tmp_path)}
    assert plain_words["Eksempelveien"] == logo_words["Eksempelveien"]


def image_sizes(pdf: bytes, tmp_path) -> list[tuple[int, int]]:
    """(width, height) in pixels of each image drawn in the PDF."""
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True)
    # page num type width height ...; the alpha channel of an RGBA logo is an "smask" row.
    rows = [line.split() for line in listing.stdout.splitlines()[2:]]
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]


def test_a_large_logo_is_drawn_at_print_size_in_the_same_place(municipality, tmp_path):
    """An upload far larger than its 18 mm box is scaled to 300 dpi of the
    box once (WeasyPrint would encode it again for every letter); the
    letterhead looks the same."""
    municipality.logo.save("stort-vapen.png", ContentFile(png(1200, 1440)), save=True)
    context = sample_context(municipality, "nb")
    pdf = rendering.render_pdfs([page_of("<p>Brev.</p>", context, "big")])[0]
    [(width, height)] = image_sizes(pdf, tmp_path)
    assert (width, height) == (178, 213)  # 18 mm at 300 dpi, the proportions kept
    x, _ = name_position(pdf, tmp_path)
    assert x == pytest.approx((22 + 18 * 1200 / 1440 + 4) * MM, abs=1)
    # Still a tagged figure with its alternative text.
    assert figures_alt_texts(pdf) == ["Skien kommune"]


def figures_alt_texts(pdf: bytes) -> list[str]:
    import io

    import pikepdf

    found: list[str] = []

    def walk(element) -> None:
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            if element.S == "/Figure":
                found.append(str(element.get("/Alt", "")))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        walk(document.Root.StructTreeRoot.K[0])
    return found


def test_a_logo_replaced_under_the_same_name_is_drawn_anew(municipality, tmp_path, media):
    """The decoded logo is kept between letters in the process, but never
    after its file changed."""
    municipality.logo.save("vapen.png", ContentFile(png(60, 72)), save=True)
    context = sample_context(municipality, "nb")
    first = rendering.render_pdfs([page_of("<p>Brev.</p>", context, "1")])[0]
    (media / context["logo"]).write_bytes(png(400, 40))
    second = rendering.render_pdfs([page_of("<p>Brev.</p>", context, "2")])[0]
    assert image_sizes(first, tmp_path) == [(60, 72)]
    assert image_sizes(second, tmp_path) == [(400, 40)]


def test_laid_out_alone_or_together_the_letters_say_the_same(municipality, caseworker_user, tmp_path):
    """render_pdfs lays out each letter alone; `together` (one document cut
    apart, kept for bench/letters.py to compare) gives the same letters."""
    h = household(municipality, co_applicant=True)
    pages = [summons_page(municipality, caseworker_user, h, language, language) for language in ("nb", "nn")]
    alone = [pdf_pages(pdf, tmp_path) for pdf in rendering.render_pdfs(pages)]
    together = [pdf_pages(pdf, tmp_path) for pdf in rendering.render_pdfs(pages, together=True)]
    assert alone == together
    assert [len(texts) for texts in alone] == [2, 2]
    assert "Side 2 av 2" in alone[1][1]
