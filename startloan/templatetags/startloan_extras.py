"""Money, rates and findings as a Norwegian reader expects them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def nok(value: Any) -> str:
    """1234567 → '1 234 567 kr' (non-breaking spaces, minus sign)."""
    number = _decimal(value)
    if number is None:
        return "–"
    whole = number.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{whole:,.0f}".replace(",", "\u00a0").replace("-", "−") + "\u00a0kr"


@register.filter
def nok_minus(value: Any) -> str:
    """An amount subtracted: '−25 244 kr', but '0 kr' for nothing."""
    number = _decimal(value)
    if number is None:
        return "–"
    text = nok(number)
    return text if number.quantize(Decimal("1"), rounding=ROUND_HALF_UP) == 0 else "−" + text


STATUS_CLASSES = {
    "received": "text-bg-secondary",
    "in_review": "text-bg-info",
    "granted": "text-bg-success",
    "rejected": "text-bg-danger",
    "withdrawn": "text-bg-light border",
    "disbursed": "text-bg-primary",
}


@register.filter
def status_class(status: str) -> str:
    """Bootstrap colours for a status badge; the badge always says the status in words."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")


@register.filter
def pct(value: Any, places: int = 2) -> str:
    """A fraction (0.0714) → '7,14 %'."""
    number = _decimal(value)
    if number is None:
        return "–"
    shown = (number * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{shown:f}".replace(".", ",").replace("-", "−") + "\u00a0%"


@register.filter
def percent_value(value: Any) -> str:
    """A stored percentage (4.640) → '4,64 %'."""
    number = _decimal(value)
    if number is None:
        return "–"
    text = f"{number.normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"


@register.filter
def times(value: Any) -> str:
    """A ratio (4.5123) → '4,51'."""
    number = _decimal(value)
    if number is None:
        return "–"
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}".replace(".", ",")


LEVELS = {
    "ok": ("✓", gettext_lazy("OK")),
    "info": ("i", gettext_lazy("Merk")),
    "warning": ("!", gettext_lazy("Advarsel")),
    "problem": ("✗", gettext_lazy("Problem")),
}


@register.filter
def level_label(level: str) -> str:
    return str(LEVELS.get(level, ("", level))[1])


@register.filter
def level_icon(level: str) -> str:
    return LEVELS.get(level, ("", ""))[0]


@register.simple_tag
def household_text(adults: int, couple: bool, children_ages: list) -> str:
    """'2 voksne (par), 2 barn (4 og 9 år)'."""
    parts = []
    if adults == 1:
        parts.append(_("1 voksen"))
    else:
        parts.append(_("%(n)s voksne") % {"n": adults} + (" " + _("(par)") if couple else ""))
    if children_ages:
        known = [str(a) for a in children_ages if a is not None]
        unknown = len(children_ages) - len(known)
        text = _("%(n)s barn") % {"n": len(children_ages)}
        details = []
        if known:
            ages = known[0] if len(known) == 1 else ", ".join(known[:-1]) + " " + _("og") + " " + known[-1]
            details.append(_("%(ages)s år") % {"ages": ages})
        if unknown:
            details.append(_("%(n)s uten fødselsdato") % {"n": unknown})
        parts.append(f"{text} ({'; '.join(details)})")
    return ", ".join(parts)


@register.filter
def debt_kind(kind: str) -> str:
    """A debt line's kind in words ('student' → 'Studielån')."""
    from ..forms import DEBT_KINDS

    return str(dict(DEBT_KINDS).get(kind, kind))
