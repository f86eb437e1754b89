"""Letters: templates, their checks, the context a letter is made from, and
rendering many letters to PDF quickly.

A letter is made in two steps. When it is created, `summons_context` takes a
snapshot of everything the letter says (names, address, time, caseworker,
letterhead) into `Letter.context`. Rendering is then a pure function of the
template version and that snapshot, so the archive copy can be explained and
re-made long after the household's records have changed.

Rendering is done in chunks: a chunk of letters is laid out as one HTML
document (one WeasyPrint layout pass, which is most of the cost), then cut
into one tagged PDF per letter with `Document.copy(pages)`. Each letter's
pages are numbered on their own ("Side 1 av 2") through a CSS page group per
letter; see templates/letters/letter.html.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable
from django.template.loader import render_to_string
from django.template.smartif import TokenBase
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from housing_office.models import Municipality, WrittenLanguage
from housing_office.pdf import _font_config, make_url_fetcher, media_url

from .letter_template_library import INNER_TAG_WORDS
from .models import Household, LetterKind, LetterTemplate, PersonRole

DEFAULT_LETTERS_DIR = Path(__file__).resolve().parent / "default_letters"
LAYOUT_TEMPLATE = "letters/letter.html"
PDF_VARIANT = "pdf/ua-1"

# Subjects of the shipped templates; the bodies are files in default_letters/.
DEFAULT_SUBJECTS: dict[tuple[str, str], str] = {
    (LetterKind.SUMMONS, WrittenLanguage.BOKMAL): "Invitasjon til en samtale om boligen din",
    (LetterKind.SUMMONS, WrittenLanguage.NYNORSK): "Invitasjon til ein samtale om bustaden din",
}

# Every variable a template may use, with what it holds. The template editor
# shows this list; a template using anything else is refused when saved.
TEMPLATE_VARIABLES: dict[str, str] = {
    "recipient_name": "Navnet på mottakeren (hovedpersonen i husstanden)",
    "recipient_address": "Mottakerens gateadresse",
    "recipient_postal": "Mottakerens postnummer og poststed",
    "household_reference": "Husstandens referanse hos boligkontoret",
    "meeting_date": "Dagen for samtalen, for eksempel «mandag 13. januar 2031»",
    "meeting_time": "Når samtalen begynner, for eksempel «10.00»",
    "meeting_end_time": "Når samtalen slutter, for eksempel «10.45»",
    "meeting_duration": "Hvor mange minutter samtalen varer",
    "meeting_place": "Hvor samtalen er",
    "caseworker_name": "Navnet på saksbehandleren",
    "caseworker_title": "Saksbehandlerens stilling",
    "caseworker_phone": "Saksbehandlerens telefon (ellers kontorets)",
    "caseworker_email": "Saksbehandlerens e-post (kan være tom)",
    "office_name": "Kontorets navn, for eksempel «Boligkontoret»",
    "municipality_name": "Kommunens navn",
    "office_address": "Kontorets postadresse",
    "office_postal": "Kontorets postnummer og poststed",
    "office_visiting_address": "Kontorets besøksadresse (kan være tom)",
    "office_phone": "Kontorets telefon",
    "office_email": "Kontorets e-post (kan være tom)",
    "office_website": "Kommunens nettsted (kan være tom)",
    "organisation_number": "Kommunens organisasjonsnummer (kan være tomt)",
    "letter_date": "Brevets dato, for eksempel «6. januar 2031»",
    "archive_reference": "Brevets arkivreferanse",
    "interpreter_language": "Språket husstanden trenger tolk på (tom hvis ingen)",
}

# Layout-only values in the snapshot that templates may not use.
_LAYOUT_KEYS = ("logo", "language", "subject")

# The HTML a letter body may hold. Anything else is refused when a template
# is saved: a letter is text, tables and lists, and the layout adds the
# letterhead (with the logo) itself. Nothing here makes WeasyPrint load a
# resource; the URL fetcher refuses whatever a template names in any case
# (housing_office/pdf.py).
_ALLOWED_ELEMENTS = frozenset(
    {
        "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "small",
        "sub", "sup", "span", "div", "section", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
        "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "a", "hr", "blockquote",
        "address", "abbr", "time", "mark", "q", "cite", "code", "pre",
    }
)  # fmt: skip
# No `id`: the renderer finds each letter by its `letter-<key>` anchor, and a
# body must not be able to plant one. No `rel`: `rel="attachment"` embeds a file.
_GLOBAL_ATTRIBUTES = frozenset({"class", "title", "lang", "dir", "style", "role"})
_ELEMENT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "th": frozenset({"scope", "colspan", "rowspan", "headers", "abbr"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}
_LINK_SCHEMES = ("https", "http", "mailto", "tel")
# CSS that loads a resource: url() and the image functions, @import, and
# backslash escapes that could spell them in disguise.
_CSS_FETCH = re.compile(r"(url|image|image-set|cross-fade|element|src)\s*\(|@import|\\", re.I)
_VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_INVALID = "\x00UKJENT\x00"


class LetterEngine(Engine):
    """The engine for letter templates: none of Django's built-in tags and
    filters, only those of `tenants.letter_template_library`. So a template
    stored before a tag or filter was refused cannot use it either: it fails
    to compile, and no letter is made from it."""

    default_builtins: list[str] = []


# No template loaders that reach the site's templates (include/extends are
# not known anyway), autoescaping on. Debug on, so that errors carry the line.
_ENGINE = LetterEngine(
    debug=True,
    loaders=[("django.template.loaders.locmem.Loader", {})],
    libraries={},
    builtins=["tenants.letter_template_library"],
    autoescape=True,
    string_if_invalid=_INVALID,
)


class TemplateRefused(ValidationError):
    """A template that cannot make a letter; the message says why, in Norwegian."""


# --- Templates ---------------------------------------------------------------


def default_template_body(kind: str, language: str) -> str:
    return (DEFAULT_LETTERS_DIR / f"{kind}_{language}.html").read_text(encoding="utf-8")


def ensure_default_templates(municipality: Municipality) -> list[LetterTemplate]:
    """Give `municipality` the shipped templates for every kind and målform
    it has none of. Idempotent: a municipality that has a template (of any
    version) keeps it. Returns the templates created."""
    created = []
    for (kind, language), subject in DEFAULT_SUBJECTS.items():
        exists = LetterTemplate.all_objects.filter(
            municipality=municipality, kind=kind, language=language
        ).exists()
        if exists:
            continue
        template, was_created = LetterTemplate.all_objects.get_or_create(
            municipality=municipality,
            kind=kind,
            language=language,
            version=1,
            defaults={"subject": subject, "body": default_template_body(kind, language)},
        )
        if was_created:
            created.append(template)
    return created


def current_template(municipality: Municipality | int, kind: str, language: str) -> LetterTemplate:
    """The newest version of the template; raises LetterTemplate.DoesNotExist."""
    municipality_id = getattr(municipality, "pk", municipality)
    template = (
        LetterTemplate.all_objects.filter(municipality_id=municipality_id, kind=kind, language=language)
        .order_by("-version")
        .first()
    )
    if template is None:
        raise LetterTemplate.DoesNotExist(f"No {kind}/{language} template for municipality {municipality_id}")
    return template


@transaction.atomic
def save_template_version(
    *, municipality: Municipality, kind: str, language: str, subject: str, body: str, by: Any
) -> LetterTemplate:
    """Check the template and store it as the next version. The old versions
    stay as they were: letters made from them keep pointing at them."""
    check_template(subject, body, municipality=municipality, language=language)
    # Lock the newest version so that two leaders saving at once get
    # versions n+1 and n+2 rather than a unique-constraint error.
    list(
        LetterTemplate.all_objects.select_for_update()
        .filter(municipality=municipality, kind=kind, language=language)
        .order_by("-version")[:1]
    )
    latest = LetterTemplate.all_objects.filter(
        municipality=municipality, kind=kind, language=language
    ).aggregate(v=Max("version"))["v"]
    return LetterTemplate.all_objects.create(
        municipality=municipality,
        kind=kind,
        language=language,
        version=(latest or 0) + 1,
        subject=subject.strip(),
        body=body,
        created_by=by,
    )


def check_template(subject: str, body: str, *, municipality: Municipality, language: str) -> None:
    """Raise `TemplateRefused` unless the template renders a letter: valid
    template syntax, only documented variables, only allowed tags, and
    well-formed HTML without scripts or remote content."""
    if not subject.strip():
        raise TemplateRefused(_("Brevet må ha en overskrift."))
    for label, source in ((_("Overskriften"), subject), (_("Brevteksten"), body)):
        template = compile_template(source, label=label)
        _check_nodes(template.nodelist)
    # Render with both a full and a sparse sample, so that a variable inside
    # an {% if %} that one sample skips is still rendered by the other.
    for sample in (
        sample_context(municipality, language),
        sample_context(municipality, language, sparse=True),
    ):
        rendered_subject = _render_checked(subject, sample)
        rendered_body = _render_checked(body, sample)
        if "<" in rendered_subject:
            raise TemplateRefused(_("Overskriften kan ikke inneholde HTML."))
        check_html(rendered_body)


def compile_template(source: str, *, label: str | None = None) -> Any:
    """Compile a letter template with the letter engine; a syntax error, or a
    tag or filter outside the allow-list, raises `TemplateRefused` naming it
    and the line, in Norwegian."""
    try:
        return _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        line = getattr(exc, "template_debug", {}).get("line")
        where = _(" (linje %(line)s)") % {"line": line} if line else ""
        raise TemplateRefused(
            _("%(what)s har en feil i malkoden%(where)s: %(error)s")
            % {"what": label or _("Malen"), "where": where, "error": _syntax_error_text(exc)}
        ) from exc


def _syntax_error_text(exc: TemplateSyntaxError) -> str:
    """Django's English message, in Norwegian for the messages a leader meets."""
    text = str(exc)
    if match := re.match(r"Invalid filter: '([^']*)'", text):
        return _("Filteret «%(name)s» kan ikke brukes i brevmaler.") % {"name": match[1]}
    if match := re.match(r"Invalid block tag on line (\d+): '([^']*)'", text):
        line, name = match.groups()
        if name in INNER_TAG_WORDS:
            return _("Taggen {%% %(name)s %%} på linje %(line)s står på feil sted.") % {
                "name": name,
                "line": line,
            }
        return _("Taggen {%% %(name)s %%} kan ikke brukes i brevmaler.") % {"name": name}
    if match := re.match(r"Unclosed tag on line (\d+): '([^']*)'", text):
        return _("Taggen {%% %(name)s %%} fra linje %(line)s er ikke lukket.") % {
            "name": match[2],
            "line": match[1],
        }
    if text.startswith("Empty block tag"):
        return _("En tom tagg {% %}.")
    return text


