"""A diverging-colour heatmap of a matrix, drawn with half blocks (Line API), with a cursor,
and the colour bar that reads it (``legend``).

Blue below zero, near-black at zero, red above, on a symmetric scale ±s: the matrix's own
largest |entry|, or one given for several matrices (all layers' δ on one scale, so that a
vanishing δ¹ looks faint beside δᴸ). Without colours (NO_COLOR) a grey ramp instead, black
at −s, mid-grey at 0, white at +s, so that the sign still reads (the legend shows the ramp).
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpstep.tui.numbers import compact

from .scroll_area import fit_virtual_size

NAN_STYLE = "#ff00ff"


def _palette(n: int = 64) -> list[str]:
    """Blue (negative) → near-black (0) → red (positive)."""
    out = []
    for i in range(n):
        t = i / (n - 1) * 2 - 1  # -1..1
        if t < 0:
            r, g, b = int(40 * (1 + t)), int(60 * (1 + t) + 120 * -t), int(60 + 195 * -t)
        else:
            r, g, b = int(40 + 215 * t), int(60 * (1 - t) + 40 * t), int(60 * (1 - t))
        out.append(f"#{r:02x}{g:02x}{b:02x}")
    return out


PALETTE = _palette()
# NO_COLOR: Textual turns colours into greys of their brightness, which would make −s and +s
# the same grey; this ramp keeps the sign (dark below zero, light above)
MONO_PALETTE = [f"#{v:02x}{v:02x}{v:02x}" for v in np.linspace(0, 255, len(PALETTE)).astype(int)]
_STYLES: dict[tuple, Style] = {}  # at most 65 × 66 × 4 × 2 styles, shared by every heatmap


def codes(x: np.ndarray, scale: float | None = None) -> tuple[np.ndarray, float]:
    """Each entry's palette index on the scale ±``scale`` (default: the largest finite |x|),
    -1 where not finite; and the scale used."""
    if scale is None:
        fin = x[np.isfinite(x)]
        scale = float(np.abs(fin).max()) if fin.size else 1.0
    scale = scale or 1.0
    with np.errstate(all="ignore"):
        level = np.clip(((x / scale + 1) / 2 * (len(PALETTE) - 1)).round(), 0, len(PALETTE) - 1)
    return np.where(np.isfinite(x), level, -1).astype(np.int16), scale


def cell_style(
    top: int,
    bottom: int | None,
    cursor_top: bool = False,
    cursor_bot: bool = False,
    mono: bool = False,
) -> Style:
    """The style of a half-block cell: the upper entry's colour as foreground, the lower one's
    as background (-1: not finite, magenta; the cursor white); ``mono``: the grey ramp. Cached."""
    key = (top, bottom, cursor_top, cursor_bot, mono)
    style = _STYLES.get(key)
    if style is None:
        colours = MONO_PALETTE if mono else PALETTE
        fg = "#ffffff" if cursor_top else NAN_STYLE if top < 0 else colours[top]
        if bottom is None:
            style = Style(color=fg)
        else:
            bg = "#ffffff" if cursor_bot else NAN_STYLE if bottom < 0 else colours[bottom]
            style = Style(color=fg, bgcolor=bg)
        _STYLES[key] = style
    return style


def legend(scale: float, cells: int = 12, what: str = "", mono: bool = False) -> Text:
    """The colour bar: −scale, the palette from blue through black to red (``mono``: black
    through grey to white), +scale, and what the scale is of (e.g. "all layers' δ")."""
    colours = MONO_PALETTE if mono else PALETTE
    bar = Text()
    for i in range(cells):
        bar.append("█", style=colours[round(i / max(1, cells - 1) * (len(colours) - 1))])
    out = Text.assemble(f"−{compact(scale, 2)} ", bar, f" +{compact(scale, 2)}")
    if what:
        out.append(f"  {what}", style="dim")
    return out


FOCUS_BORDER = 2  # cells the border of a focused heatmap takes across and down (bpstep.tcss)


class Heatmap(ScrollView, can_focus=True):
    """Each cell is one matrix entry; two rows per terminal line (fg = upper, bg = lower)."""

    FOCUS_ON_CLICK = False  # a click moves the cursor; the arrows keep stepping (h gives them)

    BINDINGS = [
        Binding("up", "cursor(-1, 0)", "cursor up", show=False),
        Binding("down", "cursor(1, 0)", "cursor down", show=False),
        Binding("left", "cursor(0, -1)", "cursor left", show=False),
        Binding("right", "cursor(0, 1)", "cursor right", show=False),
    ]

    cursor = reactive((0, 0), repaint=False)  # render_line's cache key holds the cursor

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.scale = 1.0  # the colours' scale: ±scale
        self._given_scale: float | None = None  # a scale shared with other matrices
        self._codes = np.zeros((0, 0), dtype=np.int16)
        self.matrix = np.zeros((0, 0))
        self.cell_w = 1
        self._lines: dict[tuple, Strip] = {}

    def set_matrix(self, x: np.ndarray, force: bool = False, scale: float | None = None) -> None:
        """Draw ``x`` on the scale ±``scale`` (default: its own largest |entry|)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        # most steps leave the shown matrix as it was: then there is nothing to repaint
        step = max(1, x.size // 256)
        with np.errstate(all="ignore"):
            summed = float(np.nansum(x))
        key = (x.shape, x.ravel()[::step].tobytes(), summed, self.size.width, scale)
        if key == getattr(self, "_key", None) and not force:
            return
        self._key = key
        self._lines = {}
        self.matrix, self._given_scale = x, scale
        self._codes, self.scale = codes(x, scale)
        r, c = x.shape
        # small matrices get wider cells, so that a 10×30 matrix is not a smudge
        self.cell_w = max(1, min(4, (self.size.width or 80) // max(c, 1)))
        # never less than the view, inside the border it gets when focused (h)
        border = 0 if self.has_focus else FOCUS_BORDER
        fit_virtual_size(self, Size(c * self.cell_w, (r + 1) // 2), inset=border)
        cr, cc = self.cursor
        self.cursor = (min(cr, r - 1), min(cc, c - 1))
        self.refresh()

    class CursorMoved(Message):
        """The cursor moved by a click (the arrows are watched by the app)."""

    def on_click(self, event: events.Click) -> None:
        """Put the cursor on the clicked cell; a second click on it moves to the lower half
        (each character cell shows two matrix rows)."""
        offset = event.get_content_offset(self)
        if offset is None or not self.matrix.size:
            return
        scroll_x, scroll_y = self.scroll_offset
        r, c = self.matrix.shape
        col = (offset.x + int(scroll_x)) // self.cell_w
        row = 2 * (offset.y + int(scroll_y))
        if col >= c or row >= r:
            return
        if self.cursor == (row, col) and row + 1 < r:
            row += 1
        self.cursor = (row, col)
        self.refresh()
        self.post_message(self.CursorMoved())

    def on_resize(self) -> None:
        if self.matrix.size:
            self.set_matrix(self.matrix, force=True, scale=self._given_scale)

    def action_cursor(self, dr: int, dc: int) -> None:
        r, c = self.matrix.shape
        cr, cc = self.cursor
        self.cursor = (max(0, min(r - 1, cr + dr)), max(0, min(c - 1, cc + dc)))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Line y: matrix rows 2y and 2y+1 as half blocks (cached until the matrix changes)."""
        scroll_x, scroll_y = self.scroll_offset
        row = (y + scroll_y) * 2
        cr = self.cursor[0]
        key = (row, scroll_x, self.size.width, self.cursor if cr in (row, row + 1) else None)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > 4096:
                self._lines.clear()
            strip = self._lines[key] = self._render_rows(row, scroll_x)
        return strip

    def _render_rows(self, row: int, scroll_x: int) -> Strip:
        codes = self._codes
        r, c = codes.shape
        width = self.size.width
        if row >= r:
            # the pane's style: never None, which Textual's monochrome filter (NO_COLOR) fails on
            return Strip.blank(width, self.rich_style)
        top = codes[row]
        bot = codes[row + 1] if row + 1 < r else None
        cr, cc = self.cursor
        segments = []
        w = self.cell_w
        first = scroll_x // w
        end = min(c, (scroll_x + width) // w + 1)
        cell = "▀" * w
        for j in range(first, end):
            style = cell_style(
                int(top[j]),
                None if bot is None else int(bot[j]),
                (cr, cc) == (row, j),
                (cr, cc) == (row + 1, j),
                self.app.no_color,
            )
            segments.append(Segment(cell, style))
        strip = Strip(segments).crop(scroll_x - first * w, scroll_x - first * w + width)
        return strip.extend_cell_length(width, self.rich_style)
