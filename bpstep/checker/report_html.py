"""A check report as HTML, for notebooks (``CheckReport._repr_html_``): a table, not a wall of text.

Plain HTML (no Rich below the presentation layer, no script, no stylesheet): the results are a
``<table>``, the lines around it are the text report's own pieces (``CheckReport.segments``),
so what a notebook shows never drifts from ``str(report)``. Every piece of text is escaped: a
learner's file name, message or exception text is shown, never interpreted. Colours are inline
and readable on light and dark themes; the words (agree, disagree, error) carry the meaning
without them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.report import CheckReport, Segment

GREEN, RED, PURPLE, AMBER = "#1a7f37", "#cf222e", "#8250df", "#b35900"
STYLES = {
    "title": "font-weight:bold",
    "dim": "opacity:0.7",
    "header": "font-weight:bold",
    "agree": f"color:{GREEN};font-weight:bold",
    "disagree": f"color:{RED};font-weight:bold",
    "error": f"color:{PURPLE};font-weight:bold",
    "slip": "font-style:italic",
    "hint": f"color:{AMBER};font-weight:bold",
    "warning": f"color:{AMBER}",
    "ok": f"color:{GREEN};font-weight:bold",
    "bad": f"color:{RED};font-weight:bold",
}
HEAD = (
    "function",
    "layer",
    "result",
    "rel. error",
    "vs fin. diff.",
    "band",
    "slip",
    "worst: yours / right",
)
TEXT = "white-space:pre-wrap;font-family:monospace;margin:0.3em 0"
CELL = "padding:0.1em 0.8em 0.1em 0;text-align:left;font-family:monospace"


def span(text: str, kind: str) -> str:
    """One escaped piece of text, styled by its kind."""
    style = STYLES.get(kind)
    return f'<span style="{style}">{escape(text)}</span>' if style else escape(text)


def text_block(segments: list[Segment]) -> str:
    """Lines of the text report, as they are (pre-wrapped), each piece styled."""
    if not segments:
        return ""
    return f'<div style="{TEXT}">' + "".join(span(t, k) for t, k in segments) + "</div>"


def table(report: CheckReport) -> str:
    """The results: one row per function, layer and quantity (the text report's columns)."""
    head = "".join(f'<th style="{CELL}">{escape(h)}</th>' for h in HEAD)
    rows = []
    for r in report.findings:
        cells = report.row(r)
        out = []
        for i, cell in enumerate(cells):
            kind = str(r.status) if i == 2 else ("slip" if i == 6 and r.slip else "")
            out.append(f'<td style="{CELL}">{span(cell, kind)}</td>')
        rows.append("<tr>" + "".join(out) + "</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(HEAD)}">no results</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: CheckReport) -> str:
    """The whole report: the header lines, the table, the details, the footer."""
    parts = [
        text_block(report.header()),
        table(report),
        text_block(report.details()),
        text_block(report.footer()),
    ]
    return '<div class="bpstep-check-report">' + "".join(parts) + "</div>"


__all__ = ["to_html"]
