"""The bpstep debugger: a Textual app over the stepping session.

Every key press changes the session (step, back, run) or the view (layer, tensor, sample,
precision), then ``refresh_view`` repaints the panes from the session's current stop. Runs go to a
thread worker that posts ``RunFinished``; the UI repaints from its progress callback at most ten
times a second. The keys are in ``keys.KEYS``; the learner's gradients in ``grads``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from bpstep.engine.errors import BpstepError
from bpstep.engine.gradcheck import gradcheck
from bpstep.notation import tensor_label
from bpstep.session import (
    Phase,
    RunReason,
    Session,
    StopId,
    load_session,
    save_session,
)
from bpstep.session.deadline import interrupt_all
from bpstep.session.watches import parse_watch

from .commands import DebuggerCommands
from .grads import FUNCTION_TENSOR, GradsChecker, StopChecked
from .keys import bindings
from .screens.help import HelpScreen
from .screens.prompt import PromptScreen
from .screenshot import ask_and_save
from .widgets.costs import CostsView
from .widgets.equation import EquationView
from .widgets.footer import FittingFooter
from .widgets.heatmap import Heatmap
from .widgets.input_view import InputView
from .widgets.network_view import NetworkView, armed
from .widgets.tensor_picture import VIEW_MESSAGES, TensorPicture, look_for
from .widgets.tensor_view import TensorView
from .widgets.user_grads import UserGradsPanel

REPAINT_INTERVAL = 0.1
ERROR_STYLE = "bold #e06c75"
STOP_STYLE = "bold #e5c07b"


class RunFinished(Message):
    """A run's worker ended: ``reason`` (a RunReason, or "error") and its message."""

    def __init__(self, reason: str, message: str | None) -> None:
        super().__init__()
        self.reason, self.text = reason, message


