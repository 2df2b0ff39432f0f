"""The help screen: every key, by group (from ``keys.KEYS``); the arrows, PgUp/PgDn, Home and
End scroll it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bpstep.tui.keys import help_groups


class HelpScreen(ModalScreen[None]):
    AUTO_FOCUS = "#help-box"  # the scrolling box takes the arrows, PgUp/PgDn, Home and End
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        t = Table(show_header=False, box=None, padding=(0, 2))
        t.add_column(style="bold #e5c07b", justify="right")
        t.add_column()
        for title, rows in help_groups():
            t.add_row("", Text(title, style="bold underline"))  # the key column stays narrow
            for key, what in rows:
                t.add_row(key, what)
            t.add_row("", "")
        with VerticalScroll(id="help-box"):
            yield Static(Text("bpstep keys — escape closes", style="bold"))
            yield Static(t)

    def action_close(self) -> None:
        self.dismiss(None)
