"""What the whole-backprop shapes share: their λ convention, and turning their arrays around.

A whole-backprop shape (Nielsen, CS231n, deeplearning.ai, ex4) implements ``observe``: one call
of the learner's backprop on a batch (through the sandbox), its results turned into the
lesson's orientation (``lesson_value``); ``analysis.check_whole`` does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bpstep.checker.analysis import Observation, Value, check_whole
from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.judge import as_array, dtype_name
from bpstep.checker.reference import Params, Problem
from bpstep.checker.shapes.base import Shape

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode


@dataclass(frozen=True)
class Convention:
    """How the learner's code takes λ: the lesson's λ = ``per(n)`` × their argument."""

    name: str = "λ"  # their argument's name
    per: Callable[[int], float] = lambda n: 1.0
    words: str = ""  # their loss's λ term, e.g. "reg·ΣW²"

    def argument(self, lam: float, n: int) -> float:
        return lam / self.per(n)

    def describe(self, lam: float, n: int) -> str:
        arg = self.argument(lam, n)
        how = f" (your loss adds {self.words})" if self.words else ""
        return f"λ = {lam:g} is handed to your code as {self.name} = {arg:g}{how}"


class WholeShape(Shape):
    """A shape whose code computes the whole backward pass at once."""

    per_sample = False  # True: observe gives δ per sample directly and no batch 1/n exists
    no_l2_note = "the λ term is not part of this exercise"

    def reads_l2(self, found: Found) -> bool:
        return False

    def convention(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        out: Checked,
    ) -> Convention:
        return Convention()

    def observe(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        l2_argument: float,
    ) -> Observation:
        raise NotImplementedError

    def check(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        iteration: int,
        options: Options,
    ) -> Checked:
        return check_whole(self, code, problem, params, X, Y, iteration, options)


def lesson_value(
    raw: object,
    name: str,
    native_shape: tuple[int, ...],
    to_lesson: Callable[[np.ndarray], np.ndarray],
    to_native: Callable[[np.ndarray], np.ndarray],
    samples: int = 1,
) -> Value:
    """One returned array as a :class:`Value`: turned to the lesson's orientation when its
    shape is the native one, else what is wrong with it."""
    arr, what = as_array(raw)
    dtype = dtype_name(raw)
    if arr is None:
        missing = " (a missing entry or return?)" if what == "None" else ""
        return Value(None, name, f"{name} is {what}{missing}", dtype=dtype)
    if arr.shape != native_shape:
        problem = f"{name} has shape {arr.shape}, expected {native_shape}"
        return Value(None, name, problem, arr, to_native, samples, dtype)
    return Value(to_lesson(arr), name, None, arr, to_native, samples, dtype)


def column(v: np.ndarray) -> np.ndarray:
    return v.reshape(-1, 1)


def flat(v: np.ndarray) -> np.ndarray:
    return v.reshape(-1)


def same(v: np.ndarray) -> np.ndarray:
    return v


def transposed(v: np.ndarray) -> np.ndarray:
    return v.T
