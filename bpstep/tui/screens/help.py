"""The help screen: every key, by group."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GROUPS = [
    (
        "Stepping",
        [
            ("n  →", "step forward one stop"),
            ("p  ←", "step back one stop"),
            ("f", "finish the current phase (forward, cost, backward, update)"),
            ("u", "run through the update (to the end of the iteration)"),
            ("e", "run to the end of the epoch"),
            ("t", "train N epochs (asks for N), with a progress bar"),
            ("escape  c", "cancel a run"),
        ],
    ),
    (
        "Breakpoints and checks",
        [
            ("b", "toggle a breakpoint at the current stop"),
            ("B", "clear all breakpoints"),
            ("w", "add a watch: delta<1e-3 (vanishing), grad_W:2>10 (exploding), cost (rising)"),
            ("W", "clear the watches (non-finite values always stop a run)"),
            ("g", "gradient-check the viewed layer (central differences)"),
            ("r", "reload your gradient module (bpstep --grads FILE) and re-check"),
        ],
    ),
    (
        "Viewing",
        [
            ("tab  shift+tab", "next / previous tensor of the layer (and keep showing it)"),
            ("j  k", "view the next / previous layer"),
            ("l", "follow the stop again: its layer and the tensors it computes (✱)"),
            ("[  ]", "previous / next sample of the batch"),
            ("{", "show all samples of the batch"),
            ("+  -", "more / fewer digits"),
            ("h", "move a cursor over the heatmap (arrows), escape to leave"),
        ],
    ),
    (
        "Session",
        [
            ("ctrl+s", "save the session (.npz)"),
            ("ctrl+o", "load a saved session"),
            ("ctrl+p", "command palette"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        t = Table(show_header=False, box=None, padding=(0, 2))
        t.add_column(style="bold #e5c07b", justify="right")
        t.add_column()
        for title, rows in GROUPS:
            t.add_row("", Text(title, style="bold underline"))  # the key column stays narrow
            for key, what in rows:
                t.add_row(key, what)
            t.add_row("", "")
        with VerticalScroll(id="help-box"):
            yield Static(Text("bpstep keys — escape closes", style="bold"))
            yield Static(t)

    def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