def _render_checked(source: str, context: dict[str, Any]) -> str:
    recording = _RecordingContext(context)
    try:
        output = compile_template(source).render(recording)
    except Exception as exc:  # noqa: BLE001 - any failure means the template cannot make a letter
        raise TemplateRefused(_("Malen kan ikke lages til et brev: %(error)s") % {"error": exc}) from exc
    unknown = sorted(recording.missing - set(TEMPLATE_VARIABLES))
    if unknown or _INVALID in output:
        names = ", ".join(f"«{name}»" for name in unknown) or _("en variabel med et ukjent felt")
        raise TemplateRefused(
            _("Malen bruker %(names)s, som ikke finnes. Bruk bare variablene i listen ved siden av.")
            % {"names": names}
        )
    return output


class _RecordingContext(Context):
    """A context that remembers every name looked up and not found, also the
    ones `{% if %}` swallows quietly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.missing: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            self.missing.add(key)
            raise


def _check_nodes(nodelist: Any) -> None:
    """Refuse names that are neither documented variables nor bound inside
    the template (loop variables, `with`). Tags and filters outside the
    allow-list never get this far: the engine does not know them."""
    nodes = nodelist.get_nodes_by_type(Node)
    bound = {"forloop", "True", "False", "None"}
    used: set[str] = set()
    for node in nodes:
        attributes = vars(node)
        bound.update(attributes.get("loopvars") or ())
        bound.update((attributes.get("extra_context") or {}).keys())
        for name in ("variable_name", "asvar", "var_name"):
            if isinstance(attributes.get(name), str):
                bound.add(attributes[name])
        for key, value in attributes.items():
            if key in ("token", "origin", "nodelist") or key.startswith("nodelist"):
                continue
            for expression in _expressions(value):
                used.update(_names_in(expression))
    unknown = sorted(used - bound - set(TEMPLATE_VARIABLES))
    if unknown:
        names = ", ".join(f"«{name}»" for name in unknown)
        raise TemplateRefused(
            _("Malen bruker %(names)s, som ikke finnes. Bruk bare variablene i listen ved siden av.")
            % {"names": names}
        )


def _expressions(value: Any, depth: int = 0) -> Iterator[FilterExpression | Variable]:
    if depth > 20:
        return
    if isinstance(value, (FilterExpression, Variable)):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _expressions(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item, depth + 1)
    elif isinstance(value, TokenBase):
        for name in ("first", "second", "value"):
            yield from _expressions(getattr(value, name, None), depth + 1)


def _names_in(expression: FilterExpression | Variable) -> set[str]:
    names: set[str] = set()
    variables: list[Any] = [expression if isinstance(expression, Variable) else expression.var]
    for _func, args in getattr(expression, "filters", ()):
        variables += [arg for is_lookup, arg in args if is_lookup]
    for variable in variables:
        lookups = getattr(variable, "lookups", None)
        if lookups:
            names.add(lookups[0])
    return names


class _HTMLChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check_element(tag, attrs)
        if tag not in _VOID_ELEMENTS:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check_element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_ELEMENTS:
            return
        line = self.getpos()[0]
        if not self.stack:
            self._refuse(
                _("</%(tag)s> på linje %(line)s lukker ingen åpen <%(tag)s>.") % {"tag": tag, "line": line}
            )
            return
        open_tag, open_line = self.stack.pop()
        if open_tag != tag:
            self._refuse(
                _("</%(tag)s> på linje %(line)s kommer før <%(open)s> fra linje %(open_line)s er lukket.")
                % {"tag": tag, "line": line, "open": open_tag, "open_line": open_line}
            )

    def _check_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self._refuse(_("Bilder kan ikke settes inn i brevmaler. Logoen står i brevhodet av seg selv."))
        elif tag not in _ALLOWED_ELEMENTS:
            self._refuse(_("Elementet <%(tag)s> er ikke tillatt i brev.") % {"tag": tag})
        allowed = _GLOBAL_ATTRIBUTES | _ELEMENT_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name == "rel" and "attachment" in (value or "").lower():
                self._refuse(_('Vedlegg (rel="attachment") kan ikke brukes i brevmaler.'))
            elif name not in allowed and not name.startswith("aria-"):
                self._refuse(_("Attributtet %(name)s er ikke tillatt i brev.") % {"name": name})
            elif name == "href":
                self._check_link(value or "")
            elif name == "style" and value and _CSS_FETCH.search(value):
                self._refuse(
                    _("Stilen «%(value)s» henter en fil (url(…), @import o.l.). Det er ikke lov i brev.")
                    % {"value": value[:80]}
                )

    def _check_link(self, value: str) -> None:
        """A link in a letter points to the web, an e-mail address or a phone
        number; never to a file (`media:`, `file:`, `static:`, a relative path)."""
        # URL parsers drop whitespace and control characters inside a scheme.
        compact = re.sub(r"[\x00-\x20]", "", value).lower()
        if not compact:
            return
        scheme = compact.split(":", 1)[0] if re.match(r"^[a-z][a-z0-9+.-]*:", compact) else ""
        if scheme not in _LINK_SCHEMES:
            self._refuse(
                _(
                    "Adressen «%(value)s» er ikke tillatt i brev. Brevmaler kan ikke hente filer "
                    "(media:, file:, static:); lenker må begynne med https://, http://, mailto: eller tel:."
                )
                % {"value": value[:80]}
            )

    def _refuse(self, message: str) -> None:
        if self.problem is None:
            self.problem = message


def check_html(fragment: str) -> None:
    """Refuse HTML that is not well formed (every element closed, in order)
    or that contains elements a letter must not have."""
    checker = _HTMLChecker()
    checker.feed(fragment)
    checker.close()
    if checker.problem is None and checker.stack:
        tag, line = checker.stack[-1]
        checker.problem = _("<%(tag)s> fra linje %(line)s er ikke lukket.") % {"tag": tag, "line": line}
    if checker.problem:
        raise TemplateRefused(_("HTML-feil: %(problem)s") % {"problem": checker.problem})


# --- Context -----------------------------------------------------------------


def letter_language(household: Household, municipality: Municipality) -> str:
    """The household's own choice of målform, else the municipality's."""
    return household.letter_language or municipality.written_language or WrittenLanguage.BOKMAL


def recipient_name(household: Household) -> str:
    """The main person (and a co-applicant) by name; never an identity number.

    Reads `household.members.all()`, so prefetch the members for many."""
    members = list(household.members.all())
    order = {PersonRole.MAIN: 0, PersonRole.CO_APPLICANT: 1, PersonRole.ADULT: 2}
    named = sorted(
        (m for m in members if m.full_name and m.role in order), key=lambda m: (order[m.role], m.pk or 0)
    )
    if not named:
        return _("Husstanden")
    names = [named[0].full_name]
    if len(named) > 1 and named[1].role == PersonRole.CO_APPLICANT:
        names.append(named[1].full_name)
    return " og ".join(names)


def _format_date(day: datetime.date, language: str, *, weekday: bool = False) -> str:
    with translation.override(language):
        return formats.date_format(day, "l j. F Y" if weekday else "j. F Y")


def _format_time(moment: datetime.datetime) -> str:
    # Språkrådet's recommended form: 10.00, not 10:00.
    return timezone.localtime(moment).strftime("%H.%M")


def office_context(municipality: Municipality) -> dict[str, str]:
    return {
        "office_name": municipality.office_name or "Boligkontoret",
        "municipality_name": municipality.name,
        "office_address": municipality.address,
        "office_postal": f"{municipality.postal_code} {municipality.postal_place}".strip(),
        "office_visiting_address": municipality.visiting_address,
        "office_phone": municipality.phone,
        "office_email": municipality.email,
        "office_website": municipality.website,
        "organisation_number": municipality.organisation_number,
        "logo": municipality.logo.name if municipality.logo else "",
    }


def summons_context(
    *,
    household: Household,
    municipality: Municipality,
    caseworker: Any,
    starts_at: datetime.datetime,
    duration_minutes: int,
    place: str,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
) -> dict[str, Any]:
    """The snapshot a summons letter is rendered from (stored on the letter)."""
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    local_start = timezone.localtime(starts_at)
    default_title = "sakshandsamar" if language == WrittenLanguage.NYNORSK else "saksbehandler"
    return {
        **office_context(municipality),
        "language": language,
        "subject": subject,
        "recipient_name": recipient_name(household),
        "recipient_address": household.address.strip(),
        "recipient_postal": f"{household.postal_code} {household.postal_place.strip()}".strip(),
        "household_reference": household.reference,
        "meeting_date": _format_date(local_start.date(), language, weekday=True),
        "meeting_time": _format_time(starts_at),
        "meeting_end_time": _format_time(ends_at),
        "meeting_duration": str(duration_minutes),
        "meeting_place": place,
        "caseworker_name": caseworker.get_full_name() or caseworker.username,
        "caseworker_title": caseworker.title or default_title,
        "caseworker_phone": caseworker.phone or municipality.phone,
        "caseworker_email": caseworker.email,
        "letter_date": _format_date(letter_date, language),
        "archive_reference": archive_reference,
        "interpreter_language": household.interpreter_language,
    }


def sample_context(
    municipality: Municipality, language: str, *, sparse: bool = False, caseworker: Any = None
) -> dict[str, Any]:
    """A made-up household for previews and template checks; no real person's
    data ever goes into a preview."""
    nynorsk = language == WrittenLanguage.NYNORSK
    starts = timezone.make_aware(datetime.datetime(2031, 1, 13, 10, 0))
    context = {
        **office_context(municipality),
        "language": language,
        "subject": "",
        "recipient_name": "Kari Nordmann og Åsmund Ødegård",
        "recipient_address": "Eksempelveien 12 B",
        "recipient_postal": "3715 SKIEN",
        "household_reference": "H-00042",
        "meeting_date": _format_date(starts.date(), language, weekday=True),
        "meeting_time": "10.00",
        "meeting_end_time": "10.45",
        "meeting_duration": "45",
        "meeting_place": "Rådhuset, møterom Ibsen",
        "caseworker_name": (caseworker.get_full_name() if caseworker else "") or "Siri Saksbehandler",
        "caseworker_title": (caseworker.title if caseworker else "")
        or ("sakshandsamar" if nynorsk else "saksbehandler"),
        "caseworker_phone": (caseworker.phone if caseworker else "") or municipality.phone or "35 58 10 00",
        "caseworker_email": "siri.saksbehandler@kommune.no",
        "letter_date": _format_date(datetime.date(2031, 1, 2), language),
        "archive_reference": "2031/17-42",
        "interpreter_language": "arabisk",
    }
    if sparse:
        for key in (
            "caseworker_email",
            "interpreter_language",
            "office_visiting_address",
            "office_email",
            "office_website",
            "organisation_number",
            "logo",
        ):
            context[key] = ""
    return context


# --- Rendering ---------------------------------------------------------------


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
    if _INVALID in body or _INVALID in subject:
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
    ).render(font_config=_font_config(), pdf_variant=PDF_VARIANT)
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
    template: LetterTemplate | None,
    *,
    subject: str,
    body: str,
    municipality: Municipality,
    language: str,
    caseworker: Any = None,
) -> bytes:
    """A PDF of the (possibly unsaved) template with the made-up household."""
    check_template(subject, body, municipality=municipality, language=language)
    context = sample_context(municipality, language, caseworker=caseworker)
    draft = LetterTemplate(subject=subject, body=body, language=language)
    rendered_subject, rendered_body = render_text(draft, context)
    page = LetterPage(
        key="preview", language=language, subject=rendered_subject, body=rendered_body, context=context
    )
    return render_pdfs([page])[0]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
