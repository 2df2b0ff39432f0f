"""Cells in columns as lines of Text: what a borderless Rich ``Table`` draws, built directly.

A Rich table measures every cell, then renders each one through the console: drawing the tensor
list that way took 8 ms of a 20 ms repaint on xor, at every key. These columns are only ever
plain justified cells, so they are laid out here, with the table's own rules (checked against
Rich in ``tests/test_text_grid.py``): a column is as wide as its widest cell; a cell is padded
to that width in its own style and then takes its column's style under its own; one cell of
padding each side of a column but not at the outer edges (``collapse``: one between two
columns, as ``Table.grid`` does).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text


def text_grid(
    rows: Sequence[Sequence[str | Text]],
    justify: Sequence[str],
    styles: Sequence[str] | None = None,
    collapse: bool = False,
    max_widths: Sequence[int | None] | None = None,
) -> Text:
    """``rows`` in ``len(justify)`` columns (``"left"`` or ``"right"``), each column in its
    style (``styles``) and at most its ``max_widths`` cells (longer cells end in an ellipsis);
    one Text of lines that never wrap."""
    n = len(justify)
    styles = styles or [""] * n
    cells = [[c.copy() if isinstance(c, Text) else Text(c) for c in row] for row in rows]
    widths = [max((cell_len(row[i].plain) for row in cells), default=0) for i in range(n)]
    if max_widths is not None:
        widths = [w if m is None else min(w, m) for w, m in zip(widths, max_widths, strict=True)]
    lines = []
    for row in cells:
        line = Text(no_wrap=True, overflow="crop", end="")
        for i, text in enumerate(row):
            if cell_len(text.plain) > widths[i]:
                text.truncate(widths[i], overflow="ellipsis")
            pad = widths[i] - cell_len(text.plain)
            if pad:
                spaces = Text(" " * pad, style=text.style)
                text = Text.assemble(spaces, text) if justify[i] == "right" else text + spaces
            left = " " if i and not collapse else ""
            right = " " if i < n - 1 else ""
            cell = Text.assemble(left, text, right)
            if styles[i]:
                cell.stylize_before(styles[i])
            line.append_text(cell)
        lines.append(line)
    return Text("\n", no_wrap=True, overflow="crop").join(lines)
