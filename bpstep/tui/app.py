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
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from bpstep.engine import blas
from bpstep.engine.errors import BpstepError
from bpstep.engine.gradcheck import gradcheck
from bpstep.notation import tensor_label, with_cost_symbol
from bpstep.session import (
    Phase,
    RunReason,
    RunResult,
    Session,
    StopId,
    load_session,
    save_session,
)
from bpstep.session.overshoot import line_scan
from bpstep.session.quiz import Question, Verdict, judge, question_at
from bpstep.session.tensors import PER_SAMPLE
from bpstep.session.units import unit_health
from bpstep.session.watches import parse_watch

from .commands import DebuggerCommands
from .grads import QUANTITY_TENSOR, GradsChecker, StopChecked, origin
from .keys import bindings
from .screens.help import HelpScreen
from .screens.overshoot import OvershootScreen
from .screens.prompt import PromptScreen
from .screenshot import ask_and_save
from .widgets.costs import CostsView
from .widgets.equation import EquationView
from .widgets.footer import FittingFooter
from .widgets.heatmap import Heatmap
from .widgets.input_view import InputView
from .widgets.network_view import NetworkView, armed
from .widgets.quiz_panel import QuizPanel
from .widgets.tensor_picture import VIEW_MESSAGES, TensorPicture, look_for
from .widgets.tensor_view import TensorView
from .widgets.user_grads import UserGradsPanel

