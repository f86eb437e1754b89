"""Rendering letters to PDF: many at once, fast, each an accessible PDF.

Each letter is laid out as a document of its own and written as one tagged
PDF/A-2a. What every letter shares is prepared once per process and reused:
the parsed stylesheet (templates/letters/letter.css), the font
configuration, and the municipality's logo, decoded once and scaled to what
print needs (WeasyPrint encodes an image again for every PDF it writes, so a
large upload cost tens of milliseconds a letter). bench/letters.py measured
the alternatives: a chunk of letters laid out as one document and cut apart
with `Document.copy` cost more per letter than one document each.

The layout template can hold several letters, each starting on a new page
and numbering its own pages ("Side 1 av 2") through a CSS page group; the
preview of a template and the tests use that.
"""

from __future__ import annotations

import copy
import html
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from housing_office.models import Municipality, WrittenLanguage
from housing_office.pdf import MEDIA_SCHEME, PDF_VARIANT, font_config, make_url_fetcher, media_url

from .engine import INVALID_MARKER, compile_template
from .kinds import DEFAULT_LETTERS_DIR, get_kind
from .models import LetterTemplate

LAYOUT_TEMPLATE = "letters/letter.html"
STYLESHEET_TEMPLATE = "letters/letter.css"

# The layout's own words, in each målform (the site's translations are for
# the staff's user interface, always bokmål).
LAYOUT_LABELS: dict[str, dict[str, str]] = {
    WrittenLanguage.BOKMAL: {
        "our_date": "Vår dato",
        "our_reference": "Vår referanse",
        "caseworker": "Saksbehandler",
        "phone": "Telefon",
        "page": "Side",
        "of": "av",
        "municipality": "kommune",
        "postal_address": "Postadresse",
        "visiting_address": "Besøksadresse",
        "email": "E-post",
        "organisation_number": "Org.nr.",
        "recipient": "Mottaker",
        "exempt": "Unntatt offentlighet,",
        "exempt_basis": "offl.\u00a0§\u00a013 jf. fvl.\u00a0§\u00a013",
    },
    WrittenLanguage.NYNORSK: {
        "our_date": "Vår dato",
        "our_reference": "Vår referanse",
        "caseworker": "Sakshandsamar",
        "phone": "Telefon",
        "page": "Side",
        "of": "av",
        "municipality": "kommune",
        "postal_address": "Postadresse",
        "visiting_address": "Besøksadresse",
        "email": "E-post",
        "organisation_number": "Org.nr.",
        "recipient": "Mottakar",
        "exempt": "Unnateke offentlegheit,",
        "exempt_basis": "offl.\u00a0§\u00a013 jf. fvl.\u00a0§\u00a013",
    },
}


@dataclass
class LetterPage:
    """One letter as the layout template sees it."""

    key: str
    language: str
    subject: str
    body: SafeString
    context: dict[str, Any] = field(default_factory=dict)

    # The page count the footer states ("Side 1 av 2") when letters are laid
    # out together. None: guess from the letters already laid out together
    # from the same template (`template_key`). A letter laid out alone counts
    # its own pages.
    expected_pages: int | None = None
    template_key: Any = None
    # The marking «Unntatt offentlighet, offl. § 13 jf. fvl. § 13» in the
    # reference block: the kind's `exempt_from_public_access`.
    exempt_from_public_access: bool = True

    @property
    def labels(self) -> dict[str, str]:
        return LAYOUT_LABELS.get(self.language, LAYOUT_LABELS[WrittenLanguage.BOKMAL])

    @property
    def string_set(self) -> str:
        """The CSS that feeds the page footer: the sender line and the
        letter's page count."""
        c, labels = self.context, self.labels
        sender = f"{c.get('municipality_name', '')} {labels['municipality']} · {c.get('office_name', '')}"
        if c.get("office_phone"):
            sender += f" · {labels['phone']} {c['office_phone']}"
        return (
            f"string-set: sender {_css_string(sender)}, letter-pages {_css_string(str(self.expected_pages))}"
        )


def _css_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ").replace("\r", " ")
    return f"'{escaped}'"


def render_text(
    template: LetterTemplate, context: dict[str, Any], *, cache: dict | None = None
) -> tuple[str, SafeString]:
    """Render a template version's subject and body with a letter's context.

    `cache` (a dict the caller keeps for a chunk) saves parsing the same
    template once per letter.
    """
    cache = {} if cache is None else cache
    compiled = cache.get(template.pk) if template.pk else None
    if compiled is None:
        compiled = (compile_template(template.subject), compile_template(template.body))
        if template.pk:
            cache[template.pk] = compiled
    subject_template, body_template = compiled
    ctx = Context(context, autoescape=True)
    subject = html.unescape(subject_template.render(ctx)).strip()
    body = body_template.render(ctx)
    if INVALID_MARKER in body or INVALID_MARKER in subject:
        raise ValueError(_("Brevmalen bruker en variabel som mangler i brevet."))
    return subject, mark_safe(body)  # noqa: S308 - the template is checked HTML, the values are escaped


