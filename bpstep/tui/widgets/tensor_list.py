"""The tensor pane's list: each tensor of the layer with its shape, min, max, mean and norm.

The columns fit the pane: fewer significant digits, then fewer statistics, never a number cut
to an ellipsis (at 80×24 the pane is 46 cells wide).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.text import Text

from bpstep.tui.numbers import compact

from .text_grid import text_grid

STATS = {"min": "min", "max": "max", "mean": "mean", "norm": "‖·‖"}

# (significant digits, statistics shown), tried in order until the list fits the pane
LAYOUTS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (3, ("min", "max", "mean", "norm")),
    (2, ("min", "max", "mean", "norm")),
    (2, ("min", "max", "norm")),
    (2, ("min", "max")),
    (2, ("norm",)),
)


@dataclass(frozen=True)
class SummaryRow:
    """One tensor of the list: its marker (▶ shown, ✱ new), label, shape, summary, and how many
    entries are not finite."""

    marker: str | Text
    label: Text
    shape: str
    stats: dict[str, float]
    nonfinite: int
    hidden: bool = False  # a quiz's question: shape and numbers shown as ? until answered
    note: str = ""  # a warning after the numbers (saturated or dead units)


HIDDEN = "?"


def _bad(row: SummaryRow) -> Text:
    text = Text("")
    if row.nonfinite:
        text.append(f"{row.nonfinite} non-finite!", style="bold magenta")
    if row.note:
        text.append((" " if row.nonfinite else "") + row.note, style="bold #d19a66")
    return text


def layout_for(rows: list[SummaryRow], width: int) -> tuple[int, tuple[str, ...], int]:
    """The first of ``LAYOUTS`` whose table is at most ``width`` cells wide (0: any width), and
    the cells it takes without the notes (which get what is left)."""
    fixed = [
        max([cell_len(str(r.marker)) for r in rows] + [0]),
        max([cell_len(r.label.plain) for r in rows] + [len("tensor")]),
        max([len(r.shape) for r in rows] + [len("shape")]),
    ]
    # a warning (non-finite, saturated units) gets what the numbers leave, cut short: only the
    # count of non-finite entries makes the numbers give up room
    bad = max([cell_len(f"{r.nonfinite} non-finite!") for r in rows if r.nonfinite] + [0])
    for digits, stats in LAYOUTS:
        columns = fixed + [
            max([len(compact(r.stats[k], digits)) for r in rows] + [cell_len(STATS[k])])
            for k in stats
        ]
        total = sum(columns) + len(columns) - 1 + (bad + 1 if bad else 0)
        if not width or total <= width:
            return digits, stats, total
    return (*LAYOUTS[-1], width)


def summary_table(rows: list[SummaryRow], width: int) -> Text:
    """The list as a table no wider than ``width`` (0 before the pane is laid out)."""
    digits, stats, used = layout_for(rows, width)
    # the notes (saturated units) get what the numbers leave, cut short ("⚠ 1…"); none when
    # nothing is left: a number is never cut for them
    room = width - used - 1 if width else 10_000
    if room < 3:
        rows = [replace(r, note="") for r in rows]
    bad = any(r.nonfinite or r.note for r in rows)  # a last column for the warnings
    heads = ["", "tensor", "shape", *(STATS[k] for k in stats)] + [""] * bad
    justify = ["right" if 3 <= i < 3 + len(stats) else "left" for i in range(len(heads))]
    widths: list[int | None] = [None] * len(heads)
    if bad:  # the warnings cut short, with an ellipsis
        widths[-1] = max(room, max((r.nonfinite > 0) * 13 for r in rows))
    cells: list[list[str | Text]] = [[Text(h, style="dim") for h in heads]]
    for r in rows:
        numbers = [Text(HIDDEN if r.hidden else compact(r.stats[k], digits)) for k in stats]
        shape = HIDDEN if r.hidden else r.shape
        cells.append([r.marker, r.label, shape, *numbers, *[_bad(r)] * bad])
    return text_grid(cells, justify, collapse=True, max_widths=widths)
