"""The backward pass entry by entry, in the lesson's equations:
f′(zᵐ), ∂C/∂aᴸ, δᴸ (fused, f′ ⊙ ∂C/∂a, or softmax's Jacobian-vector product),
δᵐⱼ,ᵢ = f′(zᵐⱼ,ᵢ) · Σₖ Wᵐ⁺¹ₖ,ⱼ δᵐ⁺¹ₖ,ᵢ, ∂Ĵ/∂Wᵐⱼ,ₖ = (1/n) Σᵢ δᵐⱼ,ᵢ aᵐ⁻¹ₖ,ᵢ + λWᵐⱼ,ₖ and
∂Ĵ/∂bᵐⱼ = (1/n) Σᵢ δᵐⱼ,ᵢ."""

from __future__ import annotations

from bpstep.engine.activations import LEAKY_SLOPE
from bpstep.engine.events import BackwardEvent
from bpstep.notation import sub, sup

from .model import Explanation, Term, factor, num, sum_numbers, sum_symbols

GRAD_TERMS = 12  # a gradient shows every sample's term for batches up to this size


def fprime_rule(activation: str, zs: str, z: float, a: float) -> tuple[str, str]:
    """(f′(z) in symbols, how this entry's numbers give it) for an elementwise f: for σ and
    tanh an arithmetic to carry out, for the piecewise ones the case that applies."""
    if activation == "sigmoid":
        return f"f′({zs}) = σ(z)(1 − σ(z)) = a(1 − a)", f"= {num(a)} · (1 − {num(a)})"
    if activation == "tanh":
        return f"f′({zs}) = 1 − tanh²(z) = 1 − a²", f"= 1 − {factor(a)}²"
    if activation in ("relu", "leaky_relu"):
        low = "0" if activation == "relu" else f"{LEAKY_SLOPE:g}"
        case = f"{num(z)} > 0" if z > 0 else f"{num(z)} ≤ 0"
        return f"f′({zs}) = 1 if {zs} > 0, else {low}", f"here {zs} = {case}"
    return f"f′({zs}) = 1   (identity)", "for every z"


def _fprime_line(ev: BackwardEvent, j: int, i: int) -> str:
    """The line that says where this entry's f′(z) comes from."""
    zs = f"z{sup(ev.layer)}{sub(j + 1, i + 1)}"
    rule, numbers = fprime_rule(ev.activation, zs, float(ev.z[j, i]), float(ev.a[j, i]))
    assert ev.fprime is not None
    if numbers.startswith("="):
        return f"where {rule} {numbers} = {num(ev.fprime[j, i])}"
    return f"where {rule}; {numbers}, so {num(ev.fprime[j, i])}"


def explain_fprime(ev: BackwardEvent, j: int, i: int, where: str) -> Explanation:
    """f′(zᵐⱼ,ᵢ) for an elementwise f. inputs: ``z``, ``a``."""
    assert ev.fprime is not None
    zs = f"z{sup(ev.layer)}{sub(j + 1, i + 1)}"
    z, a, value = float(ev.z[j, i]), float(ev.a[j, i]), float(ev.fprime[j, i])
    rule, numbers = fprime_rule(ev.activation, zs, z, a)
    return Explanation(
        kind="fprime",
        name="fprime",
        layer=ev.layer,
        index=(j, i),
        symbol=f"f′({zs})",
        value=value,
        equation=rule,
        lines=(numbers, f"= {num(value, 6)}"),
        inputs={"z": z, "a": a},
        where=where,
    )


def dC_da_rule(ev: BackwardEvent, cost: str, j: int, i: int) -> tuple[str, str, str, str]:
    """(∂C/∂aᴸⱼ,ᵢ's symbol, its rule, the rule with numbers, the cost it differentiates)."""
    assert ev.y is not None
    m, ji = sup(ev.layer), sub(j + 1, i + 1)
    a, y = float(ev.a[j, i]), float(ev.y[j, i])
    symbol = f"∂C/∂a{m}{ji}"
    if cost == "quadratic":
        return symbol, f"a{m}{ji} − y{ji}", f"{num(a)} − {factor(y)}", "C = ½ Σₖ (aₖ − yₖ)²"
    if cost == "categorical":
        return symbol, f"−y{ji} / a{m}{ji}", f"−{factor(y)} / {num(a)}", "C = −Σₖ yₖ ln aₖ"
    return (
        symbol,
        f"(a{m}{ji} − y{ji}) / (a{m}{ji} (1 − a{m}{ji}))",
        f"({num(a)} − {factor(y)}) / ({num(a)} · (1 − {num(a)}))",
        "C = −Σₖ [yₖ ln aₖ + (1−yₖ) ln(1−aₖ)]",
    )


