"""What an explanation is: the entry, its value (the engine's own number), the rule in the
lesson's symbols, the arithmetic with this stop's numbers, and the terms and single inputs it
used, as plain data a screen, a shell command or a test can read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bpstep.engine.errors import ConfigError

SHOWN_TERMS = 6  # a longer sum shows its largest terms, then "+ N more terms (sum …)"


class ExplainError(ConfigError):
    """The entry asked for cannot be explained here (not computed yet, out of range, …)."""


@dataclass(frozen=True)
class Term:
    """One term of a sum: the product of ``factors``, written ``symbol`` in the lesson's
    notation (``W²₁,₂ δ²₁,₁``). ``text`` overrides how its numbers are written (a cost term)."""

    symbol: str
    factors: tuple[float, ...]
    text: str = ""

    @property
    def value(self) -> float:
        return math.prod(self.factors)

    def numbers(self) -> str:
        """The term with its numbers: ``(−0.3599) · 0.001517``."""
        return self.text or " · ".join(factor(f) for f in self.factors)


@dataclass(frozen=True)
class Explanation:
    """The arithmetic behind one entry of one tensor at the current stop.

    ``value`` is the entry of the engine's tensor; ``terms`` are every term of the sum the
    rule adds (``lines`` show the largest, ``shown()``); ``inputs`` the single numbers it used,
    by role (``b``, ``fprime``, ``1/n``, ``α`` …; each kind's docstring names its roles).
    ``index`` is 0-based (row, column); the symbols are 1-based, as on paper.
    """

    kind: str
    name: str
    layer: int
    index: tuple[int, int]
    symbol: str
    value: float
    equation: str
    lines: tuple[str, ...]
    terms: tuple[Term, ...] = ()
    inputs: dict[str, float] = field(default_factory=dict)
    where: str = ""
    limit: int = SHOWN_TERMS  # the most terms the lines show

    def shown(self) -> tuple[list[Term], int, float]:
        """(the terms the lines show, how many more there are, the sum of those)."""
        return shown_terms(self.terms, self.limit)

    @property
    def text(self) -> str:
        """The explanation as lines of text (``bpstep trace --explain``)."""
        head = f"{self.symbol} = {num(self.value, 6)}"
        if self.where:
            head += f"   ({self.where})"
        return "\n".join([head, self.equation, *self.lines])

    def to_dict(self) -> dict:
        """For ``--json``: every number in full precision."""
        return {
            "kind": self.kind,
            "name": self.name,
            "layer": self.layer,
            "index": list(self.index),
            "symbol": self.symbol,
            "value": self.value,
            "where": self.where,
            "equation": self.equation,
            "lines": list(self.lines),
            "terms": [{"symbol": t.symbol, "factors": list(t.factors)} for t in self.terms],
            "inputs": dict(self.inputs),
        }


def num(x: float, digits: int = 4) -> str:
    """A number as a learner writes it: 4 significant digits, −8.277e−5, a true minus sign."""
    x = float(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x).replace("-", "−")
    text = f"{x:.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    if exponent:
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def factor(x: float) -> str:
    """A number inside a product: negative ones in brackets, ``(−0.3599)``."""
    return f"({num(x)})" if x < 0 else num(x)


Terms = tuple[Term, ...] | list[Term]


def shown_terms(terms: Terms, limit: int = SHOWN_TERMS) -> tuple[list[Term], int, float]:
    """The largest ``limit`` terms (by size, in their own order), how many are left out and
    the sum of those left out."""
    if len(terms) <= limit:
        return list(terms), 0, 0.0
    ranked = sorted(range(len(terms)), key=lambda k: -abs(terms[k].value))
    keep = sorted(ranked[:limit])
    rest = [terms[k] for k in ranked[limit:]]
    return [terms[k] for k in keep], len(rest), math.fsum(t.value for t in rest)


def sum_numbers(terms: Terms, limit: int = SHOWN_TERMS) -> str:
    """A sum with its numbers: every term, or the largest then ``+ N more terms (sum …)``."""
    shown, more, rest = shown_terms(terms, limit)
    text = " + ".join(t.numbers() for t in shown)
    if more:
        text += f" + {more} more terms (sum {num(rest)})"
    return text


def sum_symbols(terms: Terms, limit: int = SHOWN_TERMS) -> str:
    """The same sum in symbols (the left-out terms as "…")."""
    shown, more, _ = shown_terms(terms, limit)
    return " + ".join(t.symbol for t in shown) + (" + …" if more else "")
