"""Judging one value the learner's code returned: its type and shape, then its numbers.

``as_array`` turns a returned value into a float64 array or says what is wrong with it (None,
not numbers, complex); ``judge_shape`` names a slip that explains a wrong shape (verified on the
values, see ``slips.SHAPE_SLIPS``); ``judge`` compares the numbers with the right value in the
learner's convention and, where they disagree, names the slip that fits (``slips.SLIPS``).
A factor of n or 1/n is named "sum instead of mean" only when ``batch_factor`` (a call at
another batch size) shows that the factor follows the batch size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpstep.checker.calls import OPAQUE
from bpstep.checker.compare import AGREE, compare
from bpstep.checker.reference import LayerTruth, Truth
from bpstep.checker.results import Result, Status
from bpstep.checker.slips import Context, match, match_shape, scale_factor
from bpstep.engine.gradcheck import band

PRECISION_NOTE = (
    "computed in float32: right to float32's precision (relative error {:.1e} against the "
    "array's scale, < 1e-4; {:.1e} entry by entry)"
)


def as_array(value: object) -> tuple[np.ndarray | None, str | None]:
    """(the value as float64, None) or (None, what it is instead)."""
    if value is None:
        return None, "None"
    if isinstance(value, dict) and OPAQUE in value:
        return None, f"a {value[OPAQUE]}, not numbers"
    if isinstance(value, str | dict):
        return None, f"a {type(value).__name__}, not numbers"
    try:
        arr = np.asarray(value)
        if np.iscomplexobj(arr):
            return None, "complex numbers, not real numbers"
        return np.array(arr, dtype=np.float64), None
    except (TypeError, ValueError):
        return None, f"a {type(value).__name__}, not numbers"


def dtype_name(value: object) -> str | None:
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None and isinstance(value, list | tuple) and value:
        first = value[0]
        arr = first if isinstance(first, np.ndarray) else None
    return None if arr is None else str(arr.dtype)


def judge(
    r: Result,
    user: np.ndarray,
    c: Context,
    dtype: str | None = None,
    batch_factor: Callable[[float], bool | None] | None = None,
) -> None:
    """Compare ``user`` (the right shape) with ``c.ref``; fill ``r``'s status, errors, slip."""
    cmp = compare(user, c.ref, dtype)
    r.user_value, r.reference = user, c.ref
    r.expected_shape = tuple(c.ref.shape)
    r.rel_error, r.band, r.tolerance = cmp.rel_error, band(cmp.rel_error), cmp.tolerance
    r.worst, r.first_wrong = cmp.worst, cmp.first_wrong
    if cmp.agree:
        r.status = Status.AGREE
        r.first_wrong = None
        if cmp.precision and cmp.rel_error >= AGREE:
            r.slip, r.part = "precision", "float32"
            r.hint = None
            r.notes.append(PRECISION_NOTE.format(cmp.float32_error, cmp.rel_error))
        return
    r.status = Status.DISAGREE
    k = scale_factor(c, user, cmp.tolerance)
    n = c.n
    if (
        k is not None
        and batch_factor is not None
        and n > 1
        and (abs(k - n) <= 1e-6 * n or abs(k - 1 / n) <= 1e-6 / n)
    ):
        follows = batch_factor(k)
        if follows is not None:
            c.extra["follows_batch"] = follows
    found = match(c, user, cmp.tolerance)
    if found is not None:
        r.slip, r.part, r.hint, r.slip_details = found.code, found.part, found.hint, found.details


def judge_shape(
    r: Result, user: np.ndarray, ref: np.ndarray, what: str, delta: np.ndarray | None, samples: int
) -> None:
    """A value of the wrong shape: an error, with the slip that explains it when one does."""
    r.status = Status.ERROR
    r.expected_shape = tuple(ref.shape)
    r.message = f"{what} has shape {user.shape}, expected {ref.shape}"
    found = match_shape(user, ref, delta, samples)
    if found is not None:
        r.slip, r.part, r.hint, r.slip_details = found.code, found.part, found.hint, found.details
    elif user.ndim == 2 and user.shape == ref.shape[::-1]:
        r.hint = (
            "it is shaped like the transpose of the right value (a missing or extra transpose?)"
        )


def context(
    t: Truth,
    m: int | None,
    quantity: str,
    ref: np.ndarray,
    *,
    delta: np.ndarray | None = None,
    delta_next: np.ndarray | None = None,
    l2: float | None = None,
) -> Context:
    """The slip context of a quantity at layer m, from the engine's values of this batch;
    ``delta``/``delta_next`` replace the engine's δᵐ/δᵐ⁺¹ by the learner's own."""
    lam = t.l2 if l2 is None else l2
    if m is None:
        return Context(quantity, None, t.L, ref, n=t.n, l2=lam, cost=t.problem.cost)
    lt: LayerTruth = t.layers[m]
    dn = lt.delta_next if delta_next is None else delta_next
    return Context(
        quantity,
        m,
        t.L,
        np.asarray(ref, dtype=np.float64),
        n=t.n,
        l2=lam,
        activation=lt.activation,
        cost=t.problem.cost,
        fused=lt.fused,
        z=lt.z,
        a=lt.a,
        y=lt.y,
        a_prev=lt.a_prev,
        z_prev=lt.z_prev,
        W=lt.W,
        b=lt.b,
        fprime=lt.fprime,
        dC_da=lt.dC_da,
        back=None if lt.W_next is None or dn is None else lt.W_next.T @ dn,
        W_next=lt.W_next,
        delta_next=dn,
        delta=lt.delta if delta is None else delta,
        n_train=t.problem.n_train,
    )
