"""The footer: the keys that fit the terminal's width, whole, and always ``? help`` and
``q quit``.

Textual's footer cuts the last key it has room for in the middle (``e ep``) and drops the rest
at 80 columns, help and quit among them; this one keeps help and quit, then as many of the
other keys as fit, whole, in the key table's order. The help screen (``?``) and the palette
list every key.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE_ROOM = 14  # "▏^p palette " docked on the right
ALWAYS = ("help", "quit")  # the actions the footer never drops


def key_width(key: FooterKey) -> int:
    """Cells one footer key takes: ' key description ' (Textual's default, non-compact style)."""
    if not key.description:
        return len(key.key_display)
    return len(key.key_display) + len(key.description) + 3


class FittingFooter(Footer):
    def compose(self) -> ComposeResult:
        items = list(super().compose())
        keys = [k for k in items if isinstance(k, FooterKey)]
        keys = [k for k in keys if not k.has_class("-command-palette")]
        room = (self.size.width or self.app.size.width) - PALETTE_ROOM
        room -= sum(key_width(k) for k in keys if k.action in ALWAYS)
        shown = set()
        for k in keys:
            if k.action in ALWAYS:
                shown.add(id(k))
            elif key_width(k) <= room:
                room -= key_width(k)
                shown.add(id(k))
            else:
                room = -1  # nothing after a key that did not fit: the order stays the table's
        for item in items:
            if id(item) in shown or item.has_class("-command-palette"):
                yield item

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
