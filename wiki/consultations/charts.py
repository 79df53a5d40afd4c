"""PURE server-rendered SVG bar charts for round reports.

Charts are a picture of numbers the page also gives as a table, so the SVG is labelled as an image
with a title and points to that table; every bar carries its number as text (nothing is told by
colour alone). No inline style: bars and text take their looks from classes in
static/css/consultations.css, which the CSP allows. Every label is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ROW, BAR_HEIGHT, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH, TOP = 30, 20, 230, 300, 60, 8
MAX_LABEL = 32


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, chart_id: str, table_id: str = "") -> str:
    """An SVG of horizontal bars, one per (label, value), scaled to the largest value."""
    if not rows:
        return ""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = TOP * 2 + ROW * len(rows)
    largest = max(value for _, value in rows) or 1
    described = f' aria-describedby="{escape(table_id)}"' if table_id else ""
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title"{described} focusable="false">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        y = TOP + i * ROW
        bar = round(BAR_WIDTH * value / largest) if value else 0
        parts.append(
            f'<g class="chart-row">'
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 5}" text-anchor="end">'
            f'{escape(_short(label))}</text>'
            f'<rect class="chart-bar chart-bar-{i % 6}" x="{LABEL_WIDTH}" y="{y}" width="{max(bar, 1)}" '
            f'height="{BAR_HEIGHT}"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + max(bar, 1) + 6}" y="{y + BAR_HEIGHT - 5}">{value}</text>'
            f'</g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def counts_chart(counts, *, title: str, chart_id: str, table_id: str = "") -> str:
    """``bar_chart`` of report counts (anything with ``label`` and ``count``)."""
    return bar_chart([(c.label, c.count) for c in counts], title=title, chart_id=chart_id, table_id=table_id)
