"""The viewed layer's tensors: a list with shapes and summaries, and the selected one drawn.

Small tensors are shown as numbers at the chosen precision; large ones as a heatmap with a cursor
whose value is printed under it. Non-finite entries are magenta and counted in a warning line.
After ``h`` the arrows move a cursor over the numbers or the heatmap: ``entry()`` is the number
under it, which ``x`` explains. A quiz's question hides its tensor (``?``) until answered;
``notes`` add a warning to a tensor's row (saturated or dead units).
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

from bpstep.session.tensors import ORDER, PER_SAMPLE, label, summary

from .heatmap import Heatmap
from .numbers_view import NumbersView
from .tensor_list import HIDDEN, SummaryRow, summary_table
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

    regularised = True  # λ > 0: ∂Ĵ/∂W; the app sets False for λ = 0 (∂J/∂W)
    number_cursor = (0, 0)  # (row, column) of the numbers drawn; a folded vector's (i, 0)
    _drawn_shape = (0, 0)  # the shape of the numbers drawn (one sample: a column)
    _column: int | None = None  # the sample shown of a per-sample tensor (None: all of them)

    def on_numbers_view_moved(self, message: NumbersView.Moved) -> None:
        """Move the numbers' cursor (a folded vector: left and right go a column over)."""
        rows, cols = self._drawn_shape
        r, c = self.number_cursor
        fold = self.query_one(TensorPicture).fold
        if fold:
            i = r + message.rows + message.cols * fold
            self.number_cursor = (max(0, min(rows - 1, i)), 0)
        else:
            r = max(0, min(rows - 1, r + message.rows))
            self.number_cursor = (r, max(0, min(cols - 1, c + message.cols)))
        self.show(*self._last)

    def entry(self) -> tuple[str, int, int] | None:
        """(tensor name, row, column) of the entry under the cursor, 0-based in the whole
        tensor (a per-sample tensor shown one sample at a time: that sample's column)."""
        mode = self.query_one(TensorPicture).mode
        if mode == "heatmap":
            r, c = self.query_one(Heatmap).cursor
        elif mode == "numbers":  # a quiz's hidden tensor too: the app says it is hidden
            r, c = self.number_cursor
        else:
            return None
        return self._last[2], r, (self._column if self._column is not None else c)

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
        hidden: set[str] | frozenset[str] = frozenset(),
        notes: dict[str, str] | None = None,
    ) -> str:
        """Draw; returns the name actually selected (the first known one if ``selected`` isn't).

        ``new`` names the tensors the current stop has just computed: they are marked. ``look``
        says how to draw the selected one (numbers, heatmap, pictures; one scale for all layers).
        ``hidden`` ones (a quiz's question) show ? until answered; ``notes`` add a warning to a
        tensor's row (saturated or dead units).
        """
        self._last = (tensors, layer, selected, sample, precision, new, look, hidden, notes)
        names = [n for n in tensors if n in ORDER]  # in the session's order (tensors.ordered)
        if selected not in names and names:
            selected = names[0]
        rows = self._list(tensors, names, layer, selected, new, hidden, notes or {})
        picture = self.query_one(TensorPicture)
        if not names:
            self.query_one("#tensor-title", Static).update("nothing known about this layer yet")
            picture._mode(None)
            return selected
        x, which = self._sample(tensors[selected], selected, sample)
        self._column = which[0] if which is not None and which[0] >= 0 else None
        self._drawn_shape = x.shape
        r, c = self.number_cursor
        self.number_cursor = (min(r, x.shape[0] - 1), min(c, x.shape[1] - 1))
        # rows below the list and the title (0 before the first layout: no limit yet)
        room = max(0, self.content_size.height - (rows + 1) - 2) or x.shape[0]
        decimals = None
        if selected in hidden:
            picture.hide(f"{HIDDEN}  hidden: predict it, then press a to answer")
        else:
            decimals = picture.draw(
                tensors[selected], x, selected, room, precision, look or Look(), self.number_cursor
            )
        self._title(tensors, selected, layer, which, new, decimals, precision, selected in hidden)
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
        rows = [
            self._row(n, tensors, layer, selected, new, n in hidden, (notes or {}).get(n, ""))
            for n in shown
        ]
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

    def _row(
        self, name: str, tensors: dict, layer: int, selected: str, new, hidden: bool, note: str
    ) -> SummaryRow:
        """One tensor's row: marker, label, shape, min, max, mean, norm, non-finite count."""
        x = np.asarray(tensors[name])
        style = NEW_STYLE if name in new else ""
        if name == selected:
            style += " bold reverse"
        return SummaryRow(
            "▶" if name == selected else Text("✱", style=NEW_STYLE) if name in new else " ",
            Text(label(name, layer, tensors, self.regularised), style=style),
            "×".join(map(str, x.shape)),
            summary(x),
            int(x.size - np.isfinite(x).sum()),
            hidden,
            note,
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

    def _title(
        self,
        tensors: dict,
        name: str,
        layer: int,
        which,
        new,
        decimals,
        precision,
        hidden: bool = False,
    ) -> None:
        """The selected tensor's title line, as long as the pane is wide: the label and shape
        (? while a quiz hides it), ✱ when this stop computed it, the sample shown, fewer
        decimals than asked for."""
        value = tensors[name]
        shape = HIDDEN if hidden else "×".join(map(str, np.shape(value)))
        head = f"{label(name, layer, tensors, self.regularised)}  ({shape})"
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
        if picture.mode == "numbers" and not hidden:
            long.append("h: cursor, x explains" + (", scrolls" if picture.scrolls else ""))
            short.append("h: cursor")
        elif picture.scrolls:
            long.append("h: scroll")
            short.append("h: scroll")
        after = None if hidden else picture.next_view()
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
        """``h``: the arrows move the cursor over the numbers or the heatmap, or scroll the
        pictures."""
        return self.query_one(TensorPicture).focus_view()

    def place_cursor(self, row: int, col: int) -> None:
        """Put the numbers' and the heatmap's cursors on (row, col) of the drawn tensor."""
        self.number_cursor = (row, col)
        self.query_one(Heatmap).cursor = (row, col)

    def update_cursor(self) -> None:
        self.query_one(TensorPicture).update_cursor()
