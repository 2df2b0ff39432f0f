"""The viewed layer's tensors: a list with shapes and summaries, and the selected one drawn.

Small tensors are shown as numbers at the chosen precision; large ones as a heatmap with a cursor
whose value is printed under it. Non-finite entries are magenta and counted in a warning line.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from bpstep.session.tensors import ORDER, PER_SAMPLE, label, summary

from .heatmap import Heatmap
from .number_cursor import NumberGrid

MAX_NUMBER_CELLS = 160
NEW_STYLE = "#e5c07b"  # the tensors the current stop computed
CURSOR_STYLE = " reverse"  # the entry x explains, in the numbers view
HIDDEN_TEXT = "?"  # a quiz's hidden tensor, until the learner answers


class TensorView(Vertical):
    class TensorClicked(Message):
        """A row of the tensor list was clicked: show that tensor."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    _shown: list[str] = []  # the tensors listed, top to bottom (row 1 = the first)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self.query_one("#tensor-list"))
        if offset is not None and 1 <= offset.y <= len(self._shown):
            self.post_message(self.TensorClicked(self._shown[offset.y - 1]))

    def on_heatmap_cursor_moved(self, _message) -> None:
        self.update_cursor()

    regularised = True  # λ > 0: ∂Ĵ/∂W; the app sets False for λ = 0 (∂J/∂W)
    number_cursor = (0, 0)  # (row, column) of the numbers drawn; a folded vector's (i, 0)
    _fold = 0  # rows per column of a folded vector (0: not folded)
    _drawn_shape = (0, 0)  # the shape of the numbers drawn (one sample: a column)
    _column: int | None = None  # the sample shown of a per-sample tensor (None: all of them)

    def on_number_grid_moved(self, message: NumberGrid.Moved) -> None:
        """Move the numbers' cursor (a folded vector: left and right go a column over)."""
        rows, cols = self._drawn_shape
        r, c = self.number_cursor
        if self._fold:
            i = r + message.rows + message.cols * self._fold
            self.number_cursor = (max(0, min(rows - 1, i)), 0)
        else:
            r = max(0, min(rows - 1, r + message.rows))
            self.number_cursor = (r, max(0, min(cols - 1, c + message.cols)))
        self.show(*self._last)

    def entry(self) -> tuple[str, int, int] | None:
        """(tensor name, row, column) of the entry under the cursor, 0-based in the whole
        tensor (a per-sample tensor shown one sample at a time: that sample's column)."""
        mode = getattr(self, "_shown_mode", None)
        if mode == "heatmap":
            r, c = self.query_one(Heatmap).cursor
        elif mode == "numbers":
            r, c = self.number_cursor
        else:
            return None
        return self._last[2], r, (self._column if self._column is not None else c)

    _rows = 0  # rows the list is laid out for: relaid only when a layer needs another count

    def compose(self) -> ComposeResult:
        yield Static(id="tensor-list")
        yield Static(id="tensor-title")
        yield NumberGrid(id="tensor-numbers")
        yield Heatmap(id="tensor-heatmap")
        yield Static(id="tensor-cursor")

    def show(
        self,
        tensors: dict,
        layer: int,
        selected: str,
        sample: int,
        precision: int,
        new: set[str] | frozenset[str] = frozenset(),
        hidden: set[str] | frozenset[str] = frozenset(),
        notes: dict[str, str] | None = None,
    ) -> str:
        """Draw; returns the name actually selected (the first known one if ``selected`` isn't).

        ``new`` names the tensors the current stop has just computed: they are marked.
        ``hidden`` ones (a quiz's question) show ? until answered; ``notes`` add a warning to a
        tensor's row (saturated or dead units).
        """
        self._last = (tensors, layer, selected, sample, precision, new, hidden, notes)
        names = [n for n in tensors if n in ORDER]  # in the session's order (tensors.ordered)
        if selected not in names and names:
            selected = names[0]
        rows = self._list(tensors, names, layer, selected, new, hidden, notes or {})
        if not names:
            self.query_one("#tensor-title", Static).update("nothing known about this layer yet")
            self._mode(None)
            return selected
        x = self._title(tensors, selected, layer, sample, new, selected in hidden)
        # rows below the list and the title (0 before the first layout: no limit yet)
        room = max(0, self.content_size.height - (rows + 1) - 2) or x.shape[0]
        if selected in hidden:
            self._hidden()
        else:
            self._draw(x, room, precision)
        return selected

    def _list(
        self,
        tensors: dict,
        names: list[str],
        layer: int,
        selected: str,
        new,
        hidden=frozenset(),
        notes: dict[str, str] | None = None,
    ) -> int:
        """The list of the layer's tensors with their summaries; returns the rows it takes.

        A steady height: the heatmap below stays put while stepping, and the screen is not laid
        out again (relaying it out per change of layer took digits from 12 to 45 ms a key). A
        short pane lists a window of rows around the selected tensor, so that its numbers still
        have room.
        """
        listing = Table.grid(padding=(0, 1))
        heads = ("", "tensor", "shape", "min", "max", "mean", "‖·‖", "")
        for col in heads[:-1]:
            listing.add_column(justify="right" if col in ("min", "max", "mean", "‖·‖") else "left")
        # warnings (non-finite, saturated units) get what the numbers leave, cut short rather
        # than wrapping the row (a narrow pane keeps their first cells: "⚠ 1…")
        room = max(3, (self.content_size.width or 200) - 60)
        listing.add_column(no_wrap=True, overflow="ellipsis", max_width=room)
        listing.add_row(*(Text(h, style="dim") for h in heads))
        height = self.content_size.height
        possible = len(ORDER)  # the most a layer can list
        if height and height < possible + 1 + 2 + 8:
            possible = max(2, height // 2 - 2)
        shown = names
        if len(names) > possible:
            i = names.index(selected)
            first = min(max(0, i - (possible - 1) // 2), len(names) - (possible - 1))
            shown = names[first : first + possible - 1]  # the last row says what is hidden
        for n in shown:
            row = self._row(n, np.asarray(tensors[n]), layer, selected, new, tensors)
            if n in hidden:  # its shape too: a quiz may ask for it
                row = (*row[:2], *(Text(HIDDEN_TEXT, style="bold") for _ in range(5)), row[7])
            if notes and n in notes:
                row = (*row[:7], Text.assemble(row[7], Text(notes[n], style="bold #d19a66")))
            listing.add_row(*row)
        self._shown = shown
        rest = [n for n in names if n not in shown]
        more = Text("")
        if rest:
            bad = any(not np.isfinite(np.asarray(tensors[n])).all() for n in rest)
            more = Text(f"  + {len(rest)} more (tab shows the next)", style="dim")
            if bad:
                more.append("  non-finite among them!", style="bold magenta")
        for _ in range(possible - len(shown) - 1):
            listing.add_row("")
        # always 1 + `possible` lines: the last is "+ N more" (blank), or a tensor's row when a
        # layer has exactly `possible` of them (one line more would be laid out or not,
        # depending on the stop shown when the screen was last laid out)
        parts = [listing] if len(shown) >= possible else [listing, more]
        self.query_one("#tensor-list", Static).update(Group(*parts), layout=possible != self._rows)
        self._rows = possible
        return possible

    def _row(self, name: str, x: np.ndarray, layer: int, selected: str, new, tensors) -> tuple:
        """One tensor's row: marker, label, shape, min, max, mean, norm, non-finite count."""
        s = summary(x)
        bad = int(x.size - np.isfinite(x).sum())
        style = NEW_STYLE if name in new else ""
        if name == selected:
            style += " bold reverse"
        return (
            "▶" if name == selected else Text("✱", style=NEW_STYLE) if name in new else " ",
            Text(label(name, layer, tensors, self.regularised), style=style),
            "×".join(map(str, x.shape)),
            *(Text(f"{s[k]:.3g}") for k in ("min", "max", "mean", "norm")),
            Text(f"{bad} non-finite!", style="bold magenta") if bad else "",
        )

    def _title(
        self, tensors: dict, name: str, layer: int, sample: int, new, hidden: bool = False
    ) -> np.ndarray:
        """The selected tensor's title line; returns what is drawn (one sample's column of a
        per-sample tensor, unless all samples are asked for)."""
        value = tensors[name]
        x = np.atleast_2d(np.asarray(value, dtype=float))
        shape = HIDDEN_TEXT if hidden else "×".join(map(str, np.shape(value)))
        title = f"{label(name, layer, tensors, self.regularised)}  ({shape})"
        if name in new:
            title += "  ✱ computed at this stop"
        self._column = None
        if name in PER_SAMPLE and x.shape[1] > 1 and sample >= 0:
            s = self._column = min(sample, x.shape[1] - 1)
            x = x[:, [s]]
            title += f"   sample {s + 1} of the batch  ([ ] choose, {{ all)"
        elif name in PER_SAMPLE and x.shape[1] > 1:
            title += "   all samples of the batch (columns)"
        self.query_one("#tensor-title", Static).update(Text(title, style="bold"), layout=False)
        self._drawn_shape = x.shape
        r, c = self.number_cursor
        self.number_cursor = (min(r, x.shape[0] - 1), min(c, x.shape[1] - 1))
        return x

    def _hidden(self) -> None:
        """A quiz's hidden tensor: no numbers, no shape (a answers, then they show)."""
        self._mode("numbers")
        text = Text(f"{HIDDEN_TEXT}  hidden: predict it, then press a to answer", style="bold")
        self.query_one("#tensor-numbers", Static).update(text, layout=False)

    def _draw(self, x: np.ndarray, room: int, precision: int) -> None:
        """Numbers when they fit (a long column folded into numbered columns), else a heatmap."""
        numbers = self.query_one("#tensor-numbers", Static)
        cursor = self.number_cursor
        self._fold = 0
        if x.size <= MAX_NUMBER_CELLS and x.shape[1] == 1 and x.shape[0] > room:
            self._mode("numbers")
            numbers.update(self._folded(x[:, 0], room, precision, cursor[0]), layout=False)
        elif x.size <= MAX_NUMBER_CELLS and x.shape[1] <= 12 and x.shape[0] <= room:
            self._mode("numbers")
            t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
            for _ in range(x.shape[1]):
                t.add_column(justify="right")
            for r, row in enumerate(x):
                t.add_row(*(self._cell(v, precision, (r, c) == cursor) for c, v in enumerate(row)))
            numbers.update(t, layout=False)
        else:
            self._mode("heatmap")
            self.query_one(Heatmap).set_matrix(x)
            self.update_cursor()

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)

    def _folded(self, v: np.ndarray, room: int, precision: int, cursor: int = -1) -> Table:
        """A column vector too long for the pane as numbered columns: [1] … [h], [h+1] …"""
        groups = -(-len(v) // room)
        height = self._fold = -(-len(v) // groups)
        t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
        for _ in range(groups):
            t.add_column(justify="right", style="dim")
            t.add_column(justify="right")
        for r in range(height):
            cells: list = []
            for g in range(groups):
                i = g * height + r
                if i < len(v):
                    cells += [f"[{i + 1}]", self._cell(v[i], precision, i == cursor)]
                else:
                    cells += ["", ""]
            t.add_row(*cells)
        return t

    @staticmethod
    def _cell(v: float, precision: int, cursor: bool = False) -> Text:
        mark = CURSOR_STYLE if cursor else ""
        if not np.isfinite(v):
            return Text(f"{v}", style="bold white on magenta" + mark)
        style = "#e06c75" if v > 0 else ("#61afef" if v < 0 else "dim")
        big_or_tiny = abs(v) >= 1e5 or (v != 0 and abs(v) < 10.0**-precision)
        text = f"{v:.{precision}e}" if big_or_tiny else f"{v:.{precision}f}"
        return Text(text, style=style + mark)

    def _mode(self, mode: str | None) -> None:
        if mode == getattr(self, "_shown_mode", "unset"):
            return  # showing or hiding a widget lays the screen out again: only on a change
        self._shown_mode = mode
        self.query_one(NumberGrid).display = mode == "numbers"
        self.query_one(Heatmap).display = mode == "heatmap"
        self.query_one("#tensor-cursor").display = mode == "heatmap"

    def update_cursor(self) -> None:
        hm = self.query_one(Heatmap)
        r, c = hm.cursor
        if hm.matrix.size:
            v = hm.matrix[r, c]
            hint = "(h: move the cursor with the arrows, x explains)"
            self.query_one("#tensor-cursor", Static).update(
                Text(
                    f"[{r + 1}, {c + 1}] = {v:.6g}   {hint}",
                    style="magenta" if not np.isfinite(v) else "",
                ),
                layout=False,
            )
