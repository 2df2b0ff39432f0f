"""The numbers view as a focusable widget: after ``h`` the arrows move a cursor over the
entries (the tensor view draws it), so that ``x`` can explain the entry under it."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static


class NumberGrid(Static, can_focus=True):
    """The selected tensor's numbers; focused (``h``), the arrows move its cursor."""

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

    def action_cursor(self, rows: int, cols: int) -> None:
        self.post_message(self.Moved(rows, cols))
