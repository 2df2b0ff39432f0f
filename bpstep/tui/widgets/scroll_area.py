"""The scrolled area of the tensor pane's scroll views (numbers, heatmap), sized so that a new
tensor that fits is a repaint, not a layout of the whole screen."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def fit_virtual_size(view: ScrollView, content: Size, inset: int = 0) -> None:
    """Set ``view``'s virtual size to ``content``, but never less than what the view shows
    beside its scroll bars (and ``inset`` cells less across and down: a border it may get).

    Content that fits then leaves the virtual size as it was: a change of it lays the screen
    out again (on xor 16 layouts in 30 keys). When it does change, the scroll bars are decided
    anew at once: after a resize Textual decided them on the old virtual size.
    """
    styles = view.styles
    bar_x = 0 if styles.overflow_x == "hidden" else styles.scrollbar_size_horizontal
    w = view.container_size.width - styles.scrollbar_size_vertical - inset
    h = view.container_size.height - bar_x - inset
    size = Size(max(content.width, w), max(content.height, h))
    if size != view.virtual_size:
        view.virtual_size = size
        view._refresh_scrollbars()
