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

from bpstep.notation import tensor_label
from bpstep.session.tensors import ORDER, PER_SAMPLE, summary

from .heatmap import Heatmap

MAX_NUMBER_CELLS = 160
NEW_STYLE = "#e5c07b"  # the tensors the current stop computed


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

    _rows = 0  # rows the list is laid out for: relaid only when a layer needs another count

    def compose(self) -> ComposeResult:
        yield Static(id="tensor-list")
        yield Static(id="tensor-title")
        yield Static(id="tensor-numbers")
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
    ) -> str:
        """Draw; returns the name actually selected (the first known one if ``selected`` isn't).

        ``new`` names the tensors the current stop has just computed: they are marked.
        """
        self._last = (tensors, layer, selected, sample, precision, new)
        names = [n for n in ORDER if n in tensors]
        if selected not in names and names:
            selected = names[0]
        rows = self._list(tensors, names, layer, selected, new)
        if not names:
            self.query_one("#tensor-title", Static).update("nothing known about this layer yet")
            self._mode(None)
            return selected
        x = self._title(tensors[selected], selected, layer, sample, new)
        # rows below the list and the title (0 before the first layout: no limit yet)
        room = max(0, self.content_size.height - (rows + 1) - 2) or x.shape[0]
        self._draw(x, room, precision)
        return selected

    def _list(self, tensors: dict, names: list[str], layer: int, selected: str, new) -> int:
        """The list of the layer's tensors with their summaries; returns the rows it takes.

        A steady height: the heatmap below stays put while stepping, and the screen is not laid
        out again (relaying it out per change of layer took digits from 12 to 45 ms a key). A
        short pane lists a window of rows around the selected tensor, so that its numbers still
        have room.
        """
        listing = Table.grid(padding=(0, 1))
        heads = ("", "tensor", "shape", "min", "max", "mean", "‖·‖", "")
        for col in heads:
            listing.add_column(justify="right" if col in ("min", "max", "mean", "‖·‖") else "left")
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
            listing.add_row(*self._row(n, np.asarray(tensors[n]), layer, selected, new))
        self._shown = shown
        hidden = [n for n in names if n not in shown]
        more = Text("")
        if hidden:
            bad = any(not np.isfinite(np.asarray(tensors[n])).all() for n in hidden)
            more = Text(f"  + {len(hidden)} more (tab shows the next)", style="dim")
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

    @staticmethod
    def _row(name: str, x: np.ndarray, layer: int, selected: str, new) -> tuple:
        """One tensor's row: marker, label, shape, min, max, mean, norm, non-finite count."""
        s = summary(x)
        bad = int(x.size - np.isfinite(x).sum())
        style = NEW_STYLE if name in new else ""
        if name == selected:
            style += " bold reverse"
        return (
            "▶" if name == selected else Text("✱", style=NEW_STYLE) if name in new else " ",
            Text(tensor_label(name, layer), style=style),
            "×".join(map(str, x.shape)),
            *(Text(f"{s[k]:.3g}") for k in ("min", "max", "mean", "norm")),
            Text(f"{bad} non-finite!", style="bold magenta") if bad else "",
        )

    def _title(self, value, name: str, layer: int, sample: int, new) -> np.ndarray:
        """The selected tensor's title line; returns what is drawn (one sample's column of a
        per-sample tensor, unless all samples are asked for)."""
        x = np.atleast_2d(np.asarray(value, dtype=float))
        shape = "×".join(map(str, np.shape(value)))
        title = f"{tensor_label(name, layer)}  ({shape})"
        if name in new:
            title += "  ✱ computed at this stop"
        if name in PER_SAMPLE and x.shape[1] > 1 and sample >= 0:
            s = min(sample, x.shape[1] - 1)
            x = x[:, [s]]
            title += f"   sample {s + 1} of the batch  ([ ] choose, {{ all)"
        elif name in PER_SAMPLE and x.shape[1] > 1:
            title += "   all samples of the batch (columns)"
        self.query_one("#tensor-title", Static).update(Text(title, style="bold"), layout=False)
        return x

    def _draw(self, x: np.ndarray, room: int, precision: int) -> None:
        """Numbers when they fit (a long column folded into numbered columns), else a heatmap."""
        numbers = self.query_one("#tensor-numbers", Static)
        if x.size <= MAX_NUMBER_CELLS and x.shape[1] == 1 and x.shape[0] > room:
            self._mode("numbers")
            numbers.update(self._folded(x[:, 0], room, precision), layout=False)
        elif x.size <= MAX_NUMBER_CELLS and x.shape[1] <= 12 and x.shape[0] <= room:
            self._mode("numbers")
            t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
            for _ in range(x.shape[1]):
                t.add_column(justify="right")
            for row in x:
                t.add_row(*(self._cell(v, precision) for v in row))
            numbers.update(t, layout=False)
        else:
            self._mode("heatmap")
            self.query_one(Heatmap).set_matrix(x)
            self.update_cursor()

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)

    @classmethod
    def _folded(cls, v: np.ndarray, room: int, precision: int) -> Table:
        """A column vector too long for the pane as numbered columns: [1] … [h], [h+1] …"""
        groups = -(-len(v) // room)
        height = -(-len(v) // groups)
        t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
        for _ in range(groups):
            t.add_column(justify="right", style="dim")
            t.add_column(justify="right")
        for r in range(height):
            cells: list = []
            for g in range(groups):
                i = g * height + r
                if i < len(v):
                    cells += [f"[{i + 1}]", cls._cell(v[i], precision)]
                else:
                    cells += ["", ""]
            t.add_row(*cells)
        return t

    @staticmethod
    def _cell(v: float, precision: int) -> Text:
        if not np.isfinite(v):
            return Text(f"{v}", style="bold white on magenta")
        style = "#e06c75" if v > 0 else ("#61afef" if v < 0 else "dim")
        big_or_tiny = abs(v) >= 1e5 or (v != 0 and abs(v) < 10.0**-precision)
        return Text(f"{v:.{precision}e}" if big_or_tiny else f"{v:.{precision}f}", style=style)

    def _mode(self, mode: str | None) -> None:
        if mode == getattr(self, "_shown_mode", "unset"):
            return  # showing or hiding a widget lays the screen out again: only on a change
        self._shown_mode = mode
        self.query_one("#tensor-numbers").display = mode == "numbers"
        self.query_one(Heatmap).display = mode == "heatmap"
        self.query_one("#tensor-cursor").display = mode == "heatmap"

    def update_cursor(self) -> None:
        hm = self.query_one(Heatmap)
        r, c = hm.cursor
        if hm.matrix.size:
            v = hm.matrix[r, c]
            self.query_one("#tensor-cursor", Static).update(
                Text(
                    f"[{r + 1}, {c + 1}] = {v:.6g}   (h: move the cursor with the arrows)",
                    style="magenta" if not np.isfinite(v) else "",
                ),
                layout=False,
            )
