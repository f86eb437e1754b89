"""The only template tags and filters a letter template can use.

Letter templates are written by office leaders and rendered for tenants, so
the engine that renders them (`letters.engine.LetterEngine`) knows no
Django built-ins at all, only what this library registers. Everything left
out either turns escaping off or emits markup (`safe`, `autoescape`,
`urlize`, …), reaches outside the template (`include`, `load`, `url`, …),
makes a letter depend on something other than its stored snapshot (`now`,
`random`), or can make a preview run or grow without bound inside a web
request (`lorem`, `ljust`, `widthratio`, `add`, `join`, …).

The allowed functions are Django's own; a loop is counted so that nested
`{% for %}` tags cannot multiply into millions of iterations, and
`floatformat` is held to a few decimals.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.template import Library, defaultfilters, defaulttags
from django.template.base import FilterExpression
from django.utils.translation import gettext as _

register = Library()

# Tags, and the words that only make sense inside them.
ALLOWED_TAGS: tuple[str, ...] = ("if", "for", "with", "comment", "firstof")
INNER_TAG_WORDS: frozenset[str] = frozenset(
    {"elif", "else", "endif", "empty", "endfor", "endwith", "endcomment"}
)
ALLOWED_FILTERS: tuple[str, ...] = (
    "capfirst",
    "upper",
    "lower",
    "title",
    "default",
    "default_if_none",
    "yesno",
    "pluralize",
    "length",
    "linebreaksbr",
    "floatformat",
    "date",
    "time",
    "truncatechars",
    "truncatewords",
)

# All loops of one rendering together; a letter has no long lists to print.
LOOP_LIMIT = 1000
FLOATFORMAT_MAX_DIGITS = 10


class LoopLimitExceeded(Exception):
    """The template's loops ran more often than any letter needs."""


class _CountedSequence(FilterExpression):
    """The sequence of a `{% for %}`: resolves as before, and charges its
    length to the rendering's loop budget."""

    __slots__ = ()

    def resolve(self, context: Any, ignore_failures: bool = False) -> Any:
        values = super().resolve(context, ignore_failures=ignore_failures)
        if values is None:
            return values
        if not hasattr(values, "__len__"):
            values = list(values)
        budget = context.render_context.setdefault("letter_loop_budget", [LOOP_LIMIT])
        budget[0] -= len(values)
        if budget[0] < 0:
            raise LoopLimitExceeded(
                _("En løkke ({%% for %%}) i malen går for mange ganger (over %(limit)s til sammen).")
                % {"limit": LOOP_LIMIT}
            )
        return values


@register.tag("for")
def do_for(parser: Any, token: Any) -> defaulttags.ForNode:
    node = defaulttags.do_for(parser, token)
    counted = copy.copy(node.sequence)
    counted.__class__ = _CountedSequence
    node.sequence = counted
    return node


for _name in ALLOWED_TAGS:
    if _name != "for":
        register.tags[_name] = defaulttags.register.tags[_name]


def floatformat(text: Any, arg: Any = -1) -> str:
    """Django's `floatformat`, with at most ten decimals either way."""
    match = re.fullmatch(r"(-?)(\d+)([gu]*)", str(arg))
    if match:
        sign, digits, suffix = match.groups()
        arg = f"{sign}{min(int(digits), FLOATFORMAT_MAX_DIGITS)}{suffix}"
    return defaultfilters.floatformat(text, arg)


register.filter("floatformat", floatformat, is_safe=True)
for _name in ALLOWED_FILTERS:
    if _name != "floatformat":
        # The same function objects, with Django's is_safe/needs_autoescape flags.
        register.filters[_name] = defaultfilters.register.filters[_name]
