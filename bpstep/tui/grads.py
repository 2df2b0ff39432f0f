"""The learner's gradient module in the debugger (``bpstep --grads FILE``): loading it, checking
it at backward stops in a thread, and the findings of each stop.

The learner's code runs in a child process (``bpstep.checker.sandbox``): an endless loop is
stopped at the time limit, ``q`` stops a check running now (``interrupt``), and what the
learner's code prints goes to a log file (``prints``), never over the screen.

The learner's code (and the finite differences it is compared with: 0.2 s a stop on 784-100-10)
runs in a thread worker, so that a key press repaints at once; the pane says "checking…" and
fills in when the worker posts ``StopChecked``. One check runs at a time, always for the stop
shown when it starts, so stepping quickly through backward stops does not pile up threads.
During a run (``t``, ``e``) the run's own thread checks every backward stop it passes
(``halt_message``), so that the first disagreement stops the run there.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.message import Message

from bpstep.engine.errors import BpstepError
from bpstep.engine.events import BackwardEvent
from bpstep.session import Session, Stop

if TYPE_CHECKING:  # the checker is imported with the first --grads file, not at start-up
    from bpstep.checker import Result
    from bpstep.session.usergrads import LearnerCode

CACHE_SIZE = 64  # stops whose findings are kept (the oldest go first)

# the tensor shown for a result's quantity (a wrong loss has no tensor of its own: Cᵢ)
QUANTITY_TENSOR = {"delta": "delta", "grad_W": "grad_W", "grad_b": "grad_b", "loss": "C"}


class StopChecked(Message):
    """A worker finished checking the learner's functions at stop ``index``."""

    def __init__(self, session: Session, module: object, index: int, findings: list | None,
                 error: str | None) -> None:  # fmt: skip
        super().__init__()
        self.session, self.module, self.index = session, module, index
        self.findings, self.error = findings, error


@dataclass
class Findings:
    """What the grads pane shows at a stop: ``checking`` while a worker runs, else ``items``
    (None away from backward stops, [] where none of the learner's functions applies)."""

    items: list | None
    checking: bool = False


class GradsChecker:
    """The learner's module and the findings per stop, for one app."""

    def __init__(self, app: App, path: str, time_limit: float) -> None:
        self.app = app
        self.path = path
        self.time_limit = time_limit
        self.module: LearnerCode | None = None
        self.error: str | None = None
        # what the learner's code prints: a log file, not the terminal (the screen)
        fd, name = tempfile.mkstemp(prefix="bpstep-grads-", suffix=".log")
        self.prints = Path(name)
        self._log = os.fdopen(fd, "w")
        self.busy = False  # a worker is checking a stop
        self._cache: dict[int, list] = {}

    def load(self) -> None:
        """(Re)load the learner's file; a failure is shown in the pane (``error``)."""
        self._cache.clear()
        self.close()  # the old file's process
        try:
            from bpstep.session.usergrads import load_user_module

            self.module = load_user_module(self.path, self.time_limit, stderr=self._log)
            self.error = None
        except BpstepError as exc:
            self.module = None
            self.error = str(exc)

    def interrupt(self) -> None:
        """Stop the learner's code running now, in any thread (the app is quitting)."""
        if self.module is not None:
            self.module.interrupt()

    def close(self) -> None:
        """End the process that runs the learner's code (on reload and on quit)."""
        if self.module is not None:
            self.module.close()
            self.module = None

    def finish(self) -> None:
        """The app has ended: no process left, and no empty log of prints left behind."""
        self.close()
        self._log.close()
        if not self.printed():
            self.prints.unlink(missing_ok=True)

    def printed(self) -> bool:
        """Whether the learner's code has printed anything (to ``prints``)."""
        if not self._log.closed:
            self._log.flush()
        try:
            return self.prints.stat().st_size > 0
        except OSError:
            return False

    def forget(self) -> None:
        """Drop every cached finding (another session was loaded)."""
        self._cache.clear()

    def _remember(self, index: int, findings: list) -> None:
        self._cache[index] = findings
        while len(self._cache) > CACHE_SIZE:
            del self._cache[next(iter(self._cache))]

    def at(self, session: Session) -> Findings:
        """The findings at the session's stop, starting a worker when they are not known."""
        stop = session.stop
        if self.module is None or not isinstance(stop.event, BackwardEvent):
            return Findings(None)
        if stop.index in self._cache:
            return Findings(self._cache[stop.index])
        if not self.busy:
            self.busy = True
            # inputs copied now: the session moves on (and updates W in place) while it runs
            net = session.network.copy()
            args = (session, self.module, stop, net, session.X_batch, session.Y_batch)
            self.app.run_worker(lambda: self._check(*args), thread=True, group="grads")
        return Findings(None, checking=True)

    def _check(self, session, module, stop, network, X, Y) -> None:
        """In a worker thread: check the stop, then post the result to the app."""
        try:
            findings = _check_event(module, stop.event, network, X, Y, stop.global_iteration)
            error = None
        except Exception as exc:  # the learner's errors are findings: this would be a bug of ours
            findings, error = [], f"checking your gradients failed: {exc}"
        self.app.post_message(StopChecked(session, module, stop.index, findings, error))

    def checked(self, message: StopChecked, session: Session) -> None:
        """Take a worker's result (when it is still about this session and module)."""
        self.busy = False
        if message.session is session and message.module is self.module:
            self._remember(message.index, message.findings or [])

    def halt_message(self, session: Session, stop: Stop) -> str | None:
        """For a run's thread (``Session.extra_checks``): check ``stop`` now; the first
        disagreement stops the run there."""
        if self.module is None or not isinstance(stop.event, BackwardEvent):
            return None
        X, Y = session.X_batch, session.Y_batch
        assert X is not None and Y is not None  # a backward stop has a batch
        if stop.index not in self._cache:
            findings = _check_event(
                self.module,
                stop.event,
                session.network,
                X,
                Y,
                stop.global_iteration,
            )
            self._remember(stop.index, findings)
        wrong = origin(self._cache[stop.index])
        if wrong is None:
            return None
        from bpstep.checker import Status

        verb = "disagrees" if wrong.status == Status.DISAGREE else "fails"
        return f"your {wrong.function} {verb} at {wrong.symbol}: see 'your gradients'"


def _check_event(*args):
    """``usergrads.check_event``, imported with the first check."""
    from bpstep.session.usergrads import check_event

    return check_event(*args)


def origin(findings: list | None) -> Result | None:
    """The result to show first: the first wrong one that does not follow from another."""
    wrong = [f for f in findings or [] if not f.ok]
    return next((f for f in wrong if not f.follows), wrong[0] if wrong else None)
