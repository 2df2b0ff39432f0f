"""The values a session hands out: where it is (``Stop``), what an epoch recorded
(``EpochRecord``), how a run ended (``RunReason``, ``RunResult``), and everything needed to continue
it exactly (``SessionState``, which ``saveload`` writes to and reads from a file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bpstep.engine.events import Event
from bpstep.session.config import SessionConfig
from bpstep.session.history import Checkpoint
from bpstep.session.timeline import Phase, StopId


@dataclass(frozen=True)
class Stop:
    """Where the session is, and what happened there."""

    id: StopId
    epoch: int  # 1-based epoch of the iteration (1 at START)
    iteration: int  # 0-based iteration within the epoch
    global_iteration: int  # 0-based iteration since the session began
    index: int  # stops since the session began (0 = START)
    event: Event | None
    batch_cost: float | None
    message: str | None = None

    @property
    def phase(self) -> Phase:
        return self.id.phase

    @property
    def layer(self) -> int | None:
        return self.id.layer


@dataclass(frozen=True)
class EpochRecord:
    """What an epoch boundary records, on the whole training and test sets.

    ``train_cost``/``test_cost`` are Ĵ, the L2 term included; ``*_data_cost`` are J = (1/n) Σ Cᵢ
    without it (what to compare for overfitting). ``batch_cost_mean`` is the mean of the batch
    costs met during the epoch.
    """

    epoch: int
    train_cost: float
    test_cost: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    batch_cost_mean: float
    end_index: int
    train_data_cost: float | None = None
    test_data_cost: float | None = None


class RunReason(StrEnum):
    """Why a run ended."""

    DONE = "done"  # it reached its target
    BREAKPOINT = "breakpoint"
    WATCH = "watch"  # a norm watch or the training cost rising
    NONFINITE = "nonfinite"  # NaN or ±inf appeared (always watched)
    CHECK = "check"  # one of the session's extra checks (the learner's gradients) fired
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Halt:
    """Why a run stops at a stop: the reason and the one-line message that says so."""

    reason: RunReason
    message: str


@dataclass(frozen=True)
class RunResult:
    reason: RunReason
    stop: Stop
    message: str | None = None


@dataclass
class SessionState:
    """Everything a session needs to continue exactly where it was (plain data and arrays).

    ``start`` holds θ and the optimiser state at the start of iteration ``iteration``, the one
    that stop ``index`` belongs to; replaying from it reaches the stop bit for bit. ``earlier``
    are checkpoints of iterations before it (the history for stepping back; may be empty).
    ``data_fingerprint`` identifies the data the session trained on; ``quiz`` is the quiz's
    running score (``quiz.QuizScore.to_dict``; empty when no question was answered).
    """

    config: SessionConfig
    index: int
    iteration: int
    start: Checkpoint
    earlier: dict[int, Checkpoint] = field(default_factory=dict)
    history: list[EpochRecord] = field(default_factory=list)
    iteration_costs: dict[int, float] = field(default_factory=dict)
    breakpoints: list[str] = field(default_factory=list)
    watches: dict = field(default_factory=dict)
    data_fingerprint: str = ""
    data_in_memory: bool = False
    quiz: dict = field(default_factory=dict)
