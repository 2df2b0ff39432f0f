"""Predict, then reveal: at each stop the tensor it computes is hidden and one question is asked
about it (an entry, its sign or its shape); the typed answer is judged within a stated tolerance,
and a running score per kind of quantity shows where the learner's understanding is weak.

The question of a stop depends on the stop alone (the session's seed and the stop index), so
stepping back and forth asks the same one. The score is part of the session's state and is saved
with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bpstep.engine.errors import ConfigError
from bpstep.notation import shape, tensor_label, with_cost_symbol
from bpstep.session.tensors import PER_SAMPLE
from bpstep.session.timeline import Phase

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.session.session import Session

KINDS = ("z", "a", "δᴸ", "δᵐ", "∂W", "∂b", "update")  # the score's kinds, in the screen's order
TOLERANCE = 0.01  # a number is right within 1% of the value
HAND_TERMS = 10  # a sum of at most this many terms is asked for by entry; longer ones, not
ASKING = (Phase.FORWARD, Phase.BACKWARD, Phase.UPDATE)  # the cost stop asks nothing
# a question's answer is hidden with whatever the stop computed from it
HIDES = {
    "z": ("z", "a"),
    "a": ("a",),
    "delta": ("delta", "grad_W", "grad_b"),
    "grad_W": ("grad_W",),
    "grad_b": ("grad_b",),
    "W": ("W", "dW"),
    "dW": ("W", "dW"),
}


@dataclass(frozen=True)
class Question:
    """What the stop asks: entry ``index`` of tensor ``name`` of ``layer`` (form "entry"), its
    sign ("sign"), or the tensor's shape ("shape")."""

    kind: str
    name: str
    layer: int
    index: tuple[int, int]
    form: str
    symbol: str
    prompt: str

    @property
    def hidden(self) -> frozenset[str]:
        """The tensors of ``layer`` hidden until the question is answered."""
        return frozenset(HIDES[self.name])


@dataclass(frozen=True)
class Verdict:
    right: bool
    text: str


def _kind(name: str, layer: int, L: int) -> str:
    if name == "delta":
        return "δᴸ" if layer == L else "δᵐ"
    return {"grad_W": "∂W", "grad_b": "∂b", "W": "update", "dW": "update"}.get(name, name)


def asked(phase: Phase, g: int, m: int) -> str:
    """What stop (phase, m) of iteration g asks about, in turn so that every kind comes up:
    the first iteration asks z¹, a², …, δ at every backward stop (the heart of backpropagation),
    the new W¹ and the sign of ΔW²; the next one a¹, z², ∂b and ∂W, and so on."""
    odd = (g + m) % 2 == 1
    if phase is Phase.FORWARD:
        return "z" if odd else "a"
    if phase is Phase.BACKWARD:
        return "delta" if g % 2 == 0 else ("grad_W" if odd else "grad_b")
    return "W" if odd else "dW"


def question_at(session: Session) -> Question | None:
    """The question of the current stop (None at START and at the cost stop)."""
    stop = session.stop
    if stop.phase not in ASKING or stop.layer is None:
        return None
    m, g = stop.layer, stop.global_iteration
    name = asked(stop.phase, g, m)
    value = np.atleast_2d(session.tensors(m)[name])
    rng = np.random.default_rng([session.config.seed, stop.index])
    index = (int(rng.integers(value.shape[0])), int(rng.integers(value.shape[1])))
    from bpstep.session.explain import explain  # with the quiz, not with every session

    ex = explain(session, m, name, *index)
    regularised = bool(session.network.l2)
    if name == "dW":
        form = "sign"
    elif len(ex.terms) <= HAND_TERMS:
        form = "entry"
    else:
        form = "sign" if name in ("delta", "grad_b") else "shape"
    label = tensor_label(name, m, regularised)
    where = f"sample {index[1] + 1} of the batch; " if name in PER_SAMPLE else ""
    prompt = {
        "entry": f"{ex.symbol} = ?   ({where}right within {TOLERANCE:.0%})",
        "sign": f"{ex.symbol}: positive or negative?   ({where}type + or −)",
        "shape": f"{label}: what shape?   (rows×columns, from the equation's rule)",
    }[form]
    return Question(
        _kind(name, m, session.L),
        name,
        m,
        index,
        form,
        ex.symbol,
        with_cost_symbol(prompt, regularised),
    )


