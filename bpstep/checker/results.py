"""One checked quantity: the learner's value of δᵐ, ∂Ĵ/∂Wᵐ, ∂Ĵ/∂bᵐ or the loss, judged.

A :class:`Result` is what every front end shows (the ``--json`` results, the text report, the
debugger's pane). Its fields, beside the numbers:

- ``function``: the learner's own function (``backprop``, ``loss``, ``nnCostFunction``, …);
- ``layer``: the lesson's m (1 the first hidden layer, L the output), None for the loss;
- ``quantity``: ``delta``, ``grad_W``, ``grad_b``, ``loss`` (or ``output``, a forward pass's aᴸ);
- ``status``: :class:`Status`, against the engine in the learner's own convention;
- ``slip``: the machine code of the slip that fits the numbers (``slips.SLIPS``), or None;
- ``follows``: wrong only because an earlier quantity on the way back is wrong (its value is
  right given the learner's own inputs), not a slip of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from bpstep.checker.compare import Entry
from bpstep.notation import sup, with_cost_symbol

QUANTITIES = ("delta", "grad_W", "grad_b", "loss", "output")


class Status(StrEnum):
    AGREE = "agree"  # the learner's value agrees (worst relative error below the tolerance)
    DISAGREE = "disagree"  # a value of the right shape that is wrong
    ERROR = "error"  # their code failed, or returned None, the wrong shape or type

    def __str__(self) -> str:
        return self.value


RANK = {Status.ERROR: 2, Status.DISAGREE: 1, Status.AGREE: 0}


def symbol(quantity: str | None, layer: int | None) -> str:
    """The lesson's symbol of a quantity at a layer: δ², ∂Ĵ/∂W¹, ∂Ĵ/∂b², Ĵ, a²."""
    m = sup(layer)
    return {
        "delta": f"δ{m}",
        "grad_W": f"∂Ĵ/∂W{m}",
        "grad_b": f"∂Ĵ/∂b{m}",
        "loss": "Ĵ",
        "output": f"a{m}",
    }.get(quantity or "", "—")


@dataclass
class Result:
    """The check of one quantity of one of the learner's functions (see the module docstring)."""

    function: str
    layer: int | None
    quantity: str | None
    status: Status
    expected_shape: tuple[int, ...] = ()
    rel_error: float | None = None  # worst, against the engine
    fd_rel_error: float | None = None  # worst, against finite differences
    band: str | None = None
    first_wrong: Entry | None = None  # the first entry (C order) that disagrees
    worst: Entry | None = None  # the entry with the worst relative error
    hint: str | None = None
    message: str | None = None
    slip: str | None = None
    slip_details: dict = field(default_factory=dict)  # e.g. {"factor": 4.0}
    part: str | None = None  # the part of the formula the slip is in
    follows: bool = False
    iteration: int = 0
    l2: float = 0.0  # λ (the lesson's) at which this was judged
    tolerance: float = 1e-6
    warnings: list[str] = field(default_factory=list)  # NumPy/Python warnings from their code
    notes: list[str] = field(default_factory=list)  # e.g. "λ term not tested (λ = 0 here)"
    user_value: np.ndarray | None = field(default=None, repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status is Status.AGREE

    @property
    def symbol(self) -> str:
        return with_cost_symbol(symbol(self.quantity, self.layer), self.l2 > 0)

    def in_symbols(self, text: str | None) -> str | None:
        """``text`` in the lesson's symbols for this result's λ: J when λ = 0, Ĵ when λ > 0."""
        return None if text is None else with_cost_symbol(text, self.l2 > 0)

    def key(self) -> tuple:
        return (self.function, self.layer, self.quantity)

    def to_dict(self) -> dict:
        """The ``--json`` fields of this result (non-finite numbers as null)."""
        return {
            "function": self.function,
            "layer": self.layer,
            "quantity": self.quantity,
            "status": str(self.status),
            "slip": self.slip,
            "follows": self.follows,
            "iteration": self.iteration,
            "l2": self.l2,
            "expected_shape": list(self.expected_shape),
            "rel_error": number(self.rel_error),
            "fd_rel_error": number(self.fd_rel_error),
            "band": self.band,
            "tolerance": self.tolerance,
            "first_wrong": entry(self.first_wrong),
            "worst": entry(self.worst) if self.status is not Status.AGREE else None,
            "part": self.part,
            "slip_details": {k: plain(v) for k, v in self.slip_details.items()},
            "hint": self.in_symbols(self.hint),
            "message": self.in_symbols(self.message),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def plain(v: object) -> object:
    if isinstance(v, float | np.floating):
        return number(float(v))
    if isinstance(v, np.integer):
        return int(v)
    return v


def entry(e: Entry | None) -> dict | None:
    if e is None:
        return None
    idx, yours, ref = e
    return {"index": list(idx), "yours": number(yours), "reference": number(ref)}


def worse(a: Result, b: Result) -> bool:
    """Whether ``a`` is a worse outcome than ``b`` (errors first, then the larger error)."""
    return (RANK[a.status], a.rel_error or 0.0) > (RANK[b.status], b.rel_error or 0.0)
