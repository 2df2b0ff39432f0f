"""Every key and command of the debugger, in one table: the bindings, the footer, the help
screen and the command palette are all generated from ``KEYS`` (as Posting and Harlequin do).

A row with ``keys`` empty is a command without a key: it is only in the palette.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Key:
    """One action of the debugger and how the user reaches it."""

    id: str  # binding id, e.g. "step.forward"
    action: str  # a Textual action string, e.g. "run('phase')"
    help: str  # what it does, for the help screen and the palette
    group: str  # the help screen's section
    keys: str = ""  # Textual key names, e.g. "n,right"; "" for a palette-only command
    shown: str = ""  # the keys as the help screen writes them, e.g. "n  →"
    label: str = ""  # the footer's label; "" keeps it out of the footer
    title: str = ""  # the palette's title; "" keeps it out of the palette
    priority: bool = False


STEPPING, CHECKS, VIEWING, SESSION = "Stepping", "Breakpoints and checks", "Viewing", "Session"

KEYS: tuple[Key, ...] = (
    Key("step.forward", "step", "step forward one stop", STEPPING, "n,right", "n  →", "step",
        "Step forward"),
    Key("step.back", "step_back", "step back one stop", STEPPING, "p,left", "p  ←", "back",
        "Step back"),
    Key("run.phase", "run('phase')", "finish the current phase (forward, cost, backward, "
        "update)", STEPPING, "f", "f", "phase", "Finish the phase"),
    Key("run.iteration", "run('iteration')", "run through the update (to the end of the "
        "iteration)", STEPPING, "u", "u", "update", "Run through the update"),
    Key("run.epoch", "run('epoch')", "run to the end of the epoch", STEPPING, "e", "e", "epoch",
        "Run the epoch"),
    Key("run.train", "train", "train N epochs (asks for N), with a progress bar", STEPPING, "t",
        "t", "train N", "Train N epochs"),
    Key("run.cancel", "cancel", "cancel a run (or give the arrows back after h)", STEPPING,
        "escape,c", "escape  c", title="Cancel the run"),
    Key("break.toggle", "toggle_breakpoint", "toggle a breakpoint at the current stop", CHECKS,
        "b", "b", "break", "Toggle breakpoint here"),
    Key("break.clear", "clear_breakpoints", "clear all breakpoints", CHECKS, "B", "B",
        title="Clear all breakpoints"),
    Key("break.update", "toggle_breakpoint_at('update')", "toggle: runs pause at each "
        "iteration's update", CHECKS, title="Break at every update"),
    Key("break.epoch", "toggle_breakpoint_at('epoch')", "toggle: runs pause at each epoch "
        "boundary", CHECKS, title="Break at the end of every epoch"),
    Key("break.show", "show_breakpoints", "list the breakpoints and watches in the messages",
        CHECKS, title="Show breakpoints and watches"),
    Key("watch.add", "add_watch", "add a watch: delta<1e-3 (vanishing), grad_W:2>10 "
        "(exploding), saturated or dead:1>3 (units), cost (rising)", CHECKS, "w", "w",
        title="Add a watch"),
    Key("watch.clear", "clear_watches", "clear the watches (non-finite values always stop a "
        "run)", CHECKS, "W", "W", title="Clear the watches"),
    Key("check.grad", "gradcheck", "gradient-check the viewed layer (central differences)",
        CHECKS, "g", "g", "check", "Gradient check this layer"),
    Key("check.overshoot", "overshoot", "at an update stop: plot the batch cost along the "
        "step direction, s from 0 to 3α, α marked (overshooting)", CHECKS, "o", "o",
        title="Overshoot: the cost along the step"),
    Key("grads.reload", "reload_grads", "reload your gradient module (bpstep --grads FILE) and "
        "re-check", CHECKS, "r", "r", title="Reload my gradient module"),
    Key("view.next_tensor", "tensor(1)", "next tensor of the layer (and keep showing it)",
        VIEWING, "tab", "tab", "tensor", "Next tensor", priority=True),
    Key("view.prev_tensor", "tensor(-1)", "previous tensor of the layer (and keep showing it)",
        VIEWING, "shift+tab", "shift+tab", title="Previous tensor", priority=True),
    Key("view.next_layer", "layer(1)", "view the next layer", VIEWING, "j", "j",
        title="Next layer"),
    Key("view.prev_layer", "layer(-1)", "view the previous layer", VIEWING, "k", "k",
        title="Previous layer"),
    Key("view.follow", "follow", "follow the stop again: its layer and the tensors it computes "
        "(✱)", VIEWING, "l", "l", title="Follow the stop: its layer and new tensors"),
    Key("view.next_sample", "sample(1)", "next sample of the batch", VIEWING,
        "right_square_bracket", "]", title="Next sample"),
    Key("view.prev_sample", "sample(-1)", "previous sample of the batch", VIEWING,
        "left_square_bracket", "[", title="Previous sample"),
    Key("view.all_samples", "all_samples", "show all samples of the batch (columns)", VIEWING,
        "left_curly_bracket", "{", title="Show all samples of the batch"),
    Key("view.more", "precision(1)", "more digits", VIEWING, "plus,equals_sign", "+",
        title="More digits"),
    Key("view.less", "precision(-1)", "fewer digits", VIEWING, "minus", "-",
        title="Fewer digits"),
    Key("view.cycle", "cycle_view", "draw the tensor as numbers / a heatmap / pictures (W¹'s "
        "rows as images of the input)", VIEWING, "v", "v", title="Numbers, heatmap or pictures"),
    Key("view.one_scale", "toggle_one_scale", "heatmaps: one colour scale for the tensor over "
        "all layers (a vanishing δ¹ looks faint) / each its own", VIEWING, "s", "s",
        title="Heatmaps: one scale for all layers"),
    Key("view.cursor", "cursor_mode", "move the cursor over the numbers or the heatmap (arrows), "
        "or scroll the pictures; escape to leave", VIEWING, "h", "h", title="Move the cursor"),
    Key("view.explain", "explain", "explain the number under the cursor: the arithmetic that "
        "made it, with this stop's numbers", VIEWING, "x", "x", "explain", "Explain this number"),
    Key("view.zoom_costs", "zoom_costs", "cost curve: zoom to the last N epochs (asks for N; 0: "
        "all)", VIEWING, "z", "z", title="Cost curve: the last N epochs"),
    Key("view.log_scale", "toggle_log_scale", "toggle the cost curve's y axis: log / linear",
        VIEWING, title="Cost curve: log / linear scale"),
    Key("quiz.answer", "answer", "quiz: answer this stop's question (then x explains)", CHECKS,
        "a", "a", title="Quiz: answer the question"),
    Key("quiz.toggle", "toggle_quiz", "quiz mode on/off: each stop hides what it computes and "
        "asks about it (bpstep --quiz)", CHECKS, title="Quiz mode: predict, then reveal"),
    Key("session.save", "save", "save the session (.npz)", SESSION, "ctrl+s", "ctrl+s", "save",
        "Save the session"),
    Key("session.load", "load", "load a saved session", SESSION, "ctrl+o", "ctrl+o",
        title="Load a session"),
    Key("app.screenshot", "screenshot_as", "save an SVG picture of the screen (asks for the "
        "file; default the current directory)", SESSION, title="Screenshot"),
    Key("app.palette", "command_palette", "command palette: every action by name", SESSION,
        shown="ctrl+p"),
    Key("app.help", "help", "this help: every key", SESSION, "question_mark", "?", "help",
        "Help: every key"),
    Key("app.quit", "quit", "quit", SESSION, "q", "q", "quit", "Quit"),
)  # fmt: skip


def bindings() -> list[BindingType]:
    """The app's BINDINGS: every row with keys (the footer shows those with a label)."""
    return [
        Binding(k.keys, k.action, k.label or k.help, show=bool(k.label), id=k.id,
                priority=k.priority)
        for k in KEYS
        if k.keys
    ]  # fmt: skip


def help_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The help screen's sections: (title, [(keys as shown, what they do)]), keys only."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for k in KEYS:
        if k.shown:
            groups.setdefault(k.group, []).append((k.shown, k.help))
    return list(groups.items())


def palette() -> list[Key]:
    """The palette's commands: every row with a title, its key in the help text."""
    return [k for k in KEYS if k.title]