# During a run the training thread and the painting share one interpreter (the GIL) and, on a
# 2-core machine, the cores with the terminal: every repaint is training time lost. The bar and
# its line are repainted 4 times a second, the cost numbers and curve once a second (and at the
# end): with these, `t` trains at ~90% of headless speed (benchmarks/bench_tui_train.py).
REPAINT_INTERVAL = 0.25
RESIZE_SETTLE = 0.1  # seconds after the last resize: every cell painted again
CURVE_INTERVAL = 1.0
ERROR_HOLD = 4.0  # seconds an error stays in the message pane before a run's progress
TITLES = {"network": "network", "costs": "cost", "input": "input", "equation": "equation"}
TITLES |= {"tensors": "layer", "message": "messages", "grads": "your gradients"}
TITLES |= {"quiz": "quiz: predict, then reveal"}
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
        self,
        session: Session,
        grads_path: str | None = None,
        quiz: bool = False,
        frame_first: bool = False,
    ) -> None:
        """``frame_first``: paint the panes' borders first and mount the costliest two (the
        tensors; the cost curve, with its plot library) right after, so that a terminal shows
        the debugger's frame as soon as it can (``bpstep`` does; tests see the whole screen)."""
        super().__init__()
        self.frame_first = frame_first
        self.crash: BaseException | None = None  # what ended the app, if anything did
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
        # the run going on: its worker, kind and target (the last epoch, for "epochs"), so that
        # a save or a load can pause it and continue it; _pausing: a pause, not escape
        self._run_job: Worker[RunResult | None] | None = None
        self._run_plan: tuple[str, int] = ("phase", 1)
        self._pausing = False
        self._error_shown_until = 0.0
        self._last_paint = self._last_curve = 0.0
        self._run_started = (0.0, 0)
        self._halted: tuple[int, str] | None = None  # (stop index, RunReason) of the last halt
        self._message_cleared_at = -1  # the stop whose halt message W or B made stale
        self.ready = False  # the whole screen is mounted (see _reveal)
        self.grads = GradsChecker(self, grads_path, self.grads_time_limit) if grads_path else None
        self.quiz = quiz  # predict, then reveal: each stop's tensor hidden until answered
        # stop index → its question and how it was answered
        self.answered: dict[int, tuple[Question, Verdict]] = {}
        self._asked_at: int | None = None  # the stop whose question was last put on screen

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
                yield QuizPanel(id="quiz", classes="pane")
                yield Static("starting…" if self.frame_first else "", id="message", classes="pane")
                yield ProgressBar(id="progress", show_eta=False)
        yield FittingFooter()

    def _pane(self, cls: type[Widget], pane: str) -> Widget:
        """The pane, or with ``frame_first`` its empty box (the pane is mounted by _reveal)."""
        if self.frame_first:
            return Static(id=f"{pane}-frame", classes="pane")
        return cls(id=pane, classes="pane")

    _full_repaint: Timer | None = None

    def on_resize(self, event: events.Resize) -> None:
        """Repaint every cell once the terminal's size has settled.

        Textual folds resizes that come within 1/120 s of each other, and a shrink and a grow
        back (a window dragged, tmux's resize-window twice) can reach it as no change at all,
        while the terminal has blanked what fell outside the smaller size: the footer and the
        borders of panes that did not change stayed blank (the soak test in CI).
        """
        if self._full_repaint is not None:
            self._full_repaint.stop()
        self._full_repaint = self.set_timer(RESIZE_SETTLE, self._repaint_every_cell)

    def _repaint_every_cell(self) -> None:
        self._full_repaint = None
        self.screen.refresh()  # the whole screen's region: a full update, not the changes

    def on_mount(self) -> None:
        for pane, title in TITLES.items():
            for widget in self.query(f"#{pane}, #{pane}-frame"):
                widget.border_title = title
        self.query_one("#progress").display = False
        self.query_one("#grads").display = self.grads is not None
        self.query_one("#quiz").display = self.quiz
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

    def question(self) -> Question | None:
        """This stop's quiz question while it is open (quiz mode, not answered yet)."""
        if not self.quiz or self.session.index in self.answered:
            return None
        key = (id(self.session), self.session.index)
        if getattr(self, "_question", (None, None))[0] != key:
            self._question = (key, question_at(self.session))
        return self._question[1]

    def _put_question(self, q: Question | None) -> None:
        """On arriving at a stop with a question: show its layer, tensor and sample, the
        cursor on the entry asked (x explains it once answered)."""
        if q is None or self._asked_at == self.session.index:
            return
        self._asked_at = self.session.index
        self.viewed_layer = None
        self.follow_tensor = True
        row, col = q.index
        if q.name in PER_SAMPLE:
            self.sample, col = col, 0
        self.query_one(TensorView).place_cursor(row, col)

    def refresh_view(self) -> None:
        if not self.ready:
            return
        s = self.session
        q = self.question()
        self._put_question(q)
        hidden = q.hidden if q is not None and q.layer == self.layer else frozenset()
        asked = q or (self.answered[s.index][0] if s.index in self.answered else None)
        hide_delta = q.layer if q is not None and "delta" in q.hidden else None
        self.query_one(NetworkView).show(s, self.layer, hide_delta)
        message = s.stop.message if s.stop.index != self._message_cleared_at else None
        self.query_one(EquationView).show(
            s, message, hide_shapes=q is not None and q.form == "shape"
        )
        title = f"layer m = {self.layer}"
        if title != self._tensors_title:  # a new title repaints the whole pane: only on a change
            self.query_one("#tensors").border_title = self._tensors_title = title
        self.query_one(TensorView).regularised = bool(s.network.l2)
        new = s.computed(self.layer)
        findings = self.grads.at(s) if self.grads is not None else None
        if self.follow_tensor and new:
            mine = asked is not None and asked.layer == self.layer and self.quiz
            self.tensor_name = asked.name if mine and asked is not None else new[0]
            wrong = origin(findings.items if findings else None)
            if wrong is not None and wrong.layer == self.layer:  # where the learner's code is wrong
                self.tensor_name = QUANTITY_TENSOR.get(wrong.quantity or "", new[0])
        look = look_for(s, self.layer, self.tensor_name, self.sample, self.view, self.one_scale)
        self.tensor_name = self.query_one(TensorView).show(
            s.tensors(self.layer),
            self.layer,
            self.tensor_name,
            self.sample,
            self.precision,
            new=set(new),
            look=look,
            hidden=hidden,
            notes=self._unit_notes(),
        )
        if self.quiz:
            verdict = self.answered[s.index][1] if s.index in self.answered else None
            self.query_one(QuizPanel).show(q, verdict, s.quiz)
        self.query_one(CostsView).show(s)
        self.query_one(InputView).show(s, self.sample)
        if self.grads is not None and findings is not None:
            prints = str(self.grads.prints) if self.grads.printed() else None
            self.query_one(UserGradsPanel).show(
                self.grads.path,
                findings.items,
                self.grads.error,
                checking=findings.checking,
                prints=prints,
            )
        bp = "  ● breakpoint here" if s.stop.id in s.breakpoints else ""
        net = s.network
        self.sub_title = (
            f"{'-'.join(map(str, net.sizes))} · {net.cost_name} · α = {s.config.lr:g}"
            f" · {s.config.optimizer}{bp}"
        )

    def _unit_notes(self) -> dict[str, str]:
        """The viewed layer's saturated or dead units, for the rows of z and f′(z)."""
        health = unit_health(self.session).get(self.layer)
        if health is None or not health.counts:
            return {}
        units = [j + 1 for j in (*health.saturated, *health.dead)]
        listed = ", ".join(map(str, units[:4])) + (" …" if len(units) > 4 else "")
        note = f" ⚠ {health.counts}: unit{'s' if len(units) > 1 else ''} {listed}"
        return {"z": note, "fprime": note}

    def say(self, text: str, style: str = "") -> None:
        """A message, in the lesson's symbols (J when λ = 0)."""
        text = with_cost_symbol(text, bool(self.session.network.l2))
        self.query_one("#message", Static).update(Text(text, style=style, overflow="fold"))

    def error(self, text: str) -> None:
        self.say(f"error: {text}", ERROR_STYLE)
        # a run's progress does not write over an error for a while (a failed save or load
        # during a run, which goes on)
        self._error_shown_until = time.monotonic() + ERROR_HOLD

    # ------------------------------------------------------------------ stepping
    def action_step(self) -> None:
        if self.running:
            return
        try:
            self.session.step()
        except BpstepError as exc:
            self.error(str(exc))
        self._view_soon()

    def action_step_back(self) -> None:
        if self.running:
            return
        if not self.session.can_back():
            self.say("at the start of the kept history: nothing earlier to go back to")
            return
        self.session.back()
        self._view_soon()

    _view_pending = False
    _tensors_title = ""

    def _view_soon(self) -> None:
        """Repaint the stop once the keys already waiting are handled: a held n or p steps
        the session at each press but draws only the stop it ends on, so the screen never
        falls behind the keys (one repaint of 784-100-10 takes longer than a key's repeat)."""
        if not self._view_pending:
            self._view_pending = True
            self.call_later(self._view_now)

    def _view_now(self) -> None:
        self._view_pending = False
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
        self._launch(kind, n)

    def _launch(self, kind: str, n: int) -> None:
        s = self.session
        # "epochs" ends at the end of epoch `last` (1-based) wherever it is paused; the other
        # kinds end at the end of the phase, iteration or epoch they were started in
        g = s.index // s.stops_per_iteration
        last = g // s.iterations_per_epoch + n if kind == "epochs" else n
        self._run_plan = (kind, last)
        self._run_job = self._run_worker(kind, n)

    async def _pause_run(self) -> tuple[str, int] | None:
        """Stop the run between two stops and wait for its worker, so that the session holds
        still (a save of it then names the state it holds); returns what ``_resume_run`` needs
        to continue it, or None when no run was going (or it ended meanwhile)."""
        job = self._run_job
        if not self.running or job is None:
            return None
        self._pausing = True
        self._cancel.set()
        try:
            await job.wait()
        except (WorkerCancelled, WorkerFailed):
            return None
        finally:
            self._pausing = False
        result = job.result
        if result is None or result.reason is not RunReason.CANCELLED:
            return None  # it ended on its own: its RunFinished message says how
        self.running = False
        self._hide_progress()
        return self._run_plan

    def _hide_progress(self) -> None:
        self.query_one("#progress").display = False
        self.refresh_view()

    def _resume_run(self, plan: tuple[str, int]) -> None:
        kind, last = plan
        s = self.session
        g = s.index // s.stops_per_iteration
        n = last - g // s.iterations_per_epoch if kind == "epochs" else last
        if n <= 0:
            return
        self.running = True
        self._cancel.clear()
        self.query_one("#progress").display = kind in ("epoch", "epochs")
        self._launch(kind, n)

    @work(thread=True, exclusive=True, group="run")
    def _run_worker(self, kind: str, n: int) -> RunResult | None:
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
        except BpstepError as exc:
            self.post_message(RunFinished("error", str(exc)))
            return None
        if not (self._pausing and result.reason is RunReason.CANCELLED):
            self.post_message(RunFinished(result.reason, result.message))
        return result

    def on_run_progress(self, message: RunProgress) -> None:
        if not self.running:  # posted just before the run ended: the end repaints everything
            return
        self.query_one("#progress", ProgressBar).update(progress=100 * message.fraction)
        if time.monotonic() >= self._error_shown_until:  # an error stays a while
            line = Text(f"{message.text} … escape cancels", overflow="fold")
            self.query_one("#message", Static).update(line, layout=False)  # one line
        now = time.monotonic()
        if now - self._last_curve >= CURVE_INTERVAL:
            self._last_curve = now
            self.query_one(CostsView).show(self.session)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        summary = self._run_summary()  # the run's time, before the repaint of its result
        self._halted = (self.session.stop.index, message.reason)
        self._message_cleared_at = -1
        self._hide_progress()
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
                if not isinstance(watch, str):
                    watch.check_layer(self.session.L)
            except BpstepError as exc:
                self.error(str(exc))
                return
            self.session.watches.add(watch)
            self.say(f"watch added: {spec} (runs stop where it fires; W clears watches)")
            self.refresh_view()

        question = (
            "Watch (delta<1e-3, grad_W:2>10, saturated, dead:1>3, cost = training cost rising):"
        )
        self.push_screen(PromptScreen(question, ""), got)

    def action_clear_watches(self) -> None:
        self.session.watches.clear()
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

    def action_overshoot(self) -> None:
        """Ĵ on this batch along the step direction, s from 0 to 3α (at an update stop)."""
        if self.running:
            return
        try:
            scan = line_scan(self.session)
        except BpstepError as exc:
            self.say(f"o: {exc}")
            return
        self.push_screen(OvershootScreen(scan, bool(self.session.network.l2)))

    # ------------------------------------------------------------------ quiz
    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz
        self.query_one("#quiz").display = self.quiz
        self._asked_at = None
        self.say(
            "quiz on: each stop hides what it computes and asks about it; a answers"
            if self.quiz
            else "quiz off"
        )
        self.refresh_view()

    def action_answer(self) -> None:
        q = self.question()
        if q is None:
            self.say("no open question here" + ("" if self.quiz else ": the quiz is off"))
            return
        index = self.session.index

        def got(text: str | None) -> None:
            if not text or self.session.index != index:
                return
            try:
                verdict = judge(q, self.session, text)
            except BpstepError as exc:
                self.error(f"{exc}; a asks again")
                return
            self.session.quiz.record(q.kind, verdict.right)
            self.answered[index] = (q, verdict)
            self.refresh_view()
            style = "bold #98c379" if verdict.right else ERROR_STYLE
            ex = explain(self.session, q.layer, q.name, *q.index)
            from .screens.explain import ExplainScreen  # with the first explanation

            self.push_screen(ExplainScreen(ex, verdict=Text(verdict.text, style=style)))

        self.push_screen(PromptScreen(q.prompt, ""), got)

    # ------------------------------------------------------------------ view
    def _pin_tensor(self, name: str) -> None:
        """Show ``name`` from now on, instead of following what each stop computes (the message
        names the tensor now shown, at each tab)."""
        regularised = bool(self.session.network.l2)
        here = tensor_label(name, self.layer, regularised)
        every = tensor_label(name, None, regularised)
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

    def action_explain(self) -> None:
        """The arithmetic behind the number under the cursor (heatmap or numbers)."""
        entry = self.query_one(TensorView).entry()
        if entry is None:
            self.say("no number to explain here: step first, or show the numbers or the heatmap")
            return
        name, row, col = entry
        q = self.question()
        if q is not None and q.layer == self.layer and name in q.hidden:
            self.say("hidden until you answer the quiz's question: a answers, then x explains")
            return
        try:
            shown = [explain(self.session, self.layer, name, row, col)]
            if name == "C":  # and the batch cost they make
                shown.append(explain(self.session, self.layer, "J", 0, 0))
        except BpstepError as exc:
            self.error(str(exc))
            return
        from .screens.explain import ExplainScreen  # with the first explanation

        self.push_screen(ExplainScreen(*shown))

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
    async def action_save(self) -> None:
        """Save the session; a run going on is paused for it (the file holds the stop it names)
        and goes on afterwards."""
        plan = await self._pause_run()
        if plan is not None:
            self.say(f"run paused at {self._where()} to save")

        def got(path: str | None) -> None:
            if path:
                try:
                    saved = save_session(self.session, path)
                except (BpstepError, OSError) as exc:
                    self.error(str(exc))
                else:
                    more = "; the run goes on" if plan is not None else ""
                    self.say(f"saved to {saved} ({self._where()}){more}")
            if plan is not None:
                self._resume_run(plan)

        self.push_screen(PromptScreen("Save the session to (.npz):", "bpstep-session.npz"), got)

    async def action_load(self) -> None:
        """Load a session in place of this one; a run going on is paused meanwhile, and ends
        with the session it was training when the load succeeds."""
        plan = await self._pause_run()

        def got(path: str | None) -> None:
            try:
                session = load_session(Path(path)) if path else None
            except (BpstepError, OSError) as exc:
                self.error(str(exc))
                session = None
            if session is None:
                if plan is not None:
                    self._resume_run(plan)
                return
            session.extra_checks = self.session.extra_checks
            self.session = session
            self.answered.clear()  # the score came with the session; the stops are new
            if self.grads is not None:
                self.grads.forget()
            self.viewed_layer = None
            self.refresh_view()
            stopped = " (the run on the session before it was stopped)" if plan else ""
            self.say(f"loaded {path}{stopped}")

        self.push_screen(PromptScreen("Load a session from:", "bpstep-session.npz"), got)

    def _where(self) -> str:
        st = self.session.stop
        return f"stop {st.index}, epoch {st.epoch}, iteration {st.iteration + 1}"

    async def action_quit(self) -> None:
        """Quit at once: a check stuck in the learner's endless loop is stopped, not waited for."""
        self._cancel.set()
        if self.grads is not None:
            self.grads.interrupt()
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def _handle_exception(self, error: Exception) -> None:
        """An exception nothing handled (Textual 8's hook for them): the app exits, and
        ``run_tui`` raises it for the command line to log, instead of Textual printing its
        traceback over the terminal and the process exiting 0."""
        self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands but its Screenshot (to ~/Downloads): ours asks where."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot_as(self) -> None:
        # once the palette has closed, so that it is not in the picture
        self.set_timer(0.1, lambda: ask_and_save(self, self.say, self.error))


def explain(session: Session, layer: int, name: str, row: int, col: int):
    """``bpstep.session.explain.explain``, imported at the first x or answer, not at start-up."""
    from bpstep.session.explain import explain as arithmetic

    return arithmetic(session, layer, name, row, col)


def run_tui(session: Session, grads_path: str | None = None, quiz: bool = False) -> int:
    """Run the debugger on ``session``; returns the exit status, or raises what crashed it."""
    app = BpstepApp(session, grads_path, quiz, frame_first=True)
    try:
        app.run()
    finally:
        if app.grads is not None:
            app.grads.finish()  # the process running the learner's code, the prints' log
    if app.crash is not None:
        raise app.crash
    return app.return_code or 0
