"""Rendering letters to PDF: many at once, fast, each an accessible PDF.

Rendering is done in chunks: a chunk of letters is laid out as one HTML
document (one WeasyPrint layout pass), then cut into one tagged PDF per
letter with `Document.copy(pages)`, which keeps the structure tags PDF/A-2a
needs. Each letter's pages are numbered on their own ("Side 1 av 2") through
a CSS page group per letter; see templates/letters/letter.html.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from housing_office.models import Municipality, WrittenLanguage
from housing_office.pdf import PDF_VARIANT, font_config, make_url_fetcher, media_url

from .engine import INVALID_MARKER, compile_template
from .kinds import DEFAULT_LETTERS_DIR, get_kind
from .models import LetterTemplate

LAYOUT_TEMPLATE = "letters/letter.html"

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

    # The page count the footer states ("Side 1 av 2"). None: guess from the
    # letters already made from the same template (`template_key`).
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


def layout_html(letters: Sequence[LetterPage]) -> str:
    """One HTML document holding every letter in `letters`, each starting on a
    new page and numbering its own pages."""
    language = letters[0].language if letters else WrittenLanguage.BOKMAL
    title = letters[0].subject if len(letters) == 1 else _("Brev")
    return render_to_string(LAYOUT_TEMPLATE, {"letters": letters, "language": language, "title": title})


def layout_resources(letters: Sequence[LetterPage]) -> set[str]:
    """The only URLs a letter document may load: the logo of the
    municipality in each letter's own snapshot, as the layout draws it. The
    fonts are the system's, the stylesheet is inline; a template's own
    references (`media:`, `file:`, `<img>`, `rel="attachment"`) get nothing."""
    return {media_url(lp.context["logo"]) for lp in letters if lp.context.get("logo")}


def _letter_anchor(key: str) -> str:
    return f"letter-{key}"


# Page counts seen per template version, to guess the next letters' "av N".
_PAGE_COUNT_GUESS: dict[Any, int] = {}
DEFAULT_PAGE_GUESS = 2


def render_pdfs(letters: Sequence[LetterPage], *, _attempt: int = 0) -> list[bytes]:
    """Lay out `letters` as one document and return one tagged PDF per letter,
    in order. Raises if the pages cannot be attributed to the letters.

    Each letter's footer states its page count, guessed before layout; a
    letter whose count was guessed wrong is laid out again with the right one.
    """
    from weasyprint import HTML

    if not letters:
        return []
    letters = [
        lp
        if lp.expected_pages
        else replace(lp, expected_pages=_PAGE_COUNT_GUESS.get(lp.template_key, DEFAULT_PAGE_GUESS))
        for lp in letters
    ]
    document = HTML(
        string=layout_html(letters),
        url_fetcher=make_url_fetcher(layout_resources(letters)),
        base_url=str(DEFAULT_LETTERS_DIR),
    ).render(font_config=font_config(), pdf_variant=PDF_VARIANT)
    starts = _letter_start_pages(document.pages, [lp.key for lp in letters])
    ends = [*starts[1:], len(document.pages)]
    counts = [end - start for start, end in zip(starts, ends, strict=True)]
    for lp, count in zip(letters, counts, strict=True):
        if lp.template_key is not None:
            _PAGE_COUNT_GUESS[lp.template_key] = count
    wrong = [
        i for i, (lp, count) in enumerate(zip(letters, counts, strict=True)) if lp.expected_pages != count
    ]
    if wrong and _attempt >= 2:
        raise RuntimeError("The page count of a letter does not settle")
    redone = iter(
        render_pdfs([replace(letters[i], expected_pages=counts[i]) for i in wrong], _attempt=_attempt + 1)
        if wrong
        else []
    )
    pdfs = []
    for index, (letter, start, end) in enumerate(zip(letters, starts, ends, strict=True)):
        if index in wrong:
            pdfs.append(next(redone))
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
