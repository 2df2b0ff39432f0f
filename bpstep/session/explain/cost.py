"""The cost stop entry by entry: one sample's Cᵢ (the cost's own formula, a term per output
unit) and the batch cost Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖Wᵐ‖²."""

from __future__ import annotations

import math

import numpy as np

from bpstep.engine.events import CostEvent
from bpstep.notation import sub, sup

from .model import Explanation, Term, factor, num, sum_numbers, sum_symbols


def explain_C(ev: CostEvent, L: int, categorical: bool, i: int, where: str) -> Explanation:
    """Cᵢ for sample i. Quadratic: ½ Σₖ (aₖ − yₖ)², terms (aₖ − yₖ)·(aₖ − yₖ), inputs ``½``.
    Cross-entropy: Σₖ of each unit's −[yₖ ln aₖ + (1−yₖ) ln(1−aₖ)] (or −yₖ ln aₖ with a
    softmax), one factor per term, computed from a as on paper (the engine's Cᵢ comes from zᴸ;
    the two agree to rounding unless a rounds to 0 or 1)."""
    a, y = ev.a[:, i], ev.y[:, i]
    M, s = sup(L), sub(i + 1)
    value = float(ev.per_sample[i])
    K = a.shape[0]
    lines: tuple[str, ...]
    if ev.cost_name == "quadratic":
        terms = tuple(
            Term(f"(a{M}{sub(k + 1, i + 1)} − y{sub(k + 1, i + 1)})²", (a[k] - y[k], a[k] - y[k]),
                 f"({num(a[k])} − {factor(y[k])})²")
            for k in range(K)
        )  # fmt: skip
        rule = f"C{s} = ½ Σₖ (a{M}ₖ,{s} − yₖ,{s})²"
        lines = (
            f"= ½ ({sum_symbols(terms)})",
            f"= ½ ({sum_numbers(terms)})",
            f"= ½ · {num(math.fsum(t.value for t in terms))}",
        )
        inputs = {"½": 0.5}
    else:
        terms = _cross_entropy_terms(ev, L, categorical, i)
        rule = (
            f"C{s} = −Σₖ yₖ ln aₖ   (only the true class, yₖ = 1, adds)"
            if categorical
            else f"C{s} = −Σₖ [yₖ ln aₖ + (1−yₖ) ln(1−aₖ)]"
        )
        lines = (f"= {sum_symbols(terms)}", f"= {sum_numbers(terms)}")
        inputs = {}
    return Explanation(
        kind="C",
        name="C",
        layer=L,
        index=(0, i),
        symbol=f"C{s}",
        value=value,
        equation=rule,
        lines=(*lines, f"= {num(value, 6)}"),
        terms=terms,
        inputs=inputs,
        where=where,
    )


def _cross_entropy_terms(ev: CostEvent, L: int, categorical: bool, i: int) -> tuple[Term, ...]:
    """Each output unit's share of Cᵢ, written with ln a (a softmax's units with yₖ = 0 add
    nothing and are left out)."""
    a, y = ev.a[:, i], ev.y[:, i]
    M = sup(L)
    terms = []
    for k in range(a.shape[0]):
        ak, yk, at = float(a[k]), float(y[k]), f"a{M}{sub(k + 1, i + 1)}"
        if categorical:
            if yk == 0:
                continue
            share = -yk * math.log(ak) if ak > 0 else math.inf
            one = yk == 1
            symbol = f"−ln {at}" if one else f"−y{sub(k + 1, i + 1)} ln {at}"
            text = f"−ln {num(ak)}" if one else f"−{num(yk)} · ln {num(ak)}"
        else:
            share = float(-(yk * np.log(ak) + (1 - yk) * np.log1p(-ak)))
            if yk in (0, 1):
                symbol = f"−ln {at}" if yk == 1 else f"−ln(1 − {at})"
                text = f"−ln {num(ak)}" if yk == 1 else f"−ln(1 − {num(ak)})"
            else:
                symbol = f"−[y ln {at} + (1−y) ln(1−{at})]"
                text = f"−[{num(yk)} · ln {num(ak)} + {num(1 - yk)} · ln(1 − {num(ak)})]"
        terms.append(Term(symbol, (share,), text))
    return tuple(terms)


def explain_J(ev: CostEvent, L: int, l2: float, where: str) -> Explanation:
    """Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖Wᵐ‖² on the batch. terms: Cᵢ; inputs: ``1/n`` and
    ``λ term`` ((λ/2) Σₘ ‖Wᵐ‖², 0 when λ = 0). value = (1/n) Σ terms + λ term."""
    n = len(ev.per_sample)
    terms = tuple(Term(f"C{sub(i + 1)}", (float(c),)) for i, c in enumerate(ev.per_sample))
    mean = f"(1/{n}) " if n > 1 else ""
    rule = f"Ĵ = {mean}Σᵢ Cᵢ" + (" + (λ/2) Σₘ ‖Wᵐ‖²" if l2 else "")
    extra = f" + {num(ev.l2_term)}" if l2 else ""
    lines = [
        f"= {mean}({sum_symbols(terms, 12)})" + (" + (λ/2) Σₘ ‖Wᵐ‖²" if l2 else ""),
        f"= {mean}({sum_numbers(terms, 12)}){extra}",
        f"= {num(ev.cost, 6)}",
    ]
    if l2:
        lines.append(f"where (λ/2) Σₘ ‖Wᵐ‖² = ({l2:g}/2) · {num(2 * ev.l2_term / l2)}")
    return Explanation(
        kind="J",
        name="J",
        layer=L,
        index=(0, 0),
        symbol="Ĵ",
        value=float(ev.cost),
        equation=rule,
        lines=tuple(lines),
        terms=terms,
        inputs={"1/n": 1.0 / n, "λ term": float(ev.l2_term)},
        where=where,
        limit=12,
    )
