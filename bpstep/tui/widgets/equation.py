"""The equation applied at this stop, in the lesson's notation, with this layer's shapes."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from bpstep.notation import equation


class EquationView(Static):
    def show(self, session) -> None:
        eq, shapes = equation(session.stop.event, session.network)
        lines = [Text(eq, style="bold #e5c07b"), Text(shapes, style="#abb2bf")]
        if session.stop.message:
            lines.append(Text(session.stop.message, style="bold #e06c75"))
        # a layout pass only when the number of lines changes (a message appears or goes)
        self.update(Group(*lines), layout=len(lines) != getattr(self, "_lines", None))
        self._lines = len(lines)
