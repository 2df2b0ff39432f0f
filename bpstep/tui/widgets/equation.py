"""The equation applied at this stop, in the lesson's notation, with this layer's shapes."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from bpstep.notation import equation, lesson_note, with_cost_symbol


class EquationView(Static):
    def show(self, session, hide_shapes: bool = False) -> None:
        """The stop's equation and shapes (``hide_shapes``: a quiz asks for a shape), and at
        an update stop with n > 1 how its step relates to the lesson's one-sample step."""
        eq, shapes = equation(session.stop.event, session.network)
        if hide_shapes:
            shapes = "shapes hidden: the quiz asks for one"
        lines = [Text(eq, style="bold #e5c07b"), Text(shapes, style="#abb2bf")]
        n = len(session.batch_indices) or session.batch_size
        note = lesson_note(session.stop.event, n, bool(session.network.l2))
        if note:
            lines.append(Text(note, style="italic #abb2bf"))
        if session.stop.message:
            message = with_cost_symbol(session.stop.message, bool(session.network.l2))
            lines.append(Text(message, style="bold #e06c75"))
        # a layout pass only when the number of lines changes (a message appears or goes)
        self.update(Group(*lines), layout=len(lines) != getattr(self, "_lines", None))
        self._lines = len(lines)
