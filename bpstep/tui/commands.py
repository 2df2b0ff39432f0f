"""The command palette (ctrl+p): every debugger action by name, for what has no key in mind."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action, argument)
COMMANDS = [
    ("Step forward", "one stop forward (n, →)", "step", None),
    ("Step back", "one stop back (p, ←)", "back", None),
    ("Finish the phase", "run to the end of the current phase (f)", "run", "phase"),
    ("Run through the update", "run to the end of the iteration (u)", "run", "iteration"),
    ("Run the epoch", "run to the end of the epoch (e)", "run", "epoch"),
    ("Train N epochs", "asks for N, with a progress bar (t)", "train", None),
    ("Cancel the run", "stop a run in progress (escape)", "cancel", None),
    ("Toggle breakpoint here", "break at this stop on later runs (b)", "toggle_breakpoint", None),
    (
        "Break at every update",
        "toggle: runs pause at each iteration's update",
        "toggle_breakpoint_at",
        "update",
    ),
    (
        "Break at the end of every epoch",
        "toggle: runs pause at each epoch boundary",
        "toggle_breakpoint_at",
        "epoch",
    ),
    ("Show breakpoints and watches", "all of them, in the messages pane", "show_breakpoints", None),
    ("Clear all breakpoints", "(B)", "clear_breakpoints", None),
    ("Add a watch", "vanishing/exploding gradient or rising cost (w)", "add_watch", None),
    ("Clear the watches", "(W)", "clear_watches", None),
    ("Gradient check this layer", "central differences against backprop (g)", "gradcheck", None),
    ("Next tensor", "(tab)", "tensor", 1),
    ("Show all samples of the batch", "per-sample tensors as columns ({)", "all_samples", None),
    ("More digits", "(+)", "precision", 1),
    ("Fewer digits", "(-)", "precision", -1),
    ("Follow the stop: its layer and new tensors", "(l)", "follow", None),
    ("Reload my gradient module", "with bpstep --grads FILE (r)", "reload_grads", None),
    ("Save the session", "to a .npz file (ctrl+s)", "save", None),
    ("Load a session", "from a .npz file (ctrl+o)", "load", None),
    (
        "Cost curve: log / linear scale",
        "toggle the y axis of the cost curve",
        "toggle_log_scale",
        None,
    ),
    ("Help: every key", "(?)", "help", None),
]


class DebuggerCommands(Provider):
    """bpstep's own actions in the command palette."""

    def _run(self, action: str, arg) -> None:
        method = getattr(self.app, f"action_{action}")
        method() if arg is None else method(arg)

    async def discover(self) -> Hits:
        for title, help_text, action, arg in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action, arg), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action, arg in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, action, arg), help=help_text
                )
