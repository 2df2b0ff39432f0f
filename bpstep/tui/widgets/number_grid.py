"""A small tensor as numbers that fit the pane: a matrix as a table, a long column vector folded
into numbered columns ([1] … [h], [h+1] …), with fewer decimals when the user's do not fit.

``number_grid`` returns None when even ``MIN_DECIMALS`` do not fit across the pane: the pane then
draws a heatmap. Rows beyond the pane's height scroll (``NumbersView``). No number is ever cut.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from bpstep.tui.numbers import fixed_decimals

from .text_grid import text_grid

MAX_NUMBER_CELLS = 160  # more entries than this are a heatmap
CURSOR = " reverse"  # the entry under the cursor (x explains it)
MAX_COLUMNS = 12
MIN_DECIMALS = 2  # below this, fixed-point numbers mostly read 0.0
POSITIVE, NEGATIVE = "#e06c75", "#61afef"


def cell(v: float, decimals: int, cursor: bool = False) -> Text:
    """One entry: red above zero, blue below, magenta when not finite; reversed under the
    cursor."""
    mark = CURSOR if cursor else ""
    if not np.isfinite(v):
        return Text(f"{v}", style="bold white on magenta" + mark)
    style = POSITIVE if v > 0 else (NEGATIVE if v < 0 else "dim")
    return Text(fixed_decimals(float(v), decimals), style=style + mark)


def _width(values: np.ndarray, decimals: int) -> int:
    return max(len(fixed_decimals(float(v), decimals)) for v in values.ravel())


def number_grid(
    x: np.ndarray, room: int, width: int, decimals: int, cursor: tuple[int, int] | None = None
) -> tuple[Text, int, int] | None:
    """(the table, the decimals it uses, the rows of each column of a folded vector: 0 when not
    folded) for ``x`` in ``room`` lines of ``width`` cells, or None when it is too big for
    numbers. Fewer decimals than asked for only where that makes every number fit at once; else
    the rows scroll. ``width`` 0: not laid out yet, any width. ``cursor``: (row, column) of the
    entry drawn reversed (a folded vector's (i, 0))."""
    if x.size > MAX_NUMBER_CELLS or x.size == 0:
        return None
    if x.shape[1] == 1 and x.shape[0] > room:
        return _fold(x[:, 0], room, width, decimals, cursor[0] if cursor else -1)
    if x.shape[1] > MAX_COLUMNS:
        return None
    for d in range(decimals, MIN_DECIMALS - 1, -1):
        if not width or x.shape[1] * (_width(x, d) + 1) - 1 <= width:
            rows = [
                [cell(v, d, (r, c) == cursor) for c, v in enumerate(row)] for r, row in enumerate(x)
            ]
            return text_grid(rows, ["right"] * x.shape[1]), d, 0
    return None


def _fold(
    v: np.ndarray, room: int, width: int, decimals: int, cursor: int = -1
) -> tuple[Text, int, int]:
    """A column vector too long for the pane as numbered columns [1] … [h], [h+1] …: as many
    columns as it takes to show every entry, with fewer decimals if that makes them fit, else
    as many columns as fit (the rest scrolls)."""
    need = -(-len(v) // max(1, room))
    label = len(f"[{len(v)}]")

    def fitting(d: int) -> int:  # numbered columns that fit across the pane
        return (width + 1) // (label + 1 + _width(v, d) + 1) if width else need

    groups, d = max(1, min(need, fitting(decimals))), decimals
    for fewer in range(decimals, MIN_DECIMALS - 1, -1):
        if fitting(fewer) >= need:
            groups, d = need, fewer
            break
    height = -(-len(v) // groups)
    rows = []
    for r in range(height):
        cells: list[str | Text] = []
        for g in range(groups):
            i = g * height + r
            cells += [f"[{i + 1}]", cell(v[i], d, i == cursor)] if i < len(v) else ["", ""]
        rows.append(cells)
    # the labels [i] dim, the numbers in their own colours
    return text_grid(rows, ["right"] * 2 * groups, styles=["dim", ""] * groups), d, height
