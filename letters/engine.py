"""The restricted template engine for letter templates, and the checks a
template passes before it can make a letter.

Letter templates are written by office leaders and rendered for tenants.
The engine knows only the tags and filters of `letters.template_library`;
a template may use only the variables its kind documents
(`LetterKindSpec.variables`); and what it renders must be well-formed HTML
of the elements and attributes a letter needs, with nothing that loads a
resource. The PDF's URL fetcher refuses whatever a template names in any
case (housing_office/pdf.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable
from django.template.smartif import TokenBase
from django.utils.translation import gettext as _

from .template_library import INNER_TAG_WORDS, LoopLimitExceeded

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
INVALID_MARKER = "\x00UKJENT\x00"


class LetterEngine(Engine):
    """The engine for letter templates: none of Django's built-in tags and
    filters, only those of `letters.template_library`. So a template
    stored before a tag or filter was refused cannot use it either: it fails
    to compile, and no letter is made from it."""

    default_builtins: list[str] = []


# No template loaders that reach the site's templates (include/extends are
# not known anyway), autoescaping on. Debug on, so that errors carry the line.
_ENGINE = LetterEngine(
    debug=True,
    loaders=[("django.template.loaders.locmem.Loader", {})],
    libraries={},
    builtins=["letters.template_library"],
    autoescape=True,
    string_if_invalid=INVALID_MARKER,
)


class TemplateRefused(ValidationError):
    """A template that cannot make a letter; the message says why, in Norwegian."""


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
    """Django's English message, in Norwegian. Every message the letter
    engine can raise is matched; anything else gets a general Norwegian
    message naming the code it stumbled on. No English reaches a leader."""
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
    if text.startswith("Empty variable tag"):
        return _("En tom variabel {{ }}.")
    if text.startswith("Unexpected end of expression in if tag"):
        return _("Vilkåret i {% if %} slutter for tidlig; det mangler en variabel.")
    if match := re.match(r"Unused '([^']*)' at end of if expression", text):
        return _("«%(word)s» står til overs på slutten av vilkåret i {%% if %%}.") % {"word": match[1]}
    if match := re.match(r"Not expecting '([^']*)'", text):
        return _("«%(word)s» står på feil sted i vilkåret i {%% if %%}.") % {"word": match[1]}
    if match := re.match(r"Could not parse the remainder: '([^']*)' from '([^']*)'", text):
        return _("«%(all)s» kan ikke leses: «%(rest)s» passer ikke der.") % {
            "all": match[2],
            "rest": match[1],
        }
    if text.startswith("Could not parse some characters") or text.startswith("Could not find variable"):
        return _("Noen tegn i en variabel kan ikke leses.")
    if text.startswith("Variables and attributes may not begin with underscores"):
        return _("Et variabelnavn kan ikke begynne med understrek (_).")
    if match := re.match(r"(\w+) requires (\d+) arguments?, (\d+) provided", text):
        return _("Filteret «%(name)s» må ha %(need)s verdi(er) etter kolon, men har %(got)s.") % {
            "name": match[1],
            "need": match[2],
            "got": match[3],
        }
    if "'for'" in text:
        return _("{% for %} skrives som {% for x in liste %} … {% endfor %}.")
    if "'with'" in text:
        return _("{% with %} skrives som {% with navn=variabel %} … {% endwith %}.")
    if "'firstof'" in text:
        return _("{% firstof %} trenger minst én variabel.")
    during = str(getattr(exc, "template_debug", {}).get("during", "")).strip()
    if during:
        return _("Malkoden «%(code)s» kan ikke leses.") % {"code": during[:80]}
    return _("Malkoden kan ikke leses.")


def check_source(
    subject: str, body: str, *, variables: Iterable[str], samples: Iterable[dict[str, Any]]
) -> None:
    """Raise `TemplateRefused` unless subject and body make a letter: valid
    template syntax, only `variables` and names the template binds itself,
    only allowed tags and filters, and well-formed HTML without scripts or
    remote content when rendered with each of `samples`.

    Give a full and a sparse sample, so that a variable inside an `{% if %}`
    that one sample skips is still rendered by the other."""
    if not subject.strip():
        raise TemplateRefused(_("Brevet må ha en overskrift."))
    known = frozenset(variables)
    for label, source in ((_("Overskriften"), subject), (_("Brevteksten"), body)):
        template = compile_template(source, label=label)
        _check_nodes(template.nodelist, known)
    for sample in samples:
        rendered_subject = _render_checked(subject, sample, known)
        rendered_body = _render_checked(body, sample, known)
        if "<" in rendered_subject:
            raise TemplateRefused(_("Overskriften kan ikke inneholde HTML."))
        check_html(rendered_body)


def _render_checked(source: str, context: dict[str, Any], variables: frozenset[str]) -> str:
    recording = _RecordingContext(context)
    try:
        output = compile_template(source).render(recording)
    except LoopLimitExceeded as exc:
        raise TemplateRefused(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - any failure means the template cannot make a letter
        # Python's own message is English and for programmers: not shown.
        raise TemplateRefused(
            _(
                "Malen kan ikke lages til et brev med eksempeldataene. Sjekk filtrene og verdiene "
                "etter kolon (for eksempel |date: og |floatformat:)."
            )
        ) from exc
    unknown = sorted(recording.missing - variables)
    if unknown or INVALID_MARKER in output:
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


def _check_nodes(nodelist: Any, variables: frozenset[str]) -> None:
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
    unknown = sorted(used - bound - variables)
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
