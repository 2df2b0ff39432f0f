"""The selected tensor drawn in the tensor pane: as numbers, as a heatmap, or, for a first
layer's weights on image inputs, as one picture per unit; and the line under it (the heatmap
cursor's entry, the colour bar with its range).

``v`` cycles through the views that differ for the tensor shown (``available``): numbers only
where they fit, pictures only for W¹, ∂Ĵ/∂W¹, ΔW¹ and W¹ before on square inputs. ``s`` puts
every layer's same tensor on one colour scale (``Look.scale``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bpstep.notation import tensor_label
from bpstep.session.tensors import PER_SAMPLE
from bpstep.tui.numbers import compact

from .heatmap import Heatmap, legend
from .number_grid import number_grid
from .numbers_view import NumbersView
from .pictures import Pictures, image_shape

# the tensors whose rows live in the input's space: unit i's weights from every input pixel
PICTURE_TENSORS = frozenset({"W", "grad_W", "dW", "W_before"})
VIEWS = ("numbers", "heatmap", "pictures")
VIEW_MESSAGES = {
    "numbers": "numbers (v: the next view)",
    "heatmap": "heatmap: blue < 0 < red (h: cursor; s: one scale for all layers)",
    "pictures": "pictures: tile i is unit i's weights from every input pixel",
}


@dataclass(frozen=True)
class Look:
    """How the selected tensor is drawn: ``view`` one of ``VIEWS`` ("numbers": numbers where
    they fit, else a heatmap); ``scale`` a colour scale shared by all layers (None: the tensor's
    own) and ``scale_of`` what it is the scale of; ``picture`` the input's image shape, where
    pictures apply (layer 1)."""

    view: str = "numbers"
    scale: float | None = None
    scale_of: str = ""
    picture: tuple[int, int] | None = None


def look_for(session, layer: int, name: str, sample: int, view: str, one_scale: bool) -> Look:
    """How to draw tensor ``name`` of ``layer``: ``view``, and with ``one_scale`` the largest
    |entry| of that tensor over every layer it is known at (of the sample shown, for a
    per-sample tensor), so that the layers compare by colour."""
    net, data = session.network, session.dataset
    shape = image_shape(net.sizes[0], getattr(data, "image_shape", None)) if layer == 1 else None
    if not one_scale:
        return Look(view, picture=shape)
    largest = 0.0
    for m in range(1, session.L + 1):
        t = session.tensors(m).get(name)
        if t is None:
            continue
        t = np.atleast_2d(np.asarray(t, dtype=float))
        if name in PER_SAMPLE and sample >= 0 and t.shape[1] > 1:
            t = t[:, [min(sample, t.shape[1] - 1)]]
        finite = np.abs(t[np.isfinite(t)])
        largest = max(largest, float(finite.max()) if finite.size else 0.0)
    return Look(view, largest or None, f"one scale: {tensor_label(name)} of every layer", shape)


class TensorPicture(Vertical):
    mode: str | None = None  # the view drawn now
    available: tuple[str, ...] = ("numbers", "heatmap")  # the views v cycles through now
    scrolls = False  # the numbers are more lines than their area
    fold = 0  # rows per column of a folded vector (0: not folded)

    def compose(self) -> ComposeResult:
        yield NumbersView(id="tensor-numbers")
        yield Heatmap(id="tensor-heatmap")
        yield Pictures(id="tensor-pictures")
        yield Static(id="tensor-cursor")

    def draw(
        self,
        value: np.ndarray,
        x: np.ndarray,
        name: str,
        room: int,
        precision: int,
        look: Look,
        cursor: tuple[int, int] | None = None,
    ) -> int | None:
        """Draw ``x`` (what is shown of the tensor ``value``: one sample's column, or all of
        it), the numbers' entry ``cursor`` reversed; returns the decimals of the numbers shown
        (None: no numbers)."""
        width = self.content_size.width
        grid = number_grid(x, room, width, precision, cursor)
        pictures = look.picture is not None and name in PICTURE_TENSORS
        self.available = tuple(
            v for v, ok in zip(VIEWS, (grid is not None, True, pictures), strict=True) if ok
        )
        view = look.view if look.view in self.available else self.available[0]
        self.scrolls = False
        self.fold = 0
        if view == "numbers" and grid is not None:
            self._mode("numbers")
            numbers = self.query_one(NumbersView)
            # one column kept for the scroll bar
            lines = numbers.show(grid[0], max(1, width - 1) if width else 200)
            self.scrolls = lines > room
            self.fold = grid[2]
            if cursor is not None:  # its line: a folded vector's entry i is on line i mod rows
                numbers.keep_in_sight(cursor[0] % self.fold if self.fold else cursor[0])
            return grid[1]
        self._look = look
        if view == "pictures" and look.picture is not None:
            self._mode("pictures")
            tiles = self.query_one(Pictures)
            tiles.set_tiles(np.atleast_2d(value), look.picture)
            self.scrolls = tiles.virtual_size.height > tiles.size.height > 0
        else:
            self._mode("heatmap")
            self.query_one(Heatmap).set_matrix(x, scale=look.scale)
        self.update_cursor()
        return None

    def hide(self, text: str) -> None:
        """Nothing of the tensor, only ``text`` (a quiz's hidden tensor, until answered)."""
        self._mode("numbers")
        self.available = ("numbers",)
        self.scrolls = False
        self.fold = 0
        width = self.content_size.width
        self.query_one(NumbersView).show(Text(text, style="bold"), max(1, width) if width else 200)

    def next_view(self) -> str | None:
        """The view ``v`` shows next (None: the tensor has no other)."""
        views = self.available
        if len(views) < 2 and self.mode in views:
            return None
        if self.mode not in views:
            return views[0]
        return views[(views.index(self.mode) + 1) % len(views)]

    def _mode(self, mode: str | None) -> None:
        if mode == self.mode:
            return  # showing or hiding a widget lays the screen out again: only on a change
        self.mode = mode
        self.query_one(NumbersView).display = mode == "numbers"
        self.query_one(Heatmap).display = mode == "heatmap"
        self.query_one(Pictures).display = mode == "pictures"
        self.query_one("#tensor-cursor").display = mode in ("heatmap", "pictures")

    def focus_view(self) -> str | None:
        """``h``: give the arrows to the heatmap's cursor, or to the numbers or pictures when
        they scroll; returns what to tell the user (None: nothing to move)."""
        if self.mode == "heatmap":
            self.query_one(Heatmap).focus()
            return "arrows move the cursor; escape leaves"
        if self.mode == "numbers":
            self.query_one(NumbersView).focus()
            scroll = ", PgUp/PgDn scroll" if self.scrolls else ""
            return f"arrows move the cursor (x explains its number){scroll}; escape leaves"
        if self.mode == "pictures":
            self.query_one(Pictures).focus()
            return "arrows, PgUp/PgDn scroll the pictures; escape leaves"
        return None

    def update_cursor(self) -> None:
        """The line under a heatmap (the cursor's entry, then the colour bar) or the pictures
        (what a tile is, then the colour bar), as much of it as fits the pane."""
        look: Look = getattr(self, "_look", Look())
        if self.mode == "pictures":
            firsts = ["tile i: unit i's weights", "tile i: unit i"]
            scale, hint = self.query_one(Pictures).scale, ""
            bad = False
        else:
            hm = self.query_one(Heatmap)
            if not hm.matrix.size:
                return
            r, c = hm.cursor
            v = float(hm.matrix[r, c])
            at = f"[{r + 1}, {c + 1}] = "
            firsts = [at + f"{v:.6g}", at + compact(v, 3)]
            scale, hint = hm.scale, "  (h: cursor)"
            bad = not np.isfinite(v)
        width = self.content_size.width or 10_000
        what = look.scale_of if look.scale is not None and self.mode == "heatmap" else ""
        tries = [(firsts[0], 12, what, hint), (firsts[0], 12, what, "")]
        tries += [(first, 8, what and "all m", "") for first in firsts]
        line = Text(firsts[0])
        for first, cells, label, extra in tries:
            bar = legend(scale, cells, label, mono=self.app.no_color)
            if len(first) + len(extra) + 3 + bar.cell_len <= width:
                line = Text.assemble(first, extra, "   ", bar)
                break
        if bad:
            line.stylize("magenta", 0, len(firsts[0]))
        self.query_one("#tensor-cursor", Static).update(line, layout=False)
