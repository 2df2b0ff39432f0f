"""The bpstep debugger: a Textual app over the stepping session.

Every key press changes the session (step, back, run) or the view (layer, tensor, sample,
precision), then ``refresh_view`` repaints the panes from the session's current stop. Runs go to a
thread worker that posts ``RunFinished``; the UI repaints from its progress callback at most ten
times a second. The keys are in ``keys.KEYS``; the learner's gradients in ``grads``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, ProgressBar, Static

from bpstep.engine import blas
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
from .widgets.costs import CostsView
from .widgets.equation import EquationView
from .widgets.heatmap import Heatmap
from .widgets.input_view import InputView
from .widgets.network_view import NetworkView, armed
from .widgets.tensor_view import TensorView
from .widgets.user_grads import UserGradsPanel

# During a run the training thread and the painting share one interpreter (the GIL) and, on a
# 2-core machine, the cores with the terminal: every repaint is training time lost. The bar and
# its line are repainted 4 times a second, the cost numbers and curve once a second (and at the
# end): with these, `t` trains at ~90% of headless speed (benchmarks/bench_tui_train.py).
REPAINT_INTERVAL = 0.25
CURVE_INTERVAL = 1.0
TITLES = {"network": "network", "costs": "cost", "input": "input", "equation": "equation"}
TITLES |= {"tensors": "layer", "message": "messages", "grads": "your gradients"}
ERROR_STYLE = "bold #e06c75"
STOP_STYLE = "bold #e5c07b"


class RunProgress(Message):
    """A run's progress, posted by its worker (which does not wait for the repaint)."""

    def __init__(self, fraction: float, text: str) -> None:
        super().__init__()
        self.fraction, self.text = fraction, text


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

    def __init__(
        self, session: Session, grads_path: str | None = None, frame_first: bool = False
    ) -> None:
        """``frame_first``: paint the panes' borders first and mount the costliest two (the
        tensors; the cost curve, with its plot library) right after, so that a terminal shows
        the debugger's frame as soon as it can (``bpstep`` does; tests see the whole screen)."""
        super().__init__()
        self.frame_first = frame_first
        self.session = session
        self.viewed_layer: int | None = None  # None: follow the stop's layer
        self.tensor_name = "W"
        self.follow_tensor = True  # show what each stop computes, until tab or a click picks one
        self.sample = 0
        self.precision = 4
        self.running = False
        self._cancel = threading.Event()
        self._last_paint = self._last_curve = 0.0
        self._run_started = (0.0, 0)
        self.ready = False  # the whole screen is mounted (see _reveal)
        self.grads = GradsChecker(self, grads_path, self.grads_time_limit) if grads_path else None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield NetworkView(id="network", classes="pane")
                yield self._pane(CostsView, "costs")
                yield InputView(id="input", classes="pane")
            with Vertical(id="right"):
                yield EquationView(id="equation", classes="pane")
                yield self._pane(TensorView, "tensors")
                yield UserGradsPanel(id="grads", classes="pane")
                yield Static("starting…" if self.frame_first else "", id="message", classes="pane")
                yield ProgressBar(id="progress", show_eta=False)
        yield Footer()

    def _pane(self, cls: type[Widget], pane: str) -> Widget:
        """The pane, or with ``frame_first`` its empty box (the pane is mounted by _reveal)."""
        if self.frame_first:
            return Static(id=f"{pane}-frame", classes="pane")
        return cls(id=pane, classes="pane")

    def on_mount(self) -> None:
        for pane, title in TITLES.items():
            for widget in self.query(f"#{pane}, #{pane}-frame"):
                widget.border_title = title
        self.query_one("#progress").display = False
        self.query_one("#grads").display = self.grads is not None
        if self.grads is not None:
            self.grads.time_limit = self.grads_time_limit  # tests may shorten it
            self.grads.load()
            self.session.extra_checks.append(self._grads_halt)
        if self.frame_first:
            self.call_after_refresh(self._reveal)
        else:
            self._first_stop()

    async def _reveal(self) -> None:
        """Mount the panes the first frame left empty (``frame_first``), then paint the stop."""
        frames = []
        for widget in (
            CostsView(id="costs", classes="pane"),
            TensorView(id="tensors", classes="pane"),
        ):
            frame = self.query_one(f"#{widget.id}-frame")
            widget.border_title = frame.border_title
            parent = frame.parent
            assert isinstance(parent, Widget)
            await parent.mount(widget, after=frame)
            frames.append(frame)
        for frame in frames:
            await frame.remove()
        self._first_stop()

    def _first_stop(self) -> None:
        self.ready = True
        self.refresh_bindings()
        self.refresh_view()
        self.say("n or → steps forward, p or ← steps back, ? shows every key")
        self.call_after_refresh(blas.prepare)  # not at the first key

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the first stop is painted (_reveal) only quitting works; the rest is shown."""
        return True if self.ready or action == "quit" else None

    # ------------------------------------------------------------------ painting
    @property
    def layer(self) -> int:
        if self.viewed_layer is not None:
            return self.viewed_layer
        stop = self.session.stop
        return stop.layer if stop.layer else (self.session.L if stop.phase is Phase.COST else 1)

    def refresh_view(self) -> None:
        if not self.ready:
            return
        s = self.session
        self.query_one(NetworkView).show(s, self.layer)
        self.query_one(EquationView).show(s)
        self.query_one("#tensors").border_title = f"layer m = {self.layer}"
        new = s.computed(self.layer)
        findings = self.grads.at(s) if self.grads is not None else None
        if self.follow_tensor and new:
            self.tensor_name = new[0]
            wrong = [f for f in (findings.items if findings else None) or [] if not f.ok]
            if wrong and wrong[0].layer == self.layer:  # show where the learner's code is wrong
                self.tensor_name = FUNCTION_TENSOR.get(wrong[0].function, new[0])
        self.tensor_name = self.query_one(TensorView).show(
            s.tensors(self.layer),
            self.layer,
            self.tensor_name,
            self.sample,
            self.precision,
            new=set(new),
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
        # one line: the pane keeps its height, so the screen is not laid out again
        line = Text(f"running ({kind})… escape cancels", overflow="fold")
        self.query_one("#message", Static).update(line, layout=False)
        self._run_started = (time.perf_counter(), len(self.session.history))
        self._run_worker(kind, n)

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self, kind: str, n: int) -> None:
        s = self.session

        def progress(fraction: float, text: str) -> None:
            now = time.monotonic()
            if now - self._last_paint >= REPAINT_INTERVAL:
                self._last_paint = now
                self.post_message(RunProgress(fraction, text))

        runs = {"phase": s.run_phase, "iteration": s.run_iteration, "epoch": s.run_epoch}
        try:
            if kind in runs:
                result = runs[kind](progress, self._cancel)
            else:
                result = s.run_epochs(n, progress, self._cancel)
            self.post_message(RunFinished(result.reason, result.message))
        except BpstepError as exc:
            self.post_message(RunFinished("error", str(exc)))

    def on_run_progress(self, message: RunProgress) -> None:
        if not self.running:  # posted just before the run ended: the end repaints everything
            return
        self.query_one("#progress", ProgressBar).update(progress=100 * message.fraction)
        line = Text(f"{message.text} … escape cancels", overflow="fold")
        self.query_one("#message", Static).update(line, layout=False)  # one line, as before
        now = time.monotonic()
        if now - self._last_curve >= CURVE_INTERVAL:
            self._last_curve = now
            self.query_one(CostsView).show(self.session)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        summary = self._run_summary()  # the run's time, before the repaint of its result
        self.query_one("#progress").display = False
        self.refresh_view()
        reason, text = message.reason, message.text
        if reason == RunReason.DONE:
            self.say(summary)
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
        elif self.query_one(Heatmap).has_focus:
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

    def action_toggle_log_scale(self) -> None:
        on = self.query_one(CostsView).toggle_log_scale(self.session)
        self.say(f"cost curve: {'log' if on else 'linear'} scale")

    def action_show_breakpoints(self) -> None:
        listed = armed(self.session)
        always = "non-finite values always stop a run"
        self.say(f"{listed}  ({always})" if listed else f"no breakpoints or watches ({always})")

    def action_clear_breakpoints(self) -> None:
        self.session.breakpoints.clear()
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
        self.say("watches cleared (the non-finite watch is always on)")
        self.refresh_view()

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
        """Show ``name`` from now on, instead of following what each stop computes."""
        if self.follow_tensor:
            shown = tensor_label(name)
            self.say(f"showing {shown} at every stop; l follows each stop's new tensors again")
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

    def action_cursor_mode(self) -> None:
        hm = self.query_one(Heatmap)
        if hm.display:
            hm.focus()
            self.say("arrows move the cursor; escape leaves")

    def on_key(self, event) -> None:
        if (
            self.ready
            and self.query_one(Heatmap).has_focus
            and event.key in ("up", "down", "left", "right")
        ):
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


def run_tui(session: Session, grads_path: str | None = None) -> int:
    """Run the debugger on ``session``; returns the exit status."""
    BpstepApp(session, grads_path, frame_first=True).run()
    return 0
