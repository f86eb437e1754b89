"""Charts as inline SVG, drawn on the server.

The same markup serves the dashboard and the PDF report (WeasyPrint draws
SVG itself), so there is no JavaScript anywhere. Each chart is an `img` with
a title and a description that reads out every value; values are printed on
the bars and points, so nothing is told by colour alone. Pages put the same
figures in a table next to the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colours with at least 3:1 contrast against white (WCAG 1.4.11), and
# distinguishable for the common colour-vision deficiencies.
PALETTE = ("#0b3d5c", "#c0502b", "#5b6770", "#2e7d32")


def number(value: float | int | None, decimals: int = 0) -> str:
    """Norwegian number: space between thousands, decimal comma; – for none."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return text


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _gridline(x1: float, x2: float, y: float) -> str:
    return f'<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8cdd1" stroke-width="1"/>'


def _description(categories: Sequence[str], series: Sequence[Series], decimals: int, unit: str) -> str:
    parts = []
    for s in series:
        values = ", ".join(
            f"{c}: {number(v, decimals)}{(' ' + unit) if unit and v is not None else ''}"
            for c, v in zip(categories, s.values, strict=True)
        )
        parts.append(f"{s.label}: {values}." if len(series) > 1 else f"{values}.")
    return " ".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    decimals: int = 0,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Vertical bars, one group per category, one bar per series."""
    left, right, top, bottom = 40, 10, 16, 46 if len(series) > 1 else 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    group_w = plot_w / max(1, len(categories))
    bar_w = min(42.0, group_w * 0.8 / max(1, len(series)))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(categories, series, decimals, unit))}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        out.append(_gridline(left, width - right, y))
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5259">'
            f"{escape(number(peak * fraction, decimals if peak < 10 else 0))}</text>"
        )
    for i, category in enumerate(categories):
        gx = left + group_w * i + (group_w - bar_w * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i]
            h = 0 if not value else plot_h * float(value) / peak
            x, y = gx + bar_w * j, top + plot_h - h
            colour = PALETTE[j % len(PALETTE)]
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="#1b1f22" '
                f'font-size="10">{escape(number(value, decimals))}</text>'
            )
        out.append(
            f'<text x="{left + group_w * i + group_w / 2:.1f}" y="{top + plot_h + 15}" text-anchor="middle" '
            f'fill="#1b1f22">{escape(category)}</text>'
        )
    if len(series) > 1:
        x = left
        for j, s in enumerate(series):
            colour = PALETTE[j % len(PALETTE)]
            out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
            out.append(f'<text x="{x + 14}" y="{height - 5}" fill="#1b1f22">{escape(s.label)}</text>')
            x += 24 + 7 * len(s.label)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def line_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    values: Sequence[float | int | None],
    *,
    unit: str = "",
    decimals: int = 1,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """A line through the values with each point labelled; gaps where None."""
    left, right, top, bottom = 40, 16, 18, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v or 0 for v in values), default=0))
    step = plot_w / max(1, len(categories))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        f"{escape(_description(categories, [Series(title, values)], decimals, unit))}</desc>",
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        out.append(_gridline(left, width - right, y))
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5259">'
            f"{escape(number(peak * fraction, 1 if peak < 10 else 0))}</text>"
        )
    points: list[tuple[float, float, float]] = []
    segments: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        x = left + step * i + step / 2
        if value is None:
            segments.append([])
            continue
        y = top + plot_h * (1 - float(value) / peak)
        points.append((x, y, float(value)))
        segments[-1].append((x, y))
    for segment in segments:
        if len(segment) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for x, y, value in points:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" fill="#1b1f22" font-size="10">'
            f"{escape(number(value, decimals))}</text>"
        )
    for i, category in enumerate(categories):
        out.append(
            f'<text x="{left + step * i + step / 2:.1f}" y="{top + plot_h + 15}" text-anchor="middle" '
            f'fill="#1b1f22">{escape(category)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def hbar_chart(
    chart_id: str, title: str, labels: Sequence[str], values: Sequence[int], *, width: int = 640
) -> SafeString:
    """Horizontal bars with the label left and the value right: the funnel."""
    row_h, label_w, value_w = 24, 190, 50
    height = row_h * len(labels) + 8
    peak = max(values, default=0) or 1
    bar_space = width - label_w - value_w
    description = "; ".join(f"{label}: {number(v)}" for label, v in zip(labels, values, strict=True))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="DejaVu Sans, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + row_h * i
        w = bar_space * value / peak
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="#1b1f22">{escape(label)}</text>'
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}"/>'
        )
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" fill="#1b1f22">{escape(number(value))}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