def layout_html(letters: Sequence[LetterPage], *, inline_style: bool = False) -> str:
    """One HTML document holding every letter in `letters`, each starting on a
    new page and numbering its own pages.

    The stylesheet is not in the document: `render_pdfs` gives WeasyPrint the
    one parsed per process. `inline_style` puts it in a `<style>` element,
    for a document that stands on its own (bench/letters.py's bare render)."""
    language = letters[0].language if letters else WrittenLanguage.BOKMAL
    title = letters[0].subject if len(letters) == 1 else _("Brev")
    return render_to_string(
        LAYOUT_TEMPLATE,
        {"letters": letters, "language": language, "title": title, "inline_style": inline_style},
    )


def layout_resources(letters: Sequence[LetterPage]) -> set[str]:
    """The only URLs a letter document may load: the logo of the
    municipality in each letter's own snapshot, as the layout draws it. The
    fonts are the system's, the stylesheet is inline; a template's own
    references (`media:`, `file:`, `<img>`, `rel="attachment"`) get nothing."""
    return {media_url(lp.context["logo"]) for lp in letters if lp.context.get("logo")}


def _letter_anchor(key: str) -> str:
    return f"letter-{key}"


# Page counts seen per template version, to guess the next letters' "av N"
# when letters are laid out together.
_PAGE_COUNT_GUESS: dict[Any, int] = {}
DEFAULT_PAGE_GUESS = 2

# The logo's box in letter.css is at most 40 mm wide and 18 mm high; 300 dpi
# of that is all print needs.
LOGO_MAX_PIXELS = (round(40 / 25.4 * 300), round(18 / 25.4 * 300))

_STYLESHEET: Any = None
# WeasyPrint's image cache (URL -> decoded image), kept for the process so
# that the logo is fetched, scaled and decoded once, not once a letter. It is
# keyed by URL, so an entry goes when the file behind the URL changes.
_IMAGE_CACHE: dict[str, Any] = {}
_IMAGE_STAMPS: dict[str, tuple[Any, ...] | None] = {}


def letter_stylesheet() -> Any:
    """letter.css, parsed once per process (parsing it for every letter cost
    about 4 % of the letter)."""
    global _STYLESHEET
    if _STYLESHEET is None:
        from weasyprint import CSS

        _STYLESHEET = CSS(string=render_to_string(STYLESHEET_TEMPLATE), font_config=font_config())
    return _STYLESHEET


# A letter laid out as a document of its own counts its own pages: the
# footer's «av» is WeasyPrint's counter(pages) instead of the page count
# guessed before layout (string-set), which cost a second layout whenever
# the guess was wrong: the first letter of every template in a process, and
# every letter one page longer or shorter than the one before it. Declared
# after letter.css, it overrides only the footer's content.
ALONE_FOOTER_CSS = '@page { @bottom-right { content: "Side " counter(page) " av " counter(pages); } }'
_ALONE_STYLESHEET: Any = None


def alone_stylesheet() -> Any:
    global _ALONE_STYLESHEET
    if _ALONE_STYLESHEET is None:
        from weasyprint import CSS

        _ALONE_STYLESHEET = CSS(string=ALONE_FOOTER_CSS, font_config=font_config())
    return _ALONE_STYLESHEET


def _file_stamp(url: str) -> tuple[Any, ...] | None:
    """What tells one version of a `media:` file from another."""
    path = Path(settings.MEDIA_ROOT) / url.removeprefix(MEDIA_SCHEME)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def image_cache(urls: set[str]) -> dict[str, Any]:
    """The process's image cache, without entries for files that changed."""
    for url in urls:
        stamp = _file_stamp(url)
        if stamp is None or _IMAGE_STAMPS.get(url) != stamp:
            _IMAGE_CACHE.pop(url, None)
            _IMAGE_STAMPS[url] = stamp
    return _IMAGE_CACHE


