"""The viewed layer's tensors: a list with shapes and summaries, and the selected one drawn.

Small tensors are shown as numbers at the chosen precision; large ones as a heatmap with a cursor
whose value is printed under it. Non-finite entries are magenta and counted in a warning line.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from bpstep.notation import tensor_label
from bpstep.session.tensors import ORDER, PER_SAMPLE, summary

from .heatmap import Heatmap
from .number_grid import number_grid
from .numbers_view import NumbersView
from .tensor_list import SummaryRow, summary_table

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

    _scrolls = False  # the numbers are more lines than their area
    _rows = 0  # rows the list is laid out for: relaid only when a layer needs another count

    def compose(self) -> ComposeResult:
        yield Static(id="tensor-list")
        yield Static(id="tensor-title")
        yield NumbersView(id="tensor-numbers")
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
        x, which = self._sample(tensors[selected], selected, sample)
        # rows below the list and the title (0 before the first layout: no limit yet)
        room = max(0, self.content_size.height - (rows + 1) - 2) or x.shape[0]
        decimals = self._draw(x, room, precision)
        self._title(tensors[selected], selected, layer, which, new, decimals, precision)
        return selected

    def _list(self, tensors: dict, names: list[str], layer: int, selected: str, new) -> int:
        """The list of the layer's tensors with their summaries; returns the rows it takes
        below its header (its height is that plus one).

        A steady height: the heatmap below stays put while stepping, and the screen is not laid
        out again (relaying it out per change of layer took digits from 12 to 45 ms a key). A
        short pane lists a window of rows around the selected tensor, so that its numbers still
        have room.
        """
        height = self.content_size.height
        possible = len(ORDER)  # the most a layer can list
        if height and height < possible + 1 + 2 + 8:
            possible = max(2, height // 2 - 2)
        shown = names
        if len(names) > possible:
            i = names.index(selected)
            first = min(max(0, i - (possible - 1) // 2), len(names) - (possible - 1))
            shown = names[first : first + possible - 1]  # the last row says what is hidden
        rows = [self._row(n, np.asarray(tensors[n]), layer, selected, new) for n in shown]
        listing = summary_table(rows, self.content_size.width)
        self._shown = shown
        hidden = [n for n in names if n not in shown]
        lines: list = [listing]
        if hidden:
            bad = any(not np.isfinite(np.asarray(tensors[n])).all() for n in hidden)
            more = Text(f"  + {len(hidden)} more (tab shows the next)", style="dim")
            if bad:
                more.append("  non-finite among them!", style="bold magenta")
            lines.append(more)
        box = self.query_one("#tensor-list", Static)
        box.update(Group(*lines), layout=False)
        if possible != self._rows:  # the header and ``possible`` lines: a layout only then
            box.styles.height = possible + 1
        self._rows = possible
        return possible

    @staticmethod
    def _row(name: str, x: np.ndarray, layer: int, selected: str, new) -> SummaryRow:
        """One tensor's row: marker, label, shape, min, max, mean, norm, non-finite count."""
        style = NEW_STYLE if name in new else ""
        if name == selected:
            style += " bold reverse"
        return SummaryRow(
            "▶" if name == selected else Text("✱", style=NEW_STYLE) if name in new else " ",
            Text(tensor_label(name, layer), style=style),
            "×".join(map(str, x.shape)),
            summary(x),
            int(x.size - np.isfinite(x).sum()),
        )

    @staticmethod
    def _sample(value, name: str, sample: int) -> tuple[np.ndarray, tuple[int, int] | None]:
        """What is drawn of a tensor: one sample's column of a per-sample tensor (unless all
        samples are asked for), and which (sample, of how many); None: not per sample."""
        x = np.atleast_2d(np.asarray(value, dtype=float))
        if name not in PER_SAMPLE or x.shape[1] <= 1:
            return x, None
        if sample < 0:
            return x, (-1, x.shape[1])
        s = min(sample, x.shape[1] - 1)
        return x[:, [s]], (s, x.shape[1])

    def _title(self, value, name: str, layer: int, which, new, decimals, precision) -> None:
        """The selected tensor's title line, as long as the pane is wide: the label and shape,
        ✱ when this stop computed it, the sample shown, fewer decimals than asked for."""
        head = f"{tensor_label(name, layer)}  ({'×'.join(map(str, np.shape(value)))})"
        long, short = [head], [head]
        if name in new:
            long.append("✱ computed at this stop")
            short.append("✱ new")
        if which is not None and which[0] >= 0:
            long.append(f"sample {which[0] + 1} of the batch  ([ ] choose, {{ all)")
            short.append(f"sample {which[0] + 1}/{which[1]}")
        elif which is not None:
            long.append("all samples of the batch (columns)")
            short.append("all samples")
        if decimals is not None and decimals < precision:
            long.append(f"{decimals} decimals to fit")
            short.append(f"{decimals} dec.")
        if self._scrolls:
            long.append("h: scroll")
            short.append("h: scroll")
        width = self.content_size.width or 10_000
        title = "   ".join(long)
        if len(title) > width:
            title = "  ".join(short)
        self.query_one("#tensor-title", Static).update(
            Text(title, style="bold", no_wrap=True, overflow="ellipsis"), layout=False
        )

    def _draw(self, x: np.ndarray, room: int, precision: int) -> int | None:
        """Numbers when they fit (a long column folded into numbered columns, fewer decimals
        when needed), else a heatmap; returns the decimals shown (None: a heatmap)."""
        width = self.content_size.width
        grid = number_grid(x, room, width, precision)
        if grid is not None:
            self._mode("numbers")
            # one column kept for the scroll bar
            lines = self.query_one(NumbersView).show(grid[0], max(1, width - 1) if width else 200)
            self._scrolls = lines > room
            return grid[1]
        self._mode("heatmap")
        self._scrolls = False
        self.query_one(Heatmap).set_matrix(x)
        self.update_cursor()
        return None

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)

    def _mode(self, mode: str | None) -> None:
        if mode == getattr(self, "_shown_mode", "unset"):
            return  # showing or hiding a widget lays the screen out again: only on a change
        self._shown_mode = mode
        self.query_one("#tensor-numbers").display = mode == "numbers"
        self.query_one(Heatmap).display = mode == "heatmap"
        self.query_one("#tensor-cursor").display = mode == "heatmap"

    def focus_view(self) -> str | None:
        """``h``: give the arrows to the heatmap's cursor, or to the numbers when they scroll;
        returns what to tell the user (None: nothing to move)."""
        hm = self.query_one(Heatmap)
        if hm.display:
            hm.focus()
            return "arrows move the cursor; escape leaves"
        numbers = self.query_one(NumbersView)
        if numbers.display and self._scrolls:
            numbers.focus()
            return "arrows, PgUp/PgDn scroll the numbers; escape leaves"
        return None

    def update_cursor(self) -> None:
        hm = self.query_one(Heatmap)
        r, c = hm.cursor
        if hm.matrix.size:
            v = hm.matrix[r, c]
            text = f"[{r + 1}, {c + 1}] = {v:.6g}"
            hint = "   (h: move the cursor with the arrows)"
            if len(text + hint) <= (self.content_size.width or 10_000):
                text += hint
            self.query_one("#tensor-cursor", Static).update(
                Text(text, style="magenta" if not np.isfinite(v) else ""), layout=False
            )
