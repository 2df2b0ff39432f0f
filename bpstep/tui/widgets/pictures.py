"""A first layer's weights as pictures: each row of W¹ (hidden unit i's weights from every input
pixel) drawn as an image of the input's shape (8×8 on the digits), all units in a grid.

What each unit responds to shows as a picture: on the digits, after some training, strokes and
blobs where the unit's weights are large. The same for ∂Ĵ/∂W¹ (where this batch pushes each
unit's weights) and ΔW¹ (the step the update took). One colour scale for every tile, the
heatmap's (``heatmap.legend`` reads it). Drawn with half blocks, line by line (Line API); the
grid scrolls once ``h`` has focused it.
"""

from __future__ import annotations

import math

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .heatmap import cell_style, codes

GAP = 1  # columns between two tiles
LABEL = Style(color="#7f848e")


def image_shape(n_inputs: int, dataset_shape: tuple[int, int] | None) -> tuple[int, int] | None:
    """The input as an image: the dataset's own shape (8×8 digits, 28×28 MNIST), else a square
    of at least 4×4 pixels, else None (xor's 2 inputs are no picture)."""
    if dataset_shape is not None and math.prod(dataset_shape) == n_inputs:
        return dataset_shape
    k = math.isqrt(n_inputs)
    return (k, k) if k * k == n_inputs and k >= 4 else None


class Pictures(ScrollView, can_focus=True):
    """Row i of a (units × pixels) matrix as tile i, labelled with i (1-based)."""

    FOCUS_ON_CLICK = False
    DEFAULT_CSS = """
    Pictures {
        background: transparent;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._codes = np.zeros((0, 0, 0), dtype=np.int16)
        self.scale = 1.0
        self._lines: dict[tuple, Strip] = {}
        self._key: tuple | None = None

    def set_tiles(self, x: np.ndarray, shape: tuple[int, int], scale: float | None = None) -> None:
        """Draw each row of ``x`` as a ``shape`` picture, on ±``scale`` (default: x's own)."""
        key = (x.shape, shape, x.tobytes()[:4096], float(np.nansum(x)), scale, self.size.width)
        if key == self._key:
            return
        self._key = key
        flat, self.scale = codes(np.asarray(x, dtype=float), scale)
        self._codes = flat.reshape(x.shape[0], *shape)
        self._lines = {}
        self.virtual_size = Size(self.size.width, self.tile_rows * self.block)
        self.refresh()

    @property
    def block(self) -> int:
        """Lines a row of tiles takes: its labels, then two pixel rows a line."""
        return 1 + (self._codes.shape[1] + 1) // 2

    @property
    def per_row(self) -> int:
        width = max(1, self.size.width - 1)  # the scroll bar's column
        return max(1, (width + GAP) // (self._codes.shape[2] + GAP))

    @property
    def tile_rows(self) -> int:
        return -(-self._codes.shape[0] // self.per_row) if self._codes.size else 0

    def on_resize(self) -> None:
        if self._codes.size:
            self._lines = {}
            self.virtual_size = Size(self.size.width, self.tile_rows * self.block)

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        line = y + int(scroll_y)
        key = (line, self.size.width)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = self._tile_line(line)
        return strip

    def _tile_line(self, line: int) -> Strip:
        width = self.size.width
        units, h, w = self._codes.shape
        row, k = divmod(line, self.block)
        first = row * self.per_row
        if not units or first >= units:
            return Strip.blank(width, self.rich_style)
        segments = []
        for unit in range(first, min(units, first + self.per_row)):
            if unit > first:
                segments.append(Segment(" " * GAP, self.rich_style))
            if k == 0:
                segments.append(Segment(f"{unit + 1}".center(w)[:w], self.rich_style + LABEL))
                continue
            tile = self._codes[unit]
            top = 2 * (k - 1)
            for c in range(w):
                bottom = int(tile[top + 1, c]) if top + 1 < h else None
                style = cell_style(int(tile[top, c]), bottom, mono=self.app.no_color)
                segments.append(Segment("▀", style))
        return Strip(segments).crop(0, width).extend_cell_length(width, self.rich_style)
