"""The viewed layer's tensors: a list with shapes and summaries, and the selected one drawn.

Small tensors are shown as numbers at the chosen precision; large ones as a heatmap with a cursor
whose value is printed under it. Non-finite entries are magenta and counted in a warning line.
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from bpstep.notation import tensor_label
from bpstep.session.tensors import ORDER, PER_SAMPLE, summary

from .tensor_list import SummaryRow, summary_table
from .tensor_picture import Look, TensorPicture

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
        yield TensorPicture(id="tensor-picture")

    def show(
        self,
        tensors: dict,
        layer: int,
        selected: str,
        sample: int,
        precision: int,
        new: set[str] | frozenset[str] = frozenset(),
        look: Look | None = None,
    ) -> str:
        """Draw; returns the name actually selected (the first known one if ``selected`` isn't).

        ``new`` names the tensors the current stop has just computed: they are marked. ``look``
        says how to draw the selected one (numbers, heatmap, pictures; one scale for all layers).
        """
        self._last = (tensors, layer, selected, sample, precision, new, look)
        names = [n for n in ORDER if n in tensors]
        if selected not in names and names:
            selected = names[0]
        rows = self._list(tensors, names, layer, selected, new)
        if not names:
            self.query_one("#tensor-title", Static).update("nothing known about this layer yet")
            self.query_one(TensorPicture)._mode(None)
            return selected
        x, which = self._sample(tensors[selected], selected, sample)
        # rows below the list and the title (0 before the first layout: no limit yet)
        room = max(0, self.content_size.height - (rows + 1) - 2) or x.shape[0]
        decimals = self.query_one(TensorPicture).draw(
            tensors[selected], x, selected, room, precision, look or Look()
        )
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
        if height:  # at most half the pane: the heatmap or the pictures keep the other half
            possible = min(possible, max(2, height // 2 - 1))
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
        picture = self.query_one(TensorPicture)
        if picture.mode == "pictures":
            rows = np.shape(value)[0]
            long.append(f"each row as a picture, {rows} units")
        if picture.scrolls:
            long.append("h: scroll")
            short.append("h: scroll")
        after = picture.next_view()
        if after:
            long.append(f"v: {after}")
            short.append(f"v: {after}")
        width = self.content_size.width or 10_000
        title = "   ".join(long)
        while cell_len(title) > width and short:  # shorter words, then fewer of them
            title = "  ".join(short)
            short = short[:-1]
        self.query_one("#tensor-title", Static).update(
            Text(title, style="bold", no_wrap=True, overflow="ellipsis"), layout=False
        )

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)

    def focus_view(self) -> str | None:
        """``h``: the arrows move the heatmap's cursor or scroll the numbers or pictures."""
        return self.query_one(TensorPicture).focus_view()

    def update_cursor(self) -> None:
        self.query_one(TensorPicture).update_cursor()