def explain_dC_da(ev: BackwardEvent, cost: str, j: int, i: int, where: str) -> Explanation:
    """∂C/∂aᴸⱼ,ᵢ, the lesson's ∂J/∂a for one sample. inputs: ``a``, ``y``."""
    assert ev.dC_da is not None and ev.y is not None
    symbol, rule, numbers, differentiated = dC_da_rule(ev, cost, j, i)
    value = float(ev.dC_da[j, i])
    return Explanation(
        kind="dC_da",
        name="dC_da",
        layer=ev.layer,
        index=(j, i),
        symbol=symbol,
        value=value,
        equation=f"{symbol} = {rule}   (the lesson's ∂J/∂a for one sample; {differentiated})",
        lines=(f"= {numbers}", f"= {num(value, 6)}"),
        inputs={"a": float(ev.a[j, i]), "y": float(ev.y[j, i])},
        where=where,
    )


def explain_output_delta(ev: BackwardEvent, cost: str, j: int, i: int, where: str) -> Explanation:
    """δᴸⱼ,ᵢ. Fused (σ or softmax output with cross-entropy): aᴸ − y, inputs ``a``, ``y``.
    Elementwise f: f′(zᴸ) · ∂C/∂aᴸ, inputs ``fprime``, ``dC_da``. Softmax otherwise:
    aⱼ (gⱼ − Σₖ aₖ gₖ) with g = ∂C/∂aᴸ, inputs ``a``, ``g``, terms aₖ · gₖ."""
    assert ev.y is not None
    m, ji = sup(ev.layer), sub(j + 1, i + 1)
    symbol, value = f"δ{m}{ji}", float(ev.delta[j, i])
    a, y = float(ev.a[j, i]), float(ev.y[j, i])
    terms: tuple[Term, ...] = ()
    if ev.fused:
        kind, inputs = "delta_fused", {"a": a, "y": y}
        why = f"{ev.activation} output with cross-entropy: f′ cancels"
        rule = f"{symbol} = a{m}{ji} − y{ji}   ({why})"
        arith, notes = [f"= {num(a)} − {factor(y)}"], []
    elif ev.fprime is not None:
        assert ev.dC_da is not None
        kind = "delta_output"
        fp, g = float(ev.fprime[j, i]), float(ev.dC_da[j, i])
        inputs = {"fprime": fp, "dC_da": g}
        rule = f"{symbol} = f′(z{m}{ji}) · ∂C/∂a{m}{ji}"
        dsym, drule, dnum, _ = dC_da_rule(ev, cost, j, i)
        arith = [f"= {factor(fp)} · {factor(g)}"]
        notes = [_fprime_line(ev, j, i), f"and {dsym} = {drule} = {dnum} = {num(g)}"]
    else:
        assert ev.dC_da is not None
        kind = "delta_softmax"
        gs = ev.dC_da
        terms = tuple(
            Term(f"a{m}{sub(k + 1, i + 1)} g{sub(k + 1)}", (ev.a[k, i], gs[k, i]))
            for k in range(ev.a.shape[0])
        )
        g = float(gs[j, i])
        inputs = {"a": a, "g": g}
        rule = (
            f"{symbol} = a{m}{ji} (g{sub(j + 1)} − Σₖ a{m}ₖ,{sub(i + 1)} gₖ),  g = ∂C/∂a{m}   "
            "(softmax's Jacobian ∂aⱼ/∂zₖ = aⱼ(1[j=k] − aₖ), times g)"
        )
        arith = [
            f"= a{m}{ji} (g{sub(j + 1)} − ({sum_symbols(terms)}))",
            f"= {num(a)} · ({factor(g)} − ({sum_numbers(terms)}))",
        ]
        notes = [f"g = ∂C/∂a{m}: ∂C/∂a{m}{ji} = {num(g)}"]
    return Explanation(
        kind=kind,
        name="delta",
        layer=ev.layer,
        index=(j, i),
        symbol=symbol,
        value=value,
        equation=rule,
        lines=(*arith, f"= {num(value, 6)}", *notes),
        terms=terms,
        inputs=inputs,
        where=where,
    )


def explain_hidden_delta(ev: BackwardEvent, j: int, i: int, where: str) -> Explanation:
    """δᵐⱼ,ᵢ = f′(zᵐⱼ,ᵢ) · Σₖ Wᵐ⁺¹ₖ,ⱼ δᵐ⁺¹ₖ,ᵢ, the lesson's δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}.

    terms: Wᵐ⁺¹ₖ,ⱼ · δᵐ⁺¹ₖ,ᵢ; inputs: ``fprime``. value = fprime · Σ terms."""
    assert ev.W_next is not None and ev.delta_next is not None and ev.fprime is not None
    m, n, ji = sup(ev.layer), sup(ev.layer + 1), sub(j + 1, i + 1)
    terms = tuple(
        Term(
            f"W{n}{sub(k + 1, j + 1)} δ{n}{sub(k + 1, i + 1)}",
            (ev.W_next[k, j], ev.delta_next[k, i]),
        )
        for k in range(ev.W_next.shape[0])
    )
    fp, value = float(ev.fprime[j, i]), float(ev.delta[j, i])
    return Explanation(
        kind="delta_hidden",
        name="delta",
        layer=ev.layer,
        index=(j, i),
        symbol=f"δ{m}{ji}",
        value=value,
        equation=f"δ{m}{ji} = f′(z{m}{ji}) · Σₖ W{n}ₖ,{sub(j + 1)} δ{n}ₖ,{sub(i + 1)}",
        lines=(
            f"= f′(z{m}{ji}) · ({sum_symbols(terms)})",
            f"= {factor(fp)} · ({sum_numbers(terms)})",
            f"= {num(value, 6)}",
            _fprime_line(ev, j, i),
        ),
        terms=terms,
        inputs={"fprime": fp},
        where=where,
    )


