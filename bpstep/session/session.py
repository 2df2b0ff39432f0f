"""The stepping session: a debugger's timeline over the engine.

A session trains ``network`` on ``dataset`` one stop at a time. Stop 0 is START; then every
iteration (one shuffled mini-batch) is the 3L + 1 stops of ``timeline.iteration_stops``. Epoch e
shuffles the training set with ``default_rng([seed, e])``, so the batch of any iteration is known
from its number alone.

History is bounded (``history.CheckpointStore``): parameter and optimiser checkpoints are kept at
iteration starts (every ``spacing``-th iteration, within a byte budget) and any earlier stop is
reached by restoring the nearest checkpoint and replaying: whole iterations by the engine's fast
path, then stop by stop. Within the current iteration the checkpoint of its start is used, so a
back there costs one restore and at most 3L stops. The engine guarantees that both paths give
bit-identical numbers, so stepping back and forward again reproduces every number exactly.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from bpstep.datasets import Dataset, check_fits, load_dataset
from bpstep.engine.blas import blas_threads, training_threads
from bpstep.engine.errors import BpstepError, ConfigError, DataError, OrderError
from bpstep.engine.events import BackwardEvent, CostEvent, Event, ForwardEvent
from bpstep.engine.network import Network
from bpstep.notation import sup
from bpstep.session.breakpoints import EPOCH_END, BreakpointSet
from bpstep.session.config import SessionConfig
from bpstep.session.history import HISTORY_BUDGET, HISTORY_STOPS, Checkpoint, CheckpointStore
from bpstep.session.quiz import QuizScore
from bpstep.session.sizing import check_network
from bpstep.session.state import (
    EpochRecord,
    Halt,
    RunReason,
    RunResult,
    SessionState,
    Stop,
)
from bpstep.session.tensors import computed_at, layer_tensors, stop_tensors
from bpstep.session.timeline import Phase, StopId, iteration_stops
from bpstep.session.watches import WatchSet, first_nonfinite

__all__ = ["HISTORY_BUDGET", "HISTORY_STOPS", "Session", "SessionBusy"]

PROGRESS_INTERVAL = 0.05  # seconds between progress callbacks

Progress = Callable[[float, str], None]


class SessionBusy(BpstepError, RuntimeError):
    """The session is in the middle of a run: its state is changing under the caller."""


class Session:
    """Step, step back, run and break over training iterations of one network."""

    def __init__(self, config: SessionConfig, dataset: Dataset | None = None) -> None:
        config.validate()
        self.config = config
        self.data_in_memory = dataset is not None  # not rebuilt from config.data on load
        if dataset is None:
            dataset = load_dataset(
                config.data,
                seed=config.seed,
                test_fraction=config.test_fraction,
                n_train=config.n_train,
            )
        self.dataset = dataset
        sizes = config.sizes_for(dataset.n_features, dataset.n_outputs)
        check_fits(dataset, sizes)
        n_samples = max(dataset.n_train, dataset.n_test)
        check_network(sizes, config.activation, config.batch_size, n_samples, config.optimizer)
        self.network = Network(
            sizes,
            activation=config.activation,
            cost=config.cost,
            l2=config.l2,
            seed=config.seed,
            optimizer=config.optimizer,
            init=config.init,
        )
        self.L = self.network.L
        self.stops = iteration_stops(self.L)
        self.stops_per_iteration = len(self.stops)  # 3L + 1
        self.n_train = dataset.n_train
        self.batch_size = min(config.batch_size, self.n_train)
        self.iterations_per_epoch = math.ceil(self.n_train / self.batch_size)
        # one BLAS thread for a small network, in every pass: runs, steps and replays (the
        # same thread count everywhere, so that replays reproduce runs on any BLAS)
        self._blas_threads = training_threads(sizes, self.batch_size)
        self.breakpoints = BreakpointSet()
        self.watches = WatchSet()
        # more conditions that stop a run, each called at every stop with it: message or None
        # (the TUI's check of the learner's gradients uses this); they turn off the fast path
        self.extra_checks: list[Callable[[Stop], str | None]] = []
        self.history: list[EpochRecord] = []
        self.quiz = QuizScore()  # the quiz's running score (saved with the session)
        self._iter_costs: dict[int, float] = {}
        first = self._snapshot()
        self.checkpoints = CheckpointStore(
            first, self.stops_per_iteration, HISTORY_STOPS, HISTORY_BUDGET
        )
        self.checkpoint_bytes = first.nbytes
        self.spacing = self.checkpoints.spacing
        self._current_start = first  # θ and optimiser state at the start of iteration _current_g
        self._current_g: int | None = 0
        self._index = 0
        self._events: list[tuple[StopId, Event | None]] = []
        self._perms: dict[int, np.ndarray] = {}
        self._batch_idx = np.arange(0)
        self._X: np.ndarray | None = None
        self._Y: np.ndarray | None = None
        self._running = False
        self.stop = self._make_stop()

    # ------------------------------------------------------------------ positions
    @property
    def index(self) -> int:
        return self._index

    def _locate(self, index: int) -> tuple[int, int]:
        """(global iteration g, stop k within it) of stop ``index`` ≥ 1."""
        return divmod(index - 1, self.stops_per_iteration)

    def epoch_of(self, g: int) -> tuple[int, int]:
        """(1-based epoch, 0-based iteration within it) of global iteration g."""
        e, i = divmod(g, self.iterations_per_epoch)
        return e + 1, i

    def _batch_indices(self, g: int) -> np.ndarray:
        epoch, i = self.epoch_of(g)
        perm = self._perms.get(epoch)
        if perm is None:
            perm = np.random.default_rng([self.config.seed, epoch]).permutation(self.n_train)
            self._perms = {epoch: perm}
        return perm[i * self.batch_size : (i + 1) * self.batch_size]

    def batch_of(self, g: int) -> np.ndarray:
        """Indices into the training set of iteration g's batch (fixed by the seed and g)."""
        return self._batch_indices(g)

    @property
    def batch_indices(self) -> np.ndarray:
        """Indices into the training set of the samples in the current batch."""
        return self._batch_idx

    @property
    def X_batch(self) -> np.ndarray | None:
        return self._X

    @property
    def Y_batch(self) -> np.ndarray | None:
        return self._Y

    @property
    def epoch(self) -> int:
        return self.stop.epoch

    @property
    def completed_epochs(self) -> int:
        return len(self.history)

    def _make_stop(self, message: str | None = None) -> Stop:
        if self._index == 0:
            return Stop(StopId(Phase.START), 1, 0, 0, 0, None, None, message)
        g, k = self._locate(self._index)
        epoch, it = self.epoch_of(g)
        event = self._events[-1][1] if self._events else None
        return Stop(
            self.stops[k], epoch, it, g, self._index, event, self._iter_costs.get(g), message
        )

    # ------------------------------------------------------------------ checkpoints
    def _snapshot(self) -> Checkpoint:
        W, b = self.network.get_params()
        return Checkpoint(W, b, self.network.optimizer.state_dict())

    def _restore(self, ck: Checkpoint) -> None:
        self.network.set_params(ck.weights, ck.biases)
        self.network.optimizer.load_state_dict(ck.optimizer)

    def _keep_checkpoint(self, g: int, ck: Checkpoint | None = None) -> None:
        self.checkpoints.keep(g, ck if ck is not None else self._snapshot)
        # batch costs older than the epoch of the oldest checkpoint can never be shown again
        first = (self.checkpoints.oldest // self.iterations_per_epoch) * self.iterations_per_epoch
        if self._iter_costs and min(self._iter_costs) < first:
            for key in [j for j in self._iter_costs if j < first]:
                del self._iter_costs[key]

    def history_bytes(self) -> int:
        """Bytes held by the checkpoints that make stepping back possible."""
        extra = 0 if self._current_start in self.checkpoints else self._current_start.nbytes
        return self.checkpoints.nbytes + extra

    # ------------------------------------------------------------------ one stop
    def _set_batch(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        idx = self._batch_indices(g)
        self._batch_idx = idx
        X = self._X = self.dataset.X_train[:, idx]
        Y = self._Y = self.dataset.Y_train[:, idx]
        return X, Y

    def _begin_iteration(self, g: int) -> None:
        X, Y = self._set_batch(g)
        self._current_start = self._snapshot()
        self._current_g = g
        self._keep_checkpoint(g, self._current_start)
        self._events = []
        self._fwd = self.network.forward(X)

    def _advance(self) -> tuple[StopId, Event | None, bool]:
        """Take the next stop; returns (stop, its event, whether it ends an epoch)."""
        i = self._index + 1
        g, k = self._locate(i)
        if k == 0:
            self._begin_iteration(g)
        sid = self.stops[k]
        event: Event | None
        if sid.phase is Phase.FORWARD:
            event = next(self._fwd)
            if sid.layer == self.L:
                _finish(self._fwd)
        elif sid.phase is Phase.COST:
            event = self._cost_event(g)
            self._bwd = self.network.backward(event.y)
        elif sid.phase is Phase.BACKWARD:
            event = next(self._bwd)
            if sid.layer == 1:
                _finish(self._bwd)
                self._upd = self.network.update(self.config.lr)
        else:
            event = next(self._upd)
            if sid.layer == self.L:
                _finish(self._upd)
        self._index = i
        self._events.append((sid, event))
        epoch_end = k == self.stops_per_iteration - 1 and (g + 1) % self.iterations_per_epoch == 0
        if epoch_end:
            self._end_epoch(g)
        return sid, event, epoch_end

    def _cost_event(self, g: int) -> CostEvent:
        """The cost stop of iteration g: Ĵ on the batch and the per-sample Cᵢ (from z^L)."""
        net = self.network
        out = self._events[-1][1]
        assert isinstance(out, ForwardEvent) and self._Y is not None
        with np.errstate(all="ignore"):
            per = net.cost_fn.per_sample(out.a, self._Y, out.z)
        cost = net.forward_cost(self._Y)
        self._iter_costs[g] = cost
        l2_term = cost - float(np.mean(per)) if np.isfinite(per).all() else 0.0
        return CostEvent(cost, per, out.a, self._Y, l2_term, net.cost_name)

    def _end_epoch(self, g: int) -> EpochRecord:
        epoch, _ = self.epoch_of(g)
        for rec in self.history:
            if rec.epoch == epoch:
                return rec
        d, net = self.dataset, self.network
        first = g + 1 - self.iterations_per_epoch
        costs = [self._iter_costs[j] for j in range(first, g + 1) if j in self._iter_costs]
        train = net.evaluate(d.X_train, d.Y_train)  # (Ĵ, J, accuracy): one forward pass
        test: tuple[float | None, float | None, float | None] = (None, None, None)
        if d.X_test is not None and d.Y_test is not None and d.n_test > 0:
            test = net.evaluate(d.X_test, d.Y_test)
        rec = EpochRecord(
            epoch=epoch,
            train_cost=train[0],
            test_cost=test[0],
            train_accuracy=train[2],
            test_accuracy=test[2],
            batch_cost_mean=float(np.mean(costs)) if costs else float("nan"),
            end_index=(g + 1) * self.stops_per_iteration,
            train_data_cost=train[1],
            test_data_cost=test[1],
        )
        self.history.append(rec)
        return rec

    def _fast_iteration(self, g: int) -> float:
        """Iteration g by the engine's fast path (no events); returns its batch cost."""
        X, Y = self._set_batch(g)
        self._keep_checkpoint(g)
        self._current_g = None  # _current_start no longer describes where the network is
        cost = self.network.train_batch(X, Y, self.config.lr)
        self._iter_costs[g] = cost
        return cost

    # ------------------------------------------------------------------ step and back
    def step(self) -> Stop:
        """Advance one stop and return it."""
        with blas_threads(self._blas_threads):
            self._advance()
        self.stop = self._make_stop()
        return self.stop

    def can_back(self) -> bool:
        if self._index == 0:
            return False
        target = self._index - 1
        g = self._locate(target)[0] if target else 0
        return g == self._current_g or self.checkpoints.reaches(g)

    def back(self) -> Stop:
        """Go one stop back (a no-op at START or beyond the kept history)."""
        if self.can_back():
            with blas_threads(self._blas_threads):
                self._goto(self._index - 1)
            self.stop = self._make_stop()
        return self.stop

    def _truncate(self, target: int) -> None:
        self.history = [r for r in self.history if r.end_index <= target]
        if target == 0:
            self._iter_costs.clear()
            return
        g, k = self._locate(target)
        cost_k = self.L  # the COST stop's position in an iteration
        for key in [j for j in self._iter_costs if j > g or (j == g and k < cost_k)]:
            del self._iter_costs[key]

    def _goto(self, target: int) -> None:
        """Put the session at stop ``target`` by restoring a checkpoint and replaying."""
        self._truncate(target)
        if target == 0:
            start = self.checkpoints.nearest(0)
            if start is None:
                raise OrderError("that stop is older than the history kept for stepping back")
            self._restore(start[1])
            self._current_start, self._current_g = start[1], 0
            self._index = 0
            self._events = []
            self._batch_idx = np.arange(0)
            self._X = self._Y = None
            return
        g, _ = self._locate(target)
        if g == self._current_g:
            g0, ck = g, self._current_start
        else:
            start = self.checkpoints.nearest(g)
            if start is None:
                raise OrderError("that stop is older than the history kept for stepping back")
            g0, ck = start
        self._restore(ck)
        for j in range(g0, g):
            self._fast_iteration(j)
        self._index = g * self.stops_per_iteration
        while self._index < target:
            self._advance()

    def _rebuild(self) -> None:
        """Recompute the current iteration's events (after fast-path iterations)."""
        self._goto(self._index)

    # ------------------------------------------------------------------ screen state
    def tensors(self, layer: int) -> dict[str, np.ndarray]:
        """Everything known about layer ``layer`` at this stop, in this iteration
        (``tensors.layer_tensors``): W, b, then a_prev, z, a after its forward stop, ∂C/∂a,
        f′(z), δ, ∂Ĵ/∂W, ∂Ĵ/∂b after its backward stop, W before, ΔW, Δb after its update stop;
        y and Cᵢ at the output layer after the cost stop."""
        net = self.network
        return layer_tensors(
            self._events, layer, self.L, net.weights[layer - 1], net.biases[layer - 1]
        )

    def computed(self, layer: int) -> tuple[str, ...]:
        """The tensors of layer ``layer`` that the current stop computed, the main one first."""
        return computed_at(self.stop.id, layer, self.L)

    def stop_tensors(self) -> dict[str, np.ndarray]:
        """The current stop's record: its equation's inputs and results (``bpstep trace``)."""
        return stop_tensors(self.stop.id, self.stop.event)

    def event_at(self, sid: StopId) -> Event | None:
        """The event of stop ``sid`` in the current iteration, if it has happened."""
        for s, ev in self._events:
            if s == sid:
                return ev
        return None

    def iteration_start(self) -> Checkpoint:
        """θ and the optimiser state at the start of the current iteration: what its forward
        pass used and its update started from (momentum's v, Adam's moments and t)."""
        g = self._locate(self._index)[0] if self._index else 0
        if self._current_g != g:
            self._rebuild()  # after a fast run the start of this iteration is not at hand
        return self._current_start

    @property
    def optimizer_state(self) -> dict[str, np.ndarray]:
        return self.network.optimizer.state_dict()

    # ------------------------------------------------------------------ runs
    def _end_of_phase(self) -> int:
        i = self._index + 1
        g, k = self._locate(i)
        phase = self.stops[k].phase
        while k + 1 < self.stops_per_iteration and self.stops[k + 1].phase is phase:
            k += 1
        return g * self.stops_per_iteration + k + 1

    def _end_of_iteration(self) -> int:
        g, _ = self._locate(self._index + 1)
        return (g + 1) * self.stops_per_iteration

    def _end_of_epoch(self, extra: int = 0) -> int:
        g, _ = self._locate(self._index + 1)
        ipe = self.iterations_per_epoch
        last = (g // ipe + 1 + extra) * ipe - 1
        return (last + 1) * self.stops_per_iteration

    def run_phase(self, progress: Progress | None = None, cancel=None) -> RunResult:
        """Run to the end of the current phase (or of the next, at a phase's last stop)."""
        return self._run(self._end_of_phase(), progress, cancel)

    def run_iteration(self, progress: Progress | None = None, cancel=None) -> RunResult:
        """Run through the update: to the last stop of the iteration."""
        return self._run(self._end_of_iteration(), progress, cancel)

    def run_epoch(self, progress: Progress | None = None, cancel=None) -> RunResult:
        """Run to the end of the current epoch."""
        return self._run(self._end_of_epoch(), progress, cancel)

    def run_epochs(self, n: int, progress: Progress | None = None, cancel=None) -> RunResult:
        """Run n epochs: to the end of the current one and n − 1 more."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ConfigError(f"the number of epochs must be a positive integer, got {n!r}")
        return self._run(self._end_of_epoch(n - 1), progress, cancel)

    def run_to(self, target: int, progress: Progress | None = None, cancel=None) -> RunResult:
        """Run forward to stop index ``target``."""
        return self._run(target, progress, cancel)

    @property
    def running(self) -> bool:
        """True while a run is moving the session (from another thread, in the TUI)."""
        return self._running

    def _run(
        self, target: int, progress: Progress | None, cancel: threading.Event | None
    ) -> RunResult:
        """Move forward to stop ``target``, stopping early where a breakpoint, a watch, a
        non-finite value or an extra check fires, or when ``cancel`` is set.

        Whole iterations go by the engine's fast path when nothing could fire inside one; the
        events of the iteration the run ends in are then rebuilt by replay (``_rebuild``).
        """
        self._running = True
        try:
            with blas_threads(self._blas_threads):
                return self._run_to(target, progress, cancel)
        finally:
            self._running = False

    def _run_to(
        self, target: int, progress: Progress | None, cancel: threading.Event | None
    ) -> RunResult:
        """_run's loop (see there), inside its BLAS thread limit."""
        start, halt, cancelled = self._index, None, False
        reporter = _Reporter(progress, start, target, self._progress_text)
        fast = not (self.breakpoints.stop_level or self.watches.stop_level or self.extra_checks)
        stale = False  # fast iterations have run since the events were last rebuilt
        while self._index < target:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            S = self.stops_per_iteration
            if fast and self._index % S == 0 and self._index + S <= target:
                stale, halt = True, self._fast_step(target)
                if halt is not None:
                    stale = False
            else:
                if stale:
                    self._rebuild()
                    stale = False
                sid, ev, epoch_end = self._advance()
                halt = self._check(sid, ev, epoch_end)
            if halt is not None:
                break
            reporter.tick(self._index)
        if stale:
            halt = self._after_fast_run()
        result = self._result(halt, cancelled)
        reporter.done(self._index, result.reason is RunReason.DONE)
        return result

    def _fast_step(self, target: int) -> Halt | None:
        """One whole iteration by the fast path; a Halt where it ends an epoch that stops the
        run (after rebuilding the events there) or where its cost is not finite (at the first
        stop that produced the non-finite value)."""
        g, _ = self._locate(self._index + 1)
        cost = self._fast_iteration(g)
        self._index += self.stops_per_iteration
        if not math.isfinite(cost):
            return self._find_nonfinite(max(0, g - 1), target)
        if (g + 1) % self.iterations_per_epoch == 0:
            self._end_epoch(g)
            halt = self._epoch_halt()
            if halt is not None:
                self._rebuild()
            return halt
        return None

    def _after_fast_run(self) -> Halt | None:
        """Rebuild the events of the stop a fast run ended at; a non-finite parameter found
        then is traced back to the stop that produced it."""
        self._rebuild()
        params = [*self.network.weights, *self.network.biases]
        if all(np.isfinite(p).all() for p in params):
            return None
        g, _ = self._locate(self._index)
        return self._find_nonfinite(max(0, g - 1), self._index)

    def _result(self, halt: Halt | None, cancelled: bool) -> RunResult:
        if halt is not None:
            self.stop = self._make_stop(halt.message)
            return RunResult(halt.reason, self.stop, halt.message)
        if cancelled:
            self.stop = self._make_stop("run cancelled")
            return RunResult(RunReason.CANCELLED, self.stop, "run cancelled")
        self.stop = self._make_stop()
        return RunResult(RunReason.DONE, self.stop)

    def _progress_text(self) -> str:
        g, _ = self._locate(self._index) if self._index else (0, 0)
        epoch, it = self.epoch_of(g)
        last = self.history[-1] if self.history else None
        cost = f", training cost {last.train_cost:.4g}" if last else ""
        return f"epoch {epoch}, iteration {it + 1}/{self.iterations_per_epoch}{cost}"

    def _epoch_halt(self) -> Halt | None:
        costs = [r.train_cost for r in self.history]
        if costs and not math.isfinite(costs[-1]):
            epoch = self.history[-1].epoch
            return Halt(
                RunReason.NONFINITE, f"non-finite training cost at the end of epoch {epoch}"
            )
        msg = self.watches.check_epoch(costs)
        if msg:
            return Halt(RunReason.WATCH, msg)
        if EPOCH_END in self.breakpoints:
            return Halt(RunReason.BREAKPOINT, "breakpoint at the end of the epoch")
        return None

    def _where(self) -> str:
        g, _ = self._locate(self._index)
        epoch, it = self.epoch_of(g)
        return f"(epoch {epoch}, iteration {it + 1})"

    def _nonfinite(self, sid: StopId, ev: Event | None) -> Halt | None:
        """A NaN or ±inf that the stop ``sid`` produced (always watched)."""
        if isinstance(ev, CostEvent):
            if math.isfinite(ev.cost):
                return None
            what = f"cost Ĵ = {ev.cost} at the cost stop of output layer m={self.L}"
        else:
            bad = first_nonfinite(sid.phase.value, ev)
            if not bad:
                return None
            what = f"{bad}{sup(sid.layer)} at {sid.phase.value} m={sid.layer}"
        return Halt(
            RunReason.NONFINITE,
            f"non-finite {what} {self._where()}; try a smaller learning rate",
        )

    def nonfinite_here(self) -> str | None:
        """The message for a NaN or ±inf produced at the current stop, or None."""
        if self._index == 0 or not self._events:
            return None
        sid, ev = self._events[-1]
        halt = self._nonfinite(sid, ev)
        return halt.message if halt else None

    def _check(self, sid: StopId, ev: Event | None, epoch_end: bool) -> Halt | None:
        """Whether the run stops at the stop just taken, and why."""
        halt = self._nonfinite(sid, ev)
        if halt is not None:
            return halt
        if isinstance(ev, BackwardEvent):
            msg = self.watches.check_backward(ev.layer, ev.delta, ev.grad_W)
            if msg:
                return Halt(RunReason.WATCH, f"{msg} {self._where()}")
        if isinstance(ev, ForwardEvent) and self.watches.units:
            msg = self.watches.check_forward(ev.layer, ev.z, ev.a, ev.activation)
            if msg:
                return Halt(RunReason.WATCH, f"{msg} {self._where()}")
        hit = self.breakpoints.hit(sid, False)
        if hit:
            return Halt(RunReason.BREAKPOINT, hit)
        if self.extra_checks:
            stop = self._make_stop()
            for check in self.extra_checks:
                msg = check(stop)
                if msg:
                    return Halt(RunReason.CHECK, msg)
        return self._epoch_halt() if epoch_end else None

    def _find_nonfinite(self, g_from: int, target: int) -> Halt | None:
        """Replay from iteration ``g_from`` stop by stop to the first non-finite value."""
        S = self.stops_per_iteration
        self._goto(g_from * S)
        while self._index < max(target, (g_from + 2) * S):
            sid, ev, _ = self._advance()
            halt = self._nonfinite(sid, ev)
            if halt is not None:
                return halt
        return None

    # ------------------------------------------------------------------ state, to save and load
    def state(self, history_bytes: int | None = None) -> SessionState:
        """Everything needed to continue exactly from here (``saveload`` writes it to a file).

        The checkpoints of earlier iterations are included when they take at most
        ``history_bytes`` bytes (None: always). SessionBusy while a run is moving the session.
        """
        if self._running:
            raise SessionBusy("the session is running: pause or cancel the run first")
        g = self._locate(self._index)[0] if self._index else 0
        if self._current_g != g:
            with blas_threads(self._blas_threads):
                self._rebuild()  # after a fast run the start of this iteration is not at hand
        earlier = {k: c for k, c in self.checkpoints.items().items() if k < g}
        if history_bytes is not None and sum(c.nbytes for c in earlier.values()) > history_bytes:
            earlier = {}
        return SessionState(
            config=self.config,
            index=self._index,
            iteration=g,
            start=self._current_start,
            earlier=earlier,
            history=list(self.history),
            iteration_costs=dict(self._iter_costs),
            breakpoints=self.breakpoints.to_list(),
            watches=self.watches.to_dict(),
            data_fingerprint=self.dataset.fingerprint(),
            data_in_memory=self.data_in_memory,
            quiz=self.quiz.to_dict(),
        )

    @classmethod
    def resume(cls, state: SessionState, dataset: Dataset | None = None) -> Session:
        """A new session at the stop ``state`` names, replayed from its checkpoint.

        ``dataset``: the in-memory data of a session built on one (it is not in a state's
        file); otherwise the data is rebuilt from the configuration. The data must be the data
        the state was taken on (its fingerprint). DataError when anything does not fit; a live
        session is never touched.
        """
        if dataset is None and state.data_in_memory:
            raise DataError(
                f"the session was trained on in-memory data ({state.config.data!r}), which is "
                "not in the file: pass it back, load_session(path, dataset=...)"
            )
        session = cls(state.config, dataset)
        if state.data_fingerprint and state.data_fingerprint != session.dataset.fingerprint():
            raise DataError(
                f"the data {state.config.data!r} is not the data the session was saved with "
                "(changed since, or another data set): it could not continue exactly"
            )
        session._adopt(state)
        return session

    def _adopt(self, state: SessionState) -> None:
        """Take over ``state``'s position, records and history, then replay to its stop."""
        index, g = state.index, state.iteration
        if index < 0 or g != (self._locate(index)[0] if index else 0):
            raise DataError(f"stop {index} is not in iteration {g}")
        for k, ck in [(g, state.start), *state.earlier.items()]:
            self._check_checkpoint(k, ck, g)
        self.history = list(state.history)
        self._iter_costs = dict(state.iteration_costs)
        self.breakpoints = BreakpointSet.from_list(state.breakpoints)
        self.watches = WatchSet.from_dict(state.watches)
        try:
            self.quiz = QuizScore.from_dict(state.quiz)
        except (ValueError, TypeError, AttributeError) as exc:
            raise DataError(str(exc)) from None
        self.checkpoints.reset(g, state.start, state.earlier)
        self._current_start, self._current_g = state.start, g
        self._index = g * self.stops_per_iteration
        with blas_threads(self._blas_threads):
            self._goto(index)
        self.stop = self._make_stop()

    def _check_checkpoint(self, k: int, ck: Checkpoint, g: int) -> None:
        """A checkpoint fits this network: shapes, finite numbers, an iteration ≤ g."""
        if not 0 <= k <= g:
            raise DataError(f"a history checkpoint is at iteration {k}, outside 0..{g}")
        net = self.network
        pairs = [
            *zip(ck.weights, net.weights, strict=False),
            *zip(ck.biases, net.biases, strict=False),
        ]
        if (
            len(ck.weights) != self.L
            or len(ck.biases) != self.L
            or any(np.shape(new) != old.shape for new, old in pairs)
        ):
            raise DataError(f"the parameters of iteration {k} do not fit the network {net.sizes}")
        if not all(np.isfinite(p).all() for p, _ in pairs):
            raise DataError(f"the parameters of iteration {k} hold NaN or infinite values")
        try:
            self.network.optimizer.load_state_dict(ck.optimizer)
        except (KeyError, ValueError, TypeError) as exc:
            raise DataError(f"the optimiser state of iteration {k} does not fit: {exc}") from None


class _Reporter:
    """Calls a run's progress callback at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, progress: Progress | None, start: int, target: int, text) -> None:
        self.progress, self.start, self.target, self.text = progress, start, target, text
        self.last = 0.0

    def _fraction(self, index: int) -> float:
        return (index - self.start) / max(1, self.target - self.start)

    def tick(self, index: int) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.progress(self._fraction(index), self.text())

    def done(self, index: int, finished: bool) -> None:
        if self.progress is not None:
            self.progress(1.0 if finished else self._fraction(index), self.text())


def _finish(gen) -> None:
    """Run a pass generator past its last yield, so that the engine marks the pass complete."""
    for _ in gen:
        raise RuntimeError("a pass yielded more events than the network has layers")
