"""The forward pass entry by entry: zᵐⱼ,ᵢ = Σₖ Wᵐⱼ,ₖ aᵐ⁻¹ₖ,ᵢ + bᵐⱼ and aᵐⱼ,ᵢ = f(zᵐⱼ,ᵢ), with
f written out; and the numbers that are inputs, not results (W, b, x, y)."""

from __future__ import annotations

import math

import numpy as np

from bpstep.engine.activations import LEAKY_SLOPE
from bpstep.engine.events import ForwardEvent
from bpstep.notation import sub, sup

from .model import ExplainError, Explanation, Term, factor, num, sum_numbers, sum_symbols


def explain_z(ev: ForwardEvent, j: int, i: int, where: str) -> Explanation:
    """zᵐⱼ,ᵢ = Σₖ Wᵐⱼ,ₖ aᵐ⁻¹ₖ,ᵢ + bᵐⱼ (the lesson's z^m = W^m a^{m−1} + b^m, one entry).

    terms: Wᵐⱼ,ₖ · aᵐ⁻¹ₖ,ᵢ for every k; inputs: ``b``. value = Σ terms + b.
    """
    m, p = sup(ev.layer), sup(ev.layer - 1)
    terms = tuple(
        Term(f"W{m}{sub(j + 1, k + 1)} a{p}{sub(k + 1, i + 1)}", (ev.W[j, k], ev.a_prev[k, i]))
        for k in range(ev.W.shape[1])
    )
    b = float(ev.b[j, 0])
    symbol = f"z{m}{sub(j + 1, i + 1)}"
    value = float(ev.z[j, i])
    return Explanation(
        kind="z",
        name="z",
        layer=ev.layer,
        index=(j, i),
        symbol=symbol,
        value=value,
        equation=f"{symbol} = Σₖ W{m}{sub(j + 1)},ₖ a{p}ₖ,{sub(i + 1)} + b{m}{sub(j + 1)}",
        lines=(
            f"= {sum_symbols(terms)} + b{m}{sub(j + 1)}",
            f"= {sum_numbers(terms)} + {factor(b)}",
            f"= {num(value, 6)}",
        ),
        terms=terms,
        inputs={"b": b},
        where=where,
    )


def explain_a(ev: ForwardEvent, j: int, i: int, where: str) -> Explanation:
    """aᵐⱼ,ᵢ = f(zᵐⱼ,ᵢ), f written out. inputs: ``z``; softmax adds ``e^z`` (e^{zⱼ}) and its
    terms are e^{zₖ} for every k: value = e^z / Σ terms."""
    m = sup(ev.layer)
    symbol = f"a{m}{sub(j + 1, i + 1)}"
    zs = f"z{m}{sub(j + 1, i + 1)}"
    z = float(ev.z[j, i])
    value = float(ev.a[j, i])
    terms: tuple[Term, ...] = ()
    inputs = {"z": z}
    lines: tuple[str, ...]
    if ev.activation == "softmax":
        terms = tuple(
            Term(f"e^z{m}{sub(k + 1, i + 1)}", (math.exp(ev.z[k, i]),), f"e^({num(ev.z[k, i])})")
            for k in range(ev.z.shape[0])
        )
        inputs["e^z"] = math.exp(z)
        rule = f"{symbol} = softmax(z)ⱼ = e^{zs} / Σₖ e^z{m}ₖ,{sub(i + 1)}"
        lines = (
            f"= e^({num(z)}) / ({sum_numbers(terms)})",
            f"= {num(math.exp(z))} / {num(math.fsum(t.value for t in terms))}",
        )
    else:
        rule, lines = _elementwise(ev.activation, symbol, zs, z)
    return Explanation(
        kind="a",
        name="a",
        layer=ev.layer,
        index=(j, i),
        symbol=symbol,
        value=value,
        equation=rule,
        lines=(*lines, f"= {num(value, 6)}"),
        terms=terms,
        inputs=inputs,
        where=where,
    )


def _elementwise(activation: str, symbol: str, zs: str, z: float) -> tuple[str, tuple[str, ...]]:
    """The rule a = f(z) and its arithmetic for an elementwise f."""
    if activation == "sigmoid":
        e = math.exp(-z) if z > -700 else math.inf
        return (
            f"{symbol} = σ({zs}) = 1 / (1 + e^(−{zs}))",
            (f"= 1 / (1 + e^({num(-z)}))", f"= 1 / (1 + {num(e)})"),
        )
    if activation == "tanh":
        ez, emz = np.exp(z), np.exp(-z)
        return (
            f"{symbol} = tanh({zs}) = (e^z − e^−z) / (e^z + e^−z)",
            (
                f"= (e^({num(z)}) − e^({num(-z)})) / (e^({num(z)}) + e^({num(-z)}))",
                f"= ({num(ez)} − {num(emz)}) / ({num(ez)} + {num(emz)})",
            ),
        )
    if activation == "relu":
        return f"{symbol} = max(0, {zs})", (f"= max(0, {num(z)})",)
    if activation == "leaky_relu":
        return (
            f"{symbol} = max({LEAKY_SLOPE:g} {zs}, {zs})",
            (f"= max({LEAKY_SLOPE:g} · {factor(z)}, {num(z)})",),
        )
    return f"{symbol} = {zs}   (identity)", ()


def explain_input(
    name: str, layer: int, index: tuple[int, int], value: float, symbol: str, origin: str
) -> Explanation:
    """A number the stop takes as given (a parameter, an input feature, a target): no
    arithmetic, only where it comes from."""
    return Explanation(
        kind="input",
        name=name,
        layer=layer,
        index=index,
        symbol=symbol,
        value=value,
        equation=origin,
        lines=(),
    )


def input_origin(name: str, layer: int, index: tuple[int, int], sample: str, first: bool) -> str:
    """Where an input number comes from, in words."""
    m, p = sup(layer), sup(layer - 1)
    j, k = index
    if name in ("W", "b", "W_before", "b_before"):
        kind = "weight" if name.startswith("W") else "bias"
        since = "set at initialisation" if first else "as the previous update left it"
        return f"a {kind} of layer {layer}, {since}; this iteration's forward pass used it"
    if name == "a_prev" and layer == 1:
        return f"a⁰ = x: feature {j + 1} of {sample}"
    if name == "a_prev":
        return f"a{p} = f(z{p}) from forward m={layer - 1} (explain a there for its arithmetic)"
    if name == "y":
        return f"the target of {sample} (output unit {j + 1})"
    raise ExplainError(f"{name}{m} is not an input")
