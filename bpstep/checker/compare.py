"""Comparing the learner's array with the right one: relative errors, tolerances, entries.

Agreement is a worst elementwise relative error |g − ĝ| / max(1e-8, |g| + |ĝ|) below
``AGREE`` = 1e-6 (the engine's ``gradcheck.relative_error``; CS231n's bands say how far off).
Code that computes in float32 (its result is float32 or float16) cannot reach 1e-6: it is judged
at ``FLOAT32_AGREE`` = 1e-4 instead, with the denominator floored at a tenth of the array's
largest entry (float32 sums carry an absolute error relative to the array's scale, which must
not read as a slip on its tiny entries). Passing that way is the ``precision`` note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstep.engine.gradcheck import relative_error

AGREE = 1e-6
FLOAT32_AGREE = 1e-4
LOW_PRECISION = ("float32", "float16")

Entry = tuple[tuple[int, ...], float, float]  # (0-based index, yours, reference)


@dataclass(frozen=True)
class Comparison:
    """The learner's array against the right one (same shape)."""

    rel_error: float  # worst elementwise relative error (inf where theirs is not finite)
    worst: Entry  # the entry with the worst relative error
    first_wrong: Entry | None  # the first entry (C order) above the tolerance
    tolerance: float
    precision: bool  # judged at float32's tolerance (their result is float32)
    float32_error: float = float("inf")  # worst error as float32 is judged

    @property
    def agree(self) -> bool:
        return self.rel_error < self.tolerance or (
            self.precision and self.float32_error < self.tolerance
        )


def low_precision(dtype: str | None) -> bool:
    return dtype in LOW_PRECISION


def relative_errors(user: np.ndarray, ref: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        rel = relative_error(user, ref)
    return np.where(np.isfinite(user), rel, np.inf)


def float32_errors(user: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|g − ĝ| / max(|g| + |ĝ|, max|ĝ| / 10): relative to the array's scale near 0."""
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    with np.errstate(all="ignore"):
        err = np.abs(user - ref) / np.maximum(np.abs(user) + np.abs(ref), max(scale / 10, 1e-30))
    return np.where(np.isfinite(user), err, np.inf)


def compare(user: np.ndarray, ref: np.ndarray, dtype: str | None = None) -> Comparison:
    """``user`` against ``ref`` (both float64 arrays of one shape); ``dtype`` is what the learner
    returned (float32 or float16 is judged at float32's tolerance)."""
    rel = relative_errors(user, ref)
    precision = low_precision(dtype)
    tolerance = FLOAT32_AGREE if precision else AGREE
    worst_rel = float(rel.max()) if rel.size else 0.0
    k = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.size else ()
    idx = tuple(int(i) for i in k)
    worst = (idx, float(user[idx]), float(ref[idx])) if rel.size else ((), 0.0, 0.0)
    judged = float32_errors(user, ref) if precision else rel
    bad = np.argwhere(~(judged < tolerance))
    first = None
    if len(bad):
        j = tuple(int(i) for i in bad[0])
        first = (j, float(user[j]), float(ref[j]))
    f32 = float(judged.max()) if precision and judged.size else float("inf")
    return Comparison(worst_rel, worst, first, tolerance, precision, f32)


def close(user: np.ndarray, value: np.ndarray, tolerance: float = AGREE) -> bool:
    """Whether ``user`` equals ``value`` to ``tolerance`` (relative, floored near the array's
    scale so that entries of ~0 do not decide): what a slip's variant must meet."""
    if user.shape != value.shape:
        return False
    if not np.all(np.isfinite(user)) or not np.all(np.isfinite(value)):
        return False
    scale = float(np.max(np.abs(value))) if value.size else 0.0
    floor = max(scale * (1e-3 if tolerance > AGREE else 1e-6), 1e-300)
    with np.errstate(all="ignore"):
        err = np.abs(user - value) / np.maximum(np.abs(user) + np.abs(value), floor)
    return bool(np.all(err < tolerance))


def factor(user: np.ndarray, ref: np.ndarray) -> float | None:
    """The k that best gives user ≈ k·ref (least squares), or None when ref is all zero."""
    denom = float(np.vdot(ref, ref))
    if denom == 0 or not np.all(np.isfinite(user)):
        return None
    return float(np.vdot(user, ref)) / denom
