"""The numbers of a small tensor (a Rich table) in a fixed-size area that scrolls when they do
not all fit, drawn line by line (Line API): new numbers repaint without laying the screen out
again, and at 80×24 a 30-entry column is still numbers, not a heatmap."""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .scroll_area import fit_virtual_size


class NumbersView(ScrollView, can_focus=True):
    """A renderable drawn once per change; once ``h`` has focused it the arrows move a cursor
    over the entries (``Moved``: the tensor view redraws it, ``x`` explains the entry under it)
    and the view scrolls to keep it in sight; PgUp/PgDn, Home and End scroll.

    Every segment carries the pane's style: the terminal's default background would show
    otherwise, and Textual's monochrome filter (NO_COLOR) fails on a segment without one."""

    FOCUS_ON_CLICK = False  # the arrows keep stepping the session until h
    DEFAULT_CSS = """
    NumbersView {
        background: transparent;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("up", "cursor(-1, 0)", "cursor up", show=False),
        Binding("down", "cursor(1, 0)", "cursor down", show=False),
        Binding("left", "cursor(0, -1)", "cursor left", show=False),
        Binding("right", "cursor(0, 1)", "cursor right", show=False),
    ]

    class Moved(Message):
        """The arrows asked to move the cursor by (rows, columns) of the drawn numbers."""

        def __init__(self, rows: int, cols: int) -> None:
            super().__init__()
            self.rows, self.cols = rows, cols

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._strips: list[Strip] = []

    def action_cursor(self, rows: int, cols: int) -> None:
        self.post_message(self.Moved(rows, cols))

    def keep_in_sight(self, line: int) -> None:
        """Scroll so that ``line`` (of the drawn numbers) is on screen."""
        top, height = int(self.scroll_offset.y), self.size.height
        if height and not top <= line < top + height:
            self.scroll_to(y=max(0, line - height // 2), animate=False)

    def show(self, renderable: RenderableType, width: int) -> int:
        """Draw ``renderable`` at ``width`` cells; returns the lines it takes."""
        console = self.app.console
        lines = console.render_lines(renderable, console.options.update_width(max(1, width)))
        base = self.rich_style  # the pane's colours under the numbers' own
        self._strips = [
            Strip([Segment(t, base + s if s else base, c) for t, s, c in line]).simplify()
            for line in lines
        ]
        self._fit_virtual_size()
        self.refresh()
        return len(self._strips)

    def _fit_virtual_size(self) -> None:
        """The scrolled area: the numbers' own size, never less than the view's."""
        width = max((s.cell_length for s in self._strips), default=0)
        fit_virtual_size(self, Size(width, len(self._strips)))

    def on_resize(self) -> None:
        self._fit_virtual_size()

    @property
    def scrolls(self) -> bool:
        """More lines than the area shows."""
        return len(self._strips) > self.size.height > 0

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        i = y + scroll_y
        width = self.size.width
        base = self.rich_style
        if i >= len(self._strips):
            return Strip.blank(width, base)
        return self._strips[i].crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
