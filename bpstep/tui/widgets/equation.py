"""The equation applied at this stop, in the lesson's notation, with this layer's shapes.

A wide pane writes the equation on one line and its shapes on the next; a narrow one (80×24)
writes each part of the equation over its own shapes (``δ¹ = …`` then ``(3×4) = …``), so that
the shapes line is never pushed out of the pane.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from bpstep.notation import equation, lesson_note, with_cost_symbol

EQUATION_STYLE, SHAPES_STYLE, MESSAGE_STYLE = "bold #e5c07b", "#abb2bf", "bold #e06c75"
SEPARATOR = ";   "


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes folded at ``width`` cells."""
    return max(1, -(-cell_len(text) // max(1, width)))


class EquationView(Static):
    def show(self, session, message: str | None = None, hide_shapes: bool = False) -> None:
        """The stop's equation and shapes (``hide_shapes``: a quiz asks for a shape), at an
        update stop with n > 1 how its step relates to the lesson's one-sample step, then
        ``message`` (why a run stopped here)."""
        self._last = (session, message, hide_shapes)
        regularised = bool(session.network.l2)
        eq, shapes = equation(session.stop.event, session.network)
        width = self.content_size.width or 10_000
        pairs = [(eq, shapes)]
        if hide_shapes:
            pairs = [(eq, "shapes hidden: the quiz asks for one")]
        elif max(cell_len(eq), cell_len(shapes)) > width:
            parts, part_shapes = eq.split(SEPARATOR), shapes.split(SEPARATOR)
            if len(parts) == len(part_shapes):
                pairs = list(zip(parts, part_shapes, strict=True))
        lines: list[Text] = []
        for e, s in pairs:
            lines += [Text(e.strip(), style=EQUATION_STYLE), Text(s.strip(), style=SHAPES_STYLE)]
        n = len(session.batch_indices) or session.batch_size
        note = lesson_note(session.stop.event, n, regularised)
        if note:
            lines.append(Text(note, style="italic " + SHAPES_STYLE))
        if message:
            lines.append(Text(with_cost_symbol(message, regularised), style=MESSAGE_STYLE))
        height = sum(_lines(line.plain, width) for line in lines)
        # a layout pass only when the pane's height changes (a message appears or goes)
        self.update(Group(*lines), layout=False)
        if height != getattr(self, "_height", None):
            self.styles.height = height + 2  # and the border
            self._height = height

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)
