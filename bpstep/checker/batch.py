"""What checking one batch takes and gives, for every shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from bpstep.checker.results import Result

PROBE_L2 = 0.1  # λ the default check also runs at when the learner's code reads λ


@dataclass
class Found:
    """A shape recognised in the learner's file."""

    shape: str
    functions: list[str]  # the learner's functions the results name
    entry_points: list[str]  # module-level names whose needs are checked (functions, classes)
    info: dict = field(default_factory=dict)  # what the shape's adapters need (plain data)


@dataclass
class Options:
    """How a batch is checked."""

    probe_l2: float | None = PROBE_L2  # also at this λ when λ = 0 and the code reads λ
    finite_differences: bool = True
    n_train: int | None = None  # the training set's size (network2's n), when known


@dataclass
class Checked:
    """What checking one batch gives."""

    results: list[Result] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # what this batch could not exercise
    conventions: dict[str, str] = field(default_factory=dict)  # e.g. {"l2": "reg = λ/2 …"}
    notes: list[str] = field(default_factory=list)