def judge(question: Question, session: Session, answer: str) -> Verdict:
    """Right or wrong, with the true value; ConfigError (one line) for an answer that is not a
    number, a sign or a shape as asked."""
    from bpstep.session.explain import num

    value = np.atleast_2d(session.tensors(question.layer)[question.name])
    if question.form == "shape":
        given = _shape(answer)
        right = given == value.shape
        truth = shape(value)
        return Verdict(right, _verdict(right, f"{question.symbol} is {truth}", answer, ""))
    v = float(value[question.index])
    if question.form == "sign":
        sign = _sign(answer)
        right = sign == int(np.sign(v))
        word = "positive" if v > 0 else "negative" if v < 0 else "0"
        truth = f"{question.symbol} = {num(v, 6)}, {word}"
        return Verdict(right, _verdict(right, truth, answer, ""))
    x = _number(answer)
    right = math.isclose(x, v, rel_tol=TOLERANCE, abs_tol=1e-12)
    allowed = f"{TOLERANCE:.0%} allowed"
    how = f"within {allowed[:-8]}" if right else f"off by {abs(x - v) / abs(v or 1):.1%}, {allowed}"
    return Verdict(right, _verdict(right, f"{question.symbol} = {num(v, 6)}", answer, how))


def _verdict(right: bool, truth: str, answer: str, how: str) -> str:
    """``right: z¹₂,₁ = 0.3741; you said 0.374 (within 1%)`` or ``wrong: …``."""
    said = f"you said {answer.strip()}" + (f" ({how})" if how else "")
    return f"{'right' if right else 'wrong'}: {truth}; {said}"


def _number(text: str) -> float:
    clean = text.strip().replace("−", "-").replace("×10^", "e").replace(" ", "")
    try:
        x = float(clean)
    except ValueError:
        raise ConfigError(
            f"not a number: {text.strip()!r} (type one like −0.0828 or 8.3e-5)"
        ) from None
    if not math.isfinite(x):
        raise ConfigError(f"not a finite number: {text.strip()!r}")
    return x


def _sign(text: str) -> int:
    t = text.strip().lower().replace("−", "-")
    signs = {"+": 1, "positive": 1, "pos": 1, "-": -1, "negative": -1, "neg": -1, "0": 0}
    if t not in signs:
        raise ConfigError(f"a sign is + or − (or 0), got {text.strip()!r}")
    return signs[t]


def _shape(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[×x*,()\s]+", text.strip().lower()) if p]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        dims = ()
    if len(dims) != 2:
        raise ConfigError(f"a shape is rows×columns such as 3×4, got {text.strip()!r}")
    return dims


@dataclass
class QuizScore:
    """Right answers and questions asked, per kind (``KINDS``)."""

    right: dict[str, int] = field(default_factory=dict)
    asked: dict[str, int] = field(default_factory=dict)

    def record(self, kind: str, right: bool) -> None:
        self.asked[kind] = self.asked.get(kind, 0) + 1
        self.right[kind] = self.right.get(kind, 0) + int(right)

    def line(self) -> str:
        """``z 2/3 · a 1/1 · δᴸ — …``: every kind, — where none was asked yet."""
        return " · ".join(
            f"{k} {self.right.get(k, 0)}/{self.asked[k]}" if self.asked.get(k) else f"{k} —"
            for k in KINDS
        )

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {"right": dict(self.right), "asked": dict(self.asked)}

    @classmethod
    def from_dict(cls, d: dict) -> QuizScore:
        """A saved score (an older file without one: empty). ValueError when it is damaged."""
        right, asked = dict(d.get("right", {})), dict(d.get("asked", {}))
        for k, n in asked.items():
            r = right.get(k, 0)
            ok = k in KINDS and all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r))
            if not ok or not 0 <= r <= n:
                raise ValueError(f"a saved quiz score is damaged at {k!r}: {r}/{n}")
        if set(right) - set(asked):
            raise ValueError("a saved quiz score has right answers to questions never asked")
        return cls(right, asked)
