"""Brevtekst: the plain markup an office leader writes letters in, and its
conversion to the restricted letter template (and back).

A leader is not a programmer. The letter is written as text:

    Hei, [mottakers navn]!                 a field, by its Norwegian name
                                           (a blank line ends a paragraph;
    Vi vil gjerne snakke med [deg].        a single line break is kept)
    [Du] kan ta med noen **du stoler på**. a capital letter: [Du] → «Du»/«Dere»
    ## Tid og sted                         a heading
    | Dag | [dag for samtalen]             a fact table (label | value)
    - den siste skattemeldingen [din]      a bullet list
    [hvis tolkespråk]                      a section shown only when the field
    Vi bestiller tolk på [tolkespråk].     has a value ([hvis ikke …] for the
    [ellers]                               opposite), on its own lines or
    Du kan få tolk.                        inside a paragraph
    [slutt]
    Vennlig hilsen                         the closing: kept on the same page
    [saksbehandlers navn]                  as the paragraph before it
    ---                                    the rest in small print (privacy)

`to_template` turns it into template source for the letter engine; every
character of the leader's text is escaped (`<`, `&`, `{`, `}`), so the only
template tags in the result are the ones this module writes. Errors name the
line, in Norwegian. `to_markup` is the inverse for what `to_template` makes
(and for stored HTML templates written in the same subset); anything else
raises `NotExpressible`. Both are pure functions.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from .engine import TemplateRefused

GREETINGS = (
    "vennlig hilsen",
    "med vennlig hilsen",
    "hilsen",
    "venleg helsing",
    "med venleg helsing",
    "helsing",
)
SMALL_PRINT = "---"

_CONTROL_LINE = re.compile(r"^\s*\[\s*(hvis\b[^\[\]]*|ellers|slutt)\s*\]\s*$", re.I)
_INLINE = re.compile(r"\\\[|\*\*|\[([^\[\]\n]*)\]|\[|\n")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


class NotExpressible(ValueError):
    """A stored template uses something brevtekst has no words for."""


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")


@dataclass
class _Block:
    kind: str  # "p", "signature", "h2", "h3", "list", "table"
    lines: list[tuple[int, str]] = field(default_factory=list)


class _Converter:
    def __init__(self, fields: Mapping[str, str]) -> None:
        # Markup name → template variable.
        self.fields = dict(fields)

    # --- inline ----------------------------------------------------------------

    def field(self, name: str, line: int) -> str:
        name = " ".join(name.split())
        if name in self.fields:
            return "{{ " + self.fields[name] + " }}"
        lowered = name[:1].lower() + name[1:]
        if name[:1].isupper() and lowered in self.fields:
            return "{{ " + self.fields[lowered] + "|capfirst }}"
        close = difflib.get_close_matches(name.lower(), list(self.fields), n=1, cutoff=0.6)
        hint = _(" Mente du [%(name)s]?") % {"name": close[0]} if close else ""
        raise TemplateRefused(
            _("Linje %(line)s: feltet [%(name)s] finnes ikke.%(hint)s Velg et felt fra listen.")
            % {"line": line, "name": name, "hint": hint}
        )

    def condition(self, words: str, line: int) -> str:
        rest = words.strip()[4:].strip()
        negate = rest.lower().startswith("ikke ")
        if negate:
            rest = rest[5:].strip()
        if not rest:
            raise TemplateRefused(
                _("Linje %(line)s: [hvis] må følges av et felt, for eksempel [hvis tolkespråk].")
                % {"line": line}
            )
        variable = self.field(rest, line)[3:-3].split("|")[0]
        return "{% if " + ("not " if negate else "") + variable + " %}"

    def inline(self, text: str, line: int, *, markup: bool = True) -> str:
        """One unit of text (a paragraph, a list item, a cell): escaped text,
        fields, **bold** and inline [hvis …] … [slutt], which must close inside it."""
        out: list[str] = []
        bold_line: int | None = None
        open_ifs: list[tuple[int, bool]] = []  # (line, seen else)
        position = 0
        for match in _INLINE.finditer(text):
            out.append(_escape(text[position : match.start()]))
            position = match.end()
            token = match.group(0)
            if token == "\n":
                line += 1
                out.append("<br>\n" if markup else " ")
            elif token == "\\[":
                out.append("[")
            elif token == "**":
                if not markup:
                    out.append("**")
                elif bold_line is None:
                    bold_line = line
                    out.append("<strong>")
                else:
                    bold_line = None
                    out.append("</strong>")
            elif token == "[":
                raise TemplateRefused(
                    _(
                        "Linje %(line)s: «[» åpner et felt som ikke lukkes med «]». "
                        "Skriv \\[ hvis du vil ha en vanlig hakeparentes."
                    )
                    % {"line": line}
                )
            else:
                word = match.group(1).strip()
                lowered = word.lower()
                if lowered == "hvis" or lowered.startswith("hvis "):
                    open_ifs.append((line, False))
                    out.append(self.condition(word, line))
                elif lowered == "ellers":
                    if not open_ifs or open_ifs[-1][1]:
                        raise TemplateRefused(
                            _("Linje %(line)s: [ellers] står uten en [hvis …] foran seg.") % {"line": line}
                        )
                    open_ifs[-1] = (open_ifs[-1][0], True)
                    out.append("{% else %}")
                elif lowered == "slutt":
                    if not open_ifs:
                        raise TemplateRefused(
                            _("Linje %(line)s: [slutt] står uten en [hvis …] foran seg.") % {"line": line}
                        )
                    open_ifs.pop()
                    out.append("{% endif %}")
                else:
                    out.append(self.field(word, line))
        out.append(_escape(text[position:]))
        if bold_line is not None:
            raise TemplateRefused(
                _("Linje %(line)s: fet skrift (**) er ikke avsluttet med ** i samme avsnitt.")
                % {"line": bold_line}
            )
        if open_ifs:
            raise TemplateRefused(
                _(
                    "Linje %(line)s: [hvis …] må avsluttes med [slutt] i samme avsnitt. Skal den gjelde "
                    "flere avsnitt, skriver du [hvis …] og [slutt] på hver sin linje."
                )
                % {"line": open_ifs[-1][0]}
            )
        return "".join(out)

    # --- blocks ----------------------------------------------------------------

    def blocks(self, source: str) -> list[tuple[str, object]]:
        """The source as items: ("block", _Block), ("control", (word, line)), ("small", line)."""
        items: list[tuple[str, object]] = []
        current: _Block | None = None

        def flush() -> None:
            nonlocal current
            if current is not None:
                items.append(("block", current))
                current = None

        for number, raw in enumerate(source.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
            line = raw.rstrip()
            stripped = line.strip()
            if not stripped:
                flush()
                continue
            if control := _CONTROL_LINE.match(line):
                flush()
                items.append(("control", (control.group(1), number)))
                continue
            if stripped == SMALL_PRINT:
                flush()
                items.append(("small", number))
                continue
            if heading := _HEADING.match(stripped):
                flush()
                level = "h3" if len(heading[1]) == 3 else "h2"
                items.append(("block", _Block(level, [(number, heading[2])])))
                continue
            kind = "list" if stripped.startswith("- ") else "table" if stripped.startswith("|") else "p"
            if current is None or current.kind != kind:
                flush()
                current = _Block(kind)
            current.lines.append((number, stripped if kind != "p" else line.strip()))
        flush()
        return items

    def block_html(self, block: _Block) -> str:
        first_line, first = block.lines[0]
        if block.kind in ("h2", "h3"):
            return f"<{block.kind}>{self.inline(first, first_line)}</{block.kind}>"
        if block.kind == "list":
            items = "\n".join(f"  <li>{self.inline(text[2:].strip(), n)}</li>" for n, text in block.lines)
            return f"<ul>\n{items}\n</ul>"
        if block.kind == "table":
            rows = []
            for n, text in block.lines:
                cells = [c.strip() for c in text.strip().strip("|").split("|")]
                if len(cells) < 2:
                    raise TemplateRefused(
                        _(
                            "Linje %(line)s: en tabellrad trenger to deler, "
                            "for eksempel «| Dag | [dag for samtalen]»."
                        )
                        % {"line": n}
                    )
                head, *values = (self.inline(cell, n) for cell in cells)
                tds = "".join(f"<td>{v}</td>" for v in values)
                rows.append(f'  <tr><th scope="row">{head}</th>{tds}</tr>')
            return '<table class="facts">\n' + "\n".join(rows) + "\n</table>"
        text = "\n".join(t for _n, t in block.lines)
        body = self.inline(text, first_line)
        if first.strip().rstrip(",").lower() in GREETINGS:
            return f'<p class="signature">{body}</p>'
        return f"<p>{body}</p>"

    def convert(self, source: str) -> str:
        parts: list[str] = []
        kinds: list[str] = []
        open_ifs: list[tuple[int, str, bool]] = []  # (line, word, seen else)
        small_at: int | None = None
        for what, item in self.blocks(source):
            if what == "control":
                word, number = item  # type: ignore[misc]
                lowered = word.lower()
                if lowered.startswith("hvis"):
                    parts.append(self.condition(word, number))
                    open_ifs.append((number, word, False))
                elif lowered == "ellers":
                    if not open_ifs or open_ifs[-1][2]:
                        raise TemplateRefused(
                            _("Linje %(line)s: [ellers] står uten en [hvis …] foran seg.") % {"line": number}
                        )
                    open_ifs[-1] = (*open_ifs[-1][:2], True)
                    parts.append("{% else %}")
                else:
                    if not open_ifs:
                        raise TemplateRefused(
                            _("Linje %(line)s: [slutt] står uten en [hvis …] foran seg.") % {"line": number}
                        )
                    open_ifs.pop()
                    parts.append("{% endif %}")
                kinds.append("control")
            elif what == "small":
                number = item
                if small_at is not None:
                    raise TemplateRefused(
                        _(
                            "Linje %(line)s: brevet kan ha bare én linje med --- "
                            "(liten skrift fra linje %(first)s)."
                        )
                        % {"line": number, "first": small_at}
                    )
                if open_ifs:
                    raise TemplateRefused(
                        _("Linje %(line)s: --- kan ikke stå inne i [%(word)s] fra linje %(open)s.")
                        % {"line": number, "word": open_ifs[-1][1], "open": open_ifs[-1][0]}
                    )
                small_at = number  # type: ignore[assignment]
                parts.append('<section class="privacy">')
                kinds.append("small")
            else:
                html_block = self.block_html(item)  # type: ignore[arg-type]
                if html_block.startswith('<p class="signature">') and kinds and kinds[-1] == "p":
                    parts[-1] = f'<div class="closing">\n{parts[-1]}\n{html_block}\n</div>'
                    kinds[-1] = "closing"
                    continue
                parts.append(html_block)
                kinds.append("p" if html_block.startswith("<p>") else "block")
        if open_ifs:
            number, word, _seen = open_ifs[-1]
            raise TemplateRefused(
                _("Linje %(line)s: [%(word)s] mangler en [slutt].") % {"line": number, "word": word}
            )
        if small_at is not None:
            parts.append("</section>")
        return "\n\n".join(parts) + "\n"


def to_template(source: str, fields: Mapping[str, str]) -> str:
    """The letter template for brevtekst `source`; `fields` maps each field's
    name (as the leader writes it) to its template variable. Raises
    `TemplateRefused` naming the line."""
    if not source.strip():
        raise TemplateRefused(_("Brevteksten er tom."))
    return _Converter(fields).convert(source)


def subject_to_template(source: str, fields: Mapping[str, str]) -> str:
    """The subject: one line of text and fields, no formatting."""
    text = " ".join(source.split())
    return _Converter(fields).inline(text, 1, markup=False)


# --- Back: template → brevtekst -------------------------------------------------------

_TAG = re.compile(r"\{\{\s*(\w+)(\|capfirst)?\s*\}\}|\{%\s*(if|else|endif)\s*(not\s+)?(\w+)?\s*%\}")


_CLASSES = {"p": ("signature",), "div": ("closing",), "section": ("privacy",), "table": ("facts",)}


class _Back(HTMLParser):
    """Reads the HTML subset `to_template` writes."""

    def __init__(self, names: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=False)
        self.names = names  # variable → field name
        self.items: list[tuple[str, str]] = []  # ("block"|"control"|"small", text)
        self.buffer: list[str] | None = None
        self.prefix = ""
        self.list_lines: list[str] | None = None
        self.rows: list[list[str]] | None = None
        self.cells: list[str] | None = None
        self.stack: list[str] = []

    def refuse(self, what: str) -> None:
        raise NotExpressible(what)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        css = attributes.pop("class", None)
        scope = attributes.pop("scope", None) if tag == "th" else None
        if attributes or (scope not in (None, "row")):
            self.refuse(f"<{tag}> attributes")
        if css is not None and css not in _CLASSES.get(tag, ()):
            self.refuse(f"<{tag} class={css}>")
        if tag == "br":
            if self.buffer is None:
                self.refuse("<br> outside text")
            self.buffer.append("\n")
            return
        if tag in ("strong", "b"):
            if self.buffer is None:
                self.refuse("bold outside text")
            self.buffer.append("**")
        elif tag in ("p", "h2", "h3", "li", "th", "td"):
            if self.buffer is not None:
                self.refuse("nested block")
            self.buffer = []
            self.prefix = {"h2": "## ", "h3": "### "}.get(tag, "")
            if tag == "li" and self.list_lines is None or tag in ("th", "td") and self.cells is None:
                self.refuse(f"<{tag}> outside its parent")
        elif tag == "ul":
            self.list_lines = []
        elif tag == "table":
            self.rows = []
        elif tag == "tr":
            if self.rows is None:
                self.refuse("<tr> outside a table")
            self.cells = []
        elif tag == "section":
            self.items.append(("small", SMALL_PRINT))
        elif tag not in ("div", "tbody"):
            self.refuse(f"<{tag}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag != "br":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        if not self.stack or self.stack.pop() != tag:
            self.refuse(f"</{tag}>")
        if tag in ("strong", "b"):
            self.buffer.append("**")  # type: ignore[union-attr]
        elif tag in ("p", "h2", "h3", "li", "th", "td"):
            text = self.text()
            self.buffer = None
            if tag == "li":
                self.list_lines.append("- " + text)  # type: ignore[union-attr]
            elif tag in ("th", "td"):
                self.cells.append(text)  # type: ignore[union-attr]
            else:
                self.items.append(("block", self.prefix + text))
        elif tag == "ul":
            self.items.append(("block", "\n".join(self.list_lines or [])))
            self.list_lines = None
        elif tag == "tr":
            self.rows.append(self.cells or [])  # type: ignore[union-attr]
            self.cells = None
        elif tag == "table":
            self.items.append(("block", "\n".join("| " + " | ".join(row) for row in self.rows or [])))
            self.rows = None

    def text(self) -> str:
        joined = "".join(self.buffer or [])
        lines = [re.sub(" +", " ", part).strip() for part in joined.split("\n")]
        return "\n".join(lines).strip()

    def handle_data(self, data: str) -> None:
        position = 0
        for match in _TAG.finditer(data):
            self.literal(data[position : match.start()])
            position = match.end()
            variable, capfirst, keyword, negate, condition = match.groups()
            if variable:
                name = self.field(variable)
                self.put(name[:1].upper() + name[1:] if capfirst else name, inline_ok=True)
            elif keyword == "if":
                if condition is None:
                    self.refuse("if without a field")
                self.put(("hvis ikke " if negate else "hvis ") + self.field(condition))
            elif negate or condition:
                self.refuse(keyword)
            else:
                self.put("ellers" if keyword == "else" else "slutt")
        rest = data[position:]
        if "{{" in rest or "{%" in rest or "{#" in rest:
            self.refuse("template syntax")
        self.literal(rest)

    def field(self, variable: str) -> str:
        if variable not in self.names:
            self.refuse(variable)
        return self.names[variable]

    def put(self, word: str, *, inline_ok: bool = False) -> None:
        if self.buffer is not None:
            self.buffer.append(f"[{word}]")
        elif inline_ok:
            self.refuse("a field outside text")
        else:
            self.items.append(("control", f"[{word}]"))

    def literal(self, text: str) -> None:
        if self.buffer is not None:
            # HTML whitespace (line breaks too) is a space; only <br> breaks a line.
            self.buffer.append(re.sub(r"[ \t\r\n\f]+", " ", text).replace("[", "\\["))
        elif text.strip():
            self.refuse("text outside a paragraph")

    def handle_entityref(self, name: str) -> None:
        self.literal(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.literal(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.refuse("comment")


def to_markup(template: str, fields: Mapping[str, str]) -> str:
    """The brevtekst of a template in the subset `to_template` writes;
    raises `NotExpressible` for anything else."""
    names = {variable: name for name, variable in fields.items()}
    reader = _Back(names)
    reader.feed(template)
    reader.close()
    if reader.stack or reader.buffer is not None:
        raise NotExpressible("unclosed")
    out = ""
    previous = None
    for kind, text in reader.items:
        if previous is not None:
            # A blank line between blocks; a [hvis …] line sits right on its
            # text, with a blank line after its [slutt].
            tight = "control" in (kind, previous) and not (previous == "control" and out.endswith("[slutt]"))
            out += "\n" if tight else "\n\n"
        out += text
        previous = kind
    return out + "\n"


def subject_to_markup(template: str, fields: Mapping[str, str]) -> str:
    """The brevtekst of a subject template: its text and fields."""
    names = {variable: name for name, variable in fields.items()}
    out = []
    position = 0
    for match in re.finditer(r"\{\{\s*(\w+)(\|capfirst)?\s*\}\}", template):
        out.append(_subject_text(template[position : match.start()]))
        position = match.end()
        if match[1] not in names:
            raise NotExpressible(match[1])
        name = names[match[1]]
        out.append(f"[{name[:1].upper() + name[1:]}]" if match[2] else f"[{name}]")
    out.append(_subject_text(template[position:]))
    return "".join(out)


def _subject_text(text: str) -> str:
    if "{{" in text or "{%" in text or "{#" in text:
        raise NotExpressible("template syntax")
    return html.unescape(text).replace("[", "\\[")