def explain_grad_W(ev: BackwardEvent, j: int, k: int, where: str) -> Explanation:
    """∂Ĵ/∂Wᵐⱼ,ₖ = (1/n) Σᵢ δᵐⱼ,ᵢ aᵐ⁻¹ₖ,ᵢ + λWᵐⱼ,ₖ, every sample's term (the lesson's
    δ^m (a^{m−1})ᵀ, averaged over the batch). terms: δᵐⱼ,ᵢ · aᵐ⁻¹ₖ,ᵢ; inputs: ``1/n``, and
    ``λ``, ``W`` when λ > 0. value = (1/n) Σ terms + λ W."""
    m, p, jk = sup(ev.layer), sup(ev.layer - 1), sub(j + 1, k + 1)
    n = ev.batch_size
    terms = tuple(
        Term(f"δ{m}{sub(j + 1, s + 1)} a{p}{sub(k + 1, s + 1)}", (ev.delta[j, s], ev.a_prev[k, s]))
        for s in range(n)
    )
    inputs = {"1/n": 1.0 / n}
    mean = f"(1/{n}) " if n > 1 else ""
    rule = f"∂Ĵ/∂W{m}{jk} = {mean}Σᵢ δ{m}{sub(j + 1)},ᵢ a{p}{sub(k + 1)},ᵢ"
    l2_sym = l2_num = ""
    if ev.l2:
        W = float(ev.W[j, k])
        inputs |= {"λ": ev.l2, "W": W}
        rule += f" + λ W{m}{jk}"
        l2_sym, l2_num = f" + λ W{m}{jk}", f" + {ev.l2:g} · {factor(W)}"
    one = f"δ{m}{sub(j + 1)},ᵢ a{p}{sub(k + 1)},ᵢ"
    return _mean_of_terms("grad_W", ev, (j, k), f"∂Ĵ/∂W{m}{jk}", rule, terms, inputs, where,
                          (l2_sym, l2_num, one))  # fmt: skip


def explain_grad_b(ev: BackwardEvent, j: int, where: str) -> Explanation:
    """∂Ĵ/∂bᵐⱼ = (1/n) Σᵢ δᵐⱼ,ᵢ (biases are not regularised). terms: δᵐⱼ,ᵢ; inputs: ``1/n``."""
    m = sup(ev.layer)
    n = ev.batch_size
    terms = tuple(Term(f"δ{m}{sub(j + 1, s + 1)}", (ev.delta[j, s],)) for s in range(n))
    mean = f"(1/{n}) " if n > 1 else ""
    rule = f"∂Ĵ/∂b{m}{sub(j + 1)} = {mean}Σᵢ δ{m}{sub(j + 1)},ᵢ"
    rule += "   (no λ term: biases are not regularised)"
    return _mean_of_terms("grad_b", ev, (j, 0), f"∂Ĵ/∂b{m}{sub(j + 1)}", rule, terms,
                          {"1/n": 1.0 / n}, where, ("", "", f"δ{m}{sub(j + 1)},ᵢ"))  # fmt: skip


def _mean_of_terms(
    name: str,
    ev: BackwardEvent,
    index: tuple[int, int],
    symbol: str,
    rule: str,
    terms: tuple[Term, ...],
    inputs: dict[str, float],
    where: str,
    extra: tuple[str, str, str],
) -> Explanation:
    """(1/n) Σ terms (+ the λ term): the batch mean of the lesson's one-sample gradient.
    ``extra``: the λ term in symbols and in numbers, and one sample's term in symbols."""
    n = ev.batch_size
    grid = ev.grad_W if name == "grad_W" else ev.grad_b
    value = float(grid[index])
    mean = f"(1/{n}) " if n > 1 else ""
    total = sum(t.value for t in terms)
    lines = [
        f"= {mean}({sum_symbols(terms, GRAD_TERMS)}){extra[0]}",
        f"= {mean}({sum_numbers(terms, GRAD_TERMS)}){extra[1]}",
    ]
    if n > 1:
        lines.append(f"= (1/{n}) · {factor(total)}{extra[1]}")
    lines.append(f"= {num(value, 6)}")
    if n > 1:
        lines.append(
            f"each term {extra[2]} is the lesson's one-sample gradient; the batch of n = {n} "
            "takes their mean"
        )
    return Explanation(
        kind=name,
        name=name,
        layer=ev.layer,
        index=index,
        symbol=symbol,
        value=value,
        equation=rule,
        lines=tuple(lines),
        terms=terms,
        inputs=inputs,
        where=where,
        limit=GRAD_TERMS,
    )