class BpstepApp(App[int]):
    CSS_PATH = "bpstep.tcss"
    TITLE = "bpstep"
    AUTO_FOCUS = None  # arrows step the session; the heatmap takes them only after h
    COMMANDS = App.COMMANDS | {DebuggerCommands}
    BINDINGS: ClassVar[list[BindingType]] = bindings()

    # the learner's code runs in a thread; an endless loop is stopped after this long
    grads_time_limit = 5.0

    def __init__(self, session: Session, grads_path: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.viewed_layer: int | None = None  # None: follow the stop's layer
        self.tensor_name = "W"
        self.follow_tensor = True  # show what each stop computes, until tab or a click picks one
        self.sample = 0
        self.precision = 4
        self.view = "numbers"  # the tensor as numbers (where they fit), heatmap or pictures: v
        self.one_scale = False  # heatmaps on one colour scale for every layer: s
        self.running = False
        self._cancel = threading.Event()
        self._last_paint = 0.0
        self._run_started = (0.0, 0)
        self._halted: tuple[int, str] | None = None  # (stop index, RunReason) of the last halt
        self._message_cleared_at = -1  # the stop whose halt message W or B made stale
        self.grads = GradsChecker(self, grads_path, self.grads_time_limit) if grads_path else None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield NetworkView(id="network", classes="pane")
                yield CostsView(id="costs", classes="pane")
                yield InputView(id="input", classes="pane")
            with Vertical(id="right"):
                yield EquationView(id="equation", classes="pane")
                yield TensorView(id="tensors", classes="pane")
                yield UserGradsPanel(id="grads", classes="pane")
                yield Static(id="message", classes="pane")
                yield ProgressBar(id="progress", show_eta=False)
        yield FittingFooter()

    def on_mount(self) -> None:
        titles = {"network": "network", "costs": "cost", "input": "input", "equation": "equation"}
        titles |= {"tensors": "layer", "message": "messages", "grads": "your gradients"}
        for pane, title in titles.items():
            self.query_one(f"#{pane}").border_title = title
        self.query_one("#progress").display = False
        self.query_one("#grads").display = self.grads is not None
        if self.grads is not None:
            self.grads.time_limit = self.grads_time_limit  # tests may shorten it
            self.grads.load()
            self.session.extra_checks.append(self._grads_halt)
        self.refresh_view()
        self.say("n or → steps forward, p or ← steps back, ? shows every key")

    # ------------------------------------------------------------------ painting
    @property
    def layer(self) -> int:
        if self.viewed_layer is not None:
            return self.viewed_layer
        stop = self.session.stop
        return stop.layer if stop.layer else (self.session.L if stop.phase is Phase.COST else 1)

    def refresh_view(self) -> None:
        s = self.session
        self.query_one(NetworkView).show(s, self.layer)
        message = s.stop.message if s.stop.index != self._message_cleared_at else None
        self.query_one(EquationView).show(s, message)
        self.query_one("#tensors").border_title = f"layer m = {self.layer}"
        new = s.computed(self.layer)
        findings = self.grads.at(s) if self.grads is not None else None
        if self.follow_tensor and new:
            self.tensor_name = new[0]
            wrong = [f for f in (findings.items if findings else None) or [] if not f.ok]
            if wrong and wrong[0].layer == self.layer:  # show where the learner's code is wrong
                self.tensor_name = FUNCTION_TENSOR.get(wrong[0].function, new[0])
        look = look_for(s, self.layer, self.tensor_name, self.sample, self.view, self.one_scale)
        self.tensor_name = self.query_one(TensorView).show(
            s.tensors(self.layer),
            self.layer,
            self.tensor_name,
            self.sample,
            self.precision,
            new=set(new),
            look=look,
        )
        self.query_one(CostsView).show(s)
        self.query_one(InputView).show(s, self.sample)
        if self.grads is not None and findings is not None:
            self.query_one(UserGradsPanel).show(
                self.grads.path, findings.items, self.grads.error, checking=findings.checking
            )
        bp = "  ● breakpoint here" if s.stop.id in s.breakpoints else ""
        net = s.network
        self.sub_title = (
            f"{'-'.join(map(str, net.sizes))} · {net.cost_name} · α = {s.config.lr:g}"
            f" · {s.config.optimizer}{bp}"
        )

    def say(self, text: str, style: str = "") -> None:
        self.query_one("#message", Static).update(Text(text, style=style, overflow="fold"))

    def error(self, text: str) -> None:
        self.say(f"error: {text}", ERROR_STYLE)

    # ------------------------------------------------------------------ stepping
    def action_step(self) -> None:
        if self.running:
            return
        try:
            self.session.step()
        except BpstepError as exc:
            self.error(str(exc))
        self.refresh_view()

    def action_step_back(self) -> None:
        if self.running:
            return
        if not self.session.can_back():
            self.say("at the start of the kept history: nothing earlier to go back to")
            return
        self.session.back()
        self.refresh_view()

    def action_run(self, kind: str) -> None:
        if not self.running:
            self._start_run(kind, 1)

    def action_train(self) -> None:
        if self.running:
            return

        def got(answer: str | None) -> None:
            if not answer:
                return
            try:
                n = int(answer)
                if n <= 0:
                    raise ValueError
            except ValueError:
                self.error(f"the number of epochs must be a positive integer, got {answer!r}")
                return
            self._start_run("epochs", n)

        # about a thousand iterations: 10 epochs of the digits, 1,000 of xor's single batch
        suggested = max(10, 1000 // max(1, self.session.iterations_per_epoch))
        self.push_screen(PromptScreen("Train how many epochs?", str(suggested)), got)

    def _start_run(self, kind: str, n: int) -> None:
        self.running = True
        self._cancel.clear()
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=100, progress=0)
        bar.display = kind in ("epoch", "epochs")
        self.say(f"running ({kind})… escape cancels")
        self._run_started = (time.perf_counter(), len(self.session.history))
        self._run_worker(kind, n)

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self, kind: str, n: int) -> None:
        s = self.session

        def progress(fraction: float, text: str) -> None:
            now = time.monotonic()
            if now - self._last_paint >= REPAINT_INTERVAL:
                self._last_paint = now
                self.call_from_thread(self._show_progress, fraction, text)

        runs = {"phase": s.run_phase, "iteration": s.run_iteration, "epoch": s.run_epoch}
        try:
            if kind in runs:
                result = runs[kind](progress, self._cancel)
            else:
                result = s.run_epochs(n, progress, self._cancel)
            self.post_message(RunFinished(result.reason, result.message))
        except BpstepError as exc:
            self.post_message(RunFinished("error", str(exc)))

    def _show_progress(self, fraction: float, text: str) -> None:
        self.query_one("#progress", ProgressBar).update(progress=100 * fraction)
        self.say(f"{text} … escape cancels")
        self.query_one(CostsView).show(self.session)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        self._halted = (self.session.stop.index, message.reason)
        self._message_cleared_at = -1
        self.query_one("#progress").display = False
        self.refresh_view()
        reason, text = message.reason, message.text
        if reason == RunReason.DONE:
            self.say(self._run_summary())
        elif reason == "error":
            self.error(text or "")
        elif reason == RunReason.CANCELLED:
            self.say("run cancelled", "bold")
        else:
            self.say(text or reason, ERROR_STYLE if reason == RunReason.NONFINITE else STOP_STYLE)

    def _run_summary(self) -> str:
        """What a finished run did: epochs, time, training (and test) cost before → after."""
        t0, before = self._run_started
        h = self.session.history
        done = len(h) - before
        if done <= 0:
            return "done"
        text = f"done: {done} epoch{'s' if done != 1 else ''} in {time.perf_counter() - t0:.2f} s"
        for which in ("train", "test"):
            end = getattr(h[-1], f"{which}_cost")
            if end is None:
                continue
            start = getattr(h[before - 1], f"{which}_cost") if before else None
            was = f"{start:.4g} → " if start is not None else ""
            text += f"; {which} Ĵ {was}{end:.4g}"
            accuracy = getattr(h[-1], f"{which}_accuracy")
            if accuracy is not None:
                text += f" ({100 * accuracy:.1f}%)"
        return text

    def action_cancel(self) -> None:
        if self.running:
            self._cancel.set()
        elif self.query_one(TensorView).has_focus_within:
            self.set_focus(None)

    # ------------------------------------------------------------------ breakpoints, checks
    def action_toggle_breakpoint(self) -> None:
        stop = self.session.stop
        if stop.phase is Phase.START:
            self.say("breakpoints go on stops: step first")
            return
        on = self.session.breakpoints.toggle(StopId(stop.phase, stop.layer))
        self.say(f"breakpoint {'set' if on else 'removed'} at {stop.id}")
        self.refresh_view()

    def action_toggle_breakpoint_at(self, where: str) -> None:
        """Break at every update (``"update"``) or at the end of every epoch (``"epoch"``)."""
        on = self.session.breakpoints.toggle(where)
        what = "every update" if where == "update" else "the end of every epoch"
        self.say(f"breakpoint at {what} {'set' if on else 'removed'}")
        self.refresh_view()

    def action_zoom_costs(self) -> None:
        """z: the cost curve's last N epochs (0 or nothing: all)."""
        costs = self.query_one(CostsView)

        def got(answer: str | None) -> None:
            if answer is None:
                return
            try:
                n = int(answer or 0)
                if n < 0:
                    raise ValueError
            except ValueError:
                self.error(f"the number of epochs must be a whole number ≥ 0, got {answer!r}")
                return
            costs.zoom(self.session, n)
            self.say(f"cost curve: the last {n} epochs" if n else "cost curve: every epoch")

        question = "Show the last how many epochs on the cost curve? (0: all)"
        suggested = "0" if costs.last_epochs else "50"  # zoomed in: suggest all again
        self.push_screen(PromptScreen(question, suggested), got)

    def action_toggle_log_scale(self) -> None:
        on = self.query_one(CostsView).toggle_log_scale(self.session)
        self.say(f"cost curve: {'log' if on else 'linear'} scale")

    def action_show_breakpoints(self) -> None:
        listed = armed(self.session)
        always = "non-finite values always stop a run"
        self.say(f"{listed}  ({always})" if listed else f"no breakpoints or watches ({always})")

    def action_clear_breakpoints(self) -> None:
        self.session.breakpoints.clear()
        self._clear_halt_message(RunReason.BREAKPOINT)
        self.say("all breakpoints cleared")
        self.refresh_view()

    def action_add_watch(self) -> None:
        def got(spec: str | None) -> None:
            if not spec:
                return
            try:
                watch = parse_watch(spec)
            except BpstepError as exc:
                self.error(str(exc))
                return
            if isinstance(watch, str):  # "cost": the training cost rising
                self.session.watches.cost_rising = True
            else:
                self.session.watches.norms.append(watch)
            self.say(f"watch added: {spec} (runs stop where it fires; W clears watches)")
            self.refresh_view()

        self.push_screen(
            PromptScreen("Watch (delta<1e-3, grad_W:2>10, cost = training cost rising):", ""), got
        )

    def action_clear_watches(self) -> None:
        self.session.watches.norms.clear()
        self.session.watches.cost_rising = False
        self._clear_halt_message(RunReason.WATCH)
        self.say("watches cleared (the non-finite watch is always on)")
        self.refresh_view()

    def _clear_halt_message(self, reason: RunReason) -> None:
        """The equation pane stops showing why the run halted here once that (a watch, a
        breakpoint) has been cleared."""
        if self._halted == (self.session.stop.index, reason):
            self._message_cleared_at = self.session.stop.index

    def action_gradcheck(self) -> None:
        s = self.session
        if s.X_batch is None or s.Y_batch is None:
            self.say("no batch yet: step first")
            return
        net = s.network.copy()
        report = gradcheck(net, s.X_batch, s.Y_batch, max_entries=200, layers=[self.layer])
        parts = [
            f"{c.param}{self.layer}: worst relative error {c.max_rel_error:.2e} ({c.band}, "
            f"{c.n_checked}/{c.n_total} entries)"
            for c in report.checks
        ]
        self.say(
            f"gradient check of layer m = {self.layer} on this batch: " + "; ".join(parts),
            "bold #98c379" if report.band in ("good", "ok") else ERROR_STYLE,
        )

    # ------------------------------------------------------------------ view
    def _pin_tensor(self, name: str) -> None:
        """Show ``name`` from now on, instead of following what each stop computes (the message
        names the tensor now shown, at each tab)."""
        here, every = tensor_label(name, self.layer), tensor_label(name)
        self.say(f"showing {here} ({every} at every stop); l follows each stop's new tensors")
        self.follow_tensor = False
        self.tensor_name = name
        self.refresh_view()

    def action_tensor(self, step: int) -> None:
        names = list(self.session.tensors(self.layer))
        if names:
            i = names.index(self.tensor_name) if self.tensor_name in names else 0
            self._pin_tensor(names[(i + step) % len(names)])

    def action_layer(self, step: int) -> None:
        self.viewed_layer = max(1, min(self.session.L, self.layer + step))
        self.refresh_view()

    def on_tensor_view_tensor_clicked(self, message: TensorView.TensorClicked) -> None:
        self._pin_tensor(message.name)

    def on_network_view_layer_clicked(self, message: NetworkView.LayerClicked) -> None:
        self.viewed_layer = message.layer
        self.refresh_view()

    def action_follow(self) -> None:
        self.viewed_layer = None
        self.follow_tensor = True
        self.say("following the stop: its layer, and the tensors it computes")
        self.refresh_view()

    def action_sample(self, step: int) -> None:
        n = max(1, len(self.session.batch_indices))
        self.sample = (max(self.sample, 0) + step) % n
        self.refresh_view()

    def action_all_samples(self) -> None:
        self.sample = -1
        self.refresh_view()

    def action_precision(self, step: int) -> None:
        self.precision = max(1, min(10, self.precision + step))
        self.say(f"{self.precision} digits")
        self.refresh_view()

    def action_cycle_view(self) -> None:
        """v: the next way of drawing the tensor shown (numbers, heatmap, pictures)."""
        after = self.query_one(TensorPicture).next_view()
        if after is None:
            self.say("this tensor has one view only")
            return
        self.view = after
        self.refresh_view()
        self.say(VIEW_MESSAGES[after])

    def action_toggle_one_scale(self) -> None:
        """s: heatmaps on one colour scale for the tensor across all layers, or each its own."""
        self.one_scale = not self.one_scale
        if self.one_scale and self.query_one(TensorPicture).mode == "numbers":
            self.view = "heatmap"  # colours are what the shared scale is for
        self.refresh_view()
        label = tensor_label(self.tensor_name)
        self.say(
            f"one colour scale for {label} of every layer: a small one shows hardly any colour "
            "(s: each its own)"
            if self.one_scale
            else "each heatmap on its own colour scale (s: one for all layers)"
        )

    def action_cursor_mode(self) -> None:
        said = self.query_one(TensorView).focus_view()
        if said:
            self.say(said)

    def on_key(self, event) -> None:
        if self.query_one(Heatmap).has_focus and event.key in ("up", "down", "left", "right"):
            self.call_after_refresh(self.query_one(TensorView).update_cursor)

    # ------------------------------------------------------------------ the learner's gradients
    def _grads_halt(self, stop) -> str | None:
        """The first disagreement of the learner's gradients stops a run (in the run's thread)."""
        return self.grads.halt_message(self.session, stop) if self.grads else None

    def on_stop_checked(self, message: StopChecked) -> None:
        if self.grads is None:
            return
        self.grads.checked(message, self.session)
        if message.error:
            self.error(message.error)
        self.refresh_view()  # shows the result, or starts the check of the stop shown now

    def action_reload_grads(self) -> None:
        if self.grads is None:
            self.say("no gradient module: start bpstep with --grads FILE")
            return
        self.grads.load()
        self.refresh_view()
        error = self.grads.error
        self.say(error or f"reloaded {self.grads.path}", ERROR_STYLE if error else "")

    # ------------------------------------------------------------------ save and load
    def action_save(self) -> None:
        def got(path: str | None) -> None:
            if not path:
                return
            try:
                saved = save_session(self.session, path)
            except (BpstepError, OSError) as exc:
                self.error(str(exc))
                return
            self.say(f"saved to {saved}")

        self.push_screen(PromptScreen("Save the session to (.npz):", "bpstep-session.npz"), got)

    def action_load(self) -> None:
        def got(path: str | None) -> None:
            if not path:
                return
            try:
                session = load_session(Path(path))
            except (BpstepError, OSError) as exc:
                self.error(str(exc))
                return
            session.extra_checks = self.session.extra_checks
            self.session = session
            if self.grads is not None:
                self.grads.forget()
            self.viewed_layer = None
            self.refresh_view()
            self.say(f"loaded {path}")

        self.push_screen(PromptScreen("Load a session from:", "bpstep-session.npz"), got)

    async def action_quit(self) -> None:
        """Quit at once: a check stuck in the learner's endless loop is stopped, not waited for."""
        self._cancel.set()
        interrupt_all()
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands but its Screenshot (to ~/Downloads): ours asks where."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot_as(self) -> None:
        # once the palette has closed, so that it is not in the picture
        self.set_timer(0.1, lambda: ask_and_save(self, self.say, self.error))


def run_tui(session: Session, grads_path: str | None = None) -> int:
    """Run the debugger on ``session``; returns the exit status."""
    BpstepApp(session, grads_path).run()
    return 0