def print_sized(data: bytes) -> bytes:
    """A raster image no larger than the logo's box at 300 dpi (a PNG), or
    `data` as it is when it is smaller already or not a raster image Pillow
    can write as PNG (an SVG, a CMYK JPEG): WeasyPrint then reads it as
    before."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.width <= LOGO_MAX_PIXELS[0] and original.height <= LOGO_MAX_PIXELS[1]:
                return data
            image = ImageOps.exif_transpose(original)
            image.thumbnail(LOGO_MAX_PIXELS, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except Exception:  # noqa: BLE001 - not ours to judge: WeasyPrint reports a bad image
        return data


def letter_url_fetcher(allowed: set[str]) -> Any:
    """The layout's fetcher: `make_url_fetcher`'s allow-list decides what
    loads; an image it serves comes print-sized."""
    from weasyprint.urls import URLFetcherResponse

    fetch = make_url_fetcher(allowed)

    def fetch_print_sized(url: str, *args: Any, **kwargs: Any) -> Any:
        response = fetch(url, *args, **kwargs)
        try:
            data, content_type = response.read(), response.content_type
        finally:
            response.close()
        return URLFetcherResponse(url, body=print_sized(data), headers={"Content-Type": content_type})

    fetch_print_sized._fail_on_errors = fetch._fail_on_errors  # type: ignore[attr-defined]
    return fetch_print_sized


def render_pdfs(letters: Sequence[LetterPage], *, together: bool = False) -> list[bytes]:
    """One tagged PDF/A-2a per letter in `letters`, in order.

    Each letter is laid out as a document of its own. `together` lays the
    letters out as one document and cuts it into one PDF per letter instead
    (bench/letters.py compares the two; it costs more per letter).

    Each letter's footer states its page count: counted by WeasyPrint for a
    letter laid out alone; laid out together, guessed before layout
    (string-set), and a letter whose count was guessed wrong is laid out
    again alone.
    """
    if not letters:
        return []
    if together:
        return _render_together(
            [
                lp
                if lp.expected_pages
                else replace(lp, expected_pages=_PAGE_COUNT_GUESS.get(lp.template_key, DEFAULT_PAGE_GUESS))
                for lp in letters
            ]
        )
    return [_render_alone(lp) for lp in letters]


def _render(letters: Sequence[LetterPage]) -> Any:
    from weasyprint import HTML

    resources = layout_resources(letters)
    stylesheets = [letter_stylesheet()] if len(letters) > 1 else [letter_stylesheet(), alone_stylesheet()]
    return HTML(
        string=layout_html(letters),
        url_fetcher=letter_url_fetcher(resources),
        base_url=str(DEFAULT_LETTERS_DIR),
    ).render(
        font_config=font_config(),
        stylesheets=stylesheets,
        pdf_variant=PDF_VARIANT,
        cache=image_cache(resources),
    )


def _remember_page_count(letter: LetterPage, count: int) -> None:
    if letter.template_key is not None:
        _PAGE_COUNT_GUESS[letter.template_key] = count


def _render_alone(letter: LetterPage) -> bytes:
    """One letter laid out once; its footer counts its own pages."""
    # The document's title and language are the letter's own (<title>, <html lang>).
    return _render([letter]).write_pdf(pdf_variant=PDF_VARIANT, custom_metadata=True)


def _render_together(letters: list[LetterPage]) -> list[bytes]:
    document = _render(letters)
    starts = _letter_start_pages(document.pages, [lp.key for lp in letters])
    ends = [*starts[1:], len(document.pages)]
    pdfs = []
    for letter, start, end in zip(letters, starts, ends, strict=True):
        _remember_page_count(letter, end - start)
        if end - start != letter.expected_pages:
            pdfs.append(_render_alone(letter))
            continue
        part = document.copy(document.pages[start:end])
        part.metadata = copy.copy(document.metadata)
        part.metadata.title = letter.subject
        part.metadata.lang = letter.language
        pdfs.append(part.write_pdf(pdf_variant=PDF_VARIANT, custom_metadata=True))
    return pdfs


def _letter_start_pages(pages: Sequence[Any], keys: Sequence[str]) -> list[int]:
    wanted = {_letter_anchor(key): i for i, key in enumerate(keys)}
    starts: list[int | None] = [None] * len(keys)
    for number, page in enumerate(pages):
        for anchor in page.anchors:
            index = wanted.get(anchor)
            if index is not None and starts[index] is None:
                starts[index] = number
    if any(s is None for s in starts) or starts != sorted(starts) or starts[0] != 0:  # type: ignore[type-var]
        raise RuntimeError("Could not find where each letter starts in the laid-out document")
    return starts  # type: ignore[return-value]


def preview_pdf(
    *,
    kind: str,
    subject: str,
    body: str,
    municipality: Municipality,
    language: str,
    caseworker: Any = None,
    text_format: str = "html",
) -> bytes:
    """A PDF of the (possibly unsaved) template with the kind's made-up
    household, after the template's checks; raises `TemplateRefused`.
    `caseworker` is the user whose name, title, phone and e-mail the
    preview shows (all four from the same user)."""
    from .letter_templates import check_template, to_templates

    subject, body = to_templates(kind, subject, body, text_format)
    check_template(subject, body, municipality=municipality, language=language, kind=kind)
    context = get_kind(kind).sample_context(municipality, language, caseworker=caseworker)
    draft = LetterTemplate(subject=subject, body=body, language=language)
    rendered_subject, rendered_body = render_text(draft, context)
    page = LetterPage(
        key="preview",
        language=language,
        subject=rendered_subject,
        body=rendered_body,
        context=context,
        exempt_from_public_access=get_kind(kind).exempt_from_public_access,
    )
    return render_pdfs([page])[0]
