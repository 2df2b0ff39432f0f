"""The lesson's notation as text: one place for the symbols every screen and report writes.

Layers m = 1..L as superscripts (W², δ¹, a⁰ = x), entries as subscripts (δ¹₂,₁), the tensors'
labels (``tensor_label("grad_W", 2)`` → ``∂Ĵ/∂W²``) and the equation applied at each stop with
this layer's shapes (``equation``). The TUI, the headless commands and the checker all read
these; none of them writes a symbol of its own.

Pure text over the engine's events and formulas (``Cost.formula``, ``Optimizer.formula``,
``Activation.formula`` are the one source of each formula); no NumPy maths, no Rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bpstep.engine.events import BackwardEvent, CostEvent, Event, ForwardEvent, UpdateEvent

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.engine.network import Network

_SUP = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_SUB = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def sup(m: int | str | None) -> str:
    """A layer index as a superscript: 2 → ², "L" → ᴸ, "m" → ᵐ, None → ""."""
    if m is None:
        return ""
    return {"L": "ᴸ", "m": "ᵐ", "m-1": "ᵐ⁻¹", "m+1": "ᵐ⁺¹"}.get(str(m), str(m).translate(_SUP))


def sub(*index: int) -> str:
    """An entry's 1-based indices as subscripts: (2, 1) → ₂,₁."""
    return ",".join(str(i).translate(_SUB) for i in index)


# Every tensor a layer can show, in the order the screen lists them. {m} is the layer's
# superscript and {p} the previous layer's.
TENSOR_LABELS: dict[str, str] = {
    "W": "W{m}",
    "b": "b{m}",
    "a_prev": "a{p}",
    "z": "z{m}",
    "a": "a{m}",
    "y": "y",
    "C": "Cᵢ",
    "dC_da": "∂C/∂a{m}",
    "fprime": "f′(z{m})",
    "delta": "δ{m}",
    "grad_W": "∂Ĵ/∂W{m}",
    "grad_b": "∂Ĵ/∂b{m}",
    "W_before": "W{m} before",
    "b_before": "b{m} before",
    "dW": "ΔW{m}",  # the update's step W_after − W_before
    "db": "Δb{m}",
    "W_after": "W{m} after",
    "b_after": "b{m} after",
}


def cost_symbol(regularised: bool) -> str:
    """The lesson's symbol for the cost: J, or Ĵ when λ > 0 adds the L2 term to it."""
    return "Ĵ" if regularised else "J"


def with_cost_symbol(text: str, regularised: bool) -> str:
    """``text`` (written with Ĵ) in the lesson's symbols: Ĵ becomes J when λ = 0, where the
    cost has no L2 term and J is what the lesson writes."""
    return text if regularised else text.replace("Ĵ", "J")


def tensor_label(name: str, m: int | None = None, regularised: bool = True) -> str:
    """``name`` in the lesson's notation for layer ``m`` (``delta``, 2 → ``δ²``); without a
    layer, the generic one (``δᵐ``). ``regularised`` False (λ = 0): ∂J/∂W, not ∂Ĵ/∂W."""
    template = with_cost_symbol(TENSOR_LABELS.get(name, name), regularised)
    if m is None:
        return template.format(m="ᵐ", p="ᵐ⁻¹")
    return template.format(m=sup(m), p=sup(m - 1))


def shape(x: object) -> str:
    """A shape as the screen writes it: (3, 4) → 3×4; a scalar → 1; unknown → ?."""
    dims = getattr(x, "shape", None)
    if dims is None:
        return "?"
    return "×".join(str(d) for d in dims) if dims else "1"


def equation(event: Event | None, network: Network) -> tuple[str, str]:
    """(the equation applied at the stop of ``event``, the same with this stop's shapes).

    ``event`` None is the start, before any stop.
    """
    if event is None:
        return "start: no stop taken yet", "press n to take the first forward step"
    if isinstance(event, ForwardEvent):
        eq, shapes = _forward(event)
    elif isinstance(event, BackwardEvent):
        eq, shapes = _backward(event)
    elif isinstance(event, UpdateEvent):
        eq, shapes = _update(event, network)
    else:
        eq, shapes = _cost(event, network)
    regularised = bool(network.l2)
    return with_cost_symbol(eq, regularised), with_cost_symbol(shapes, regularised)


def lesson_note(event: Event | None, n: int, regularised: bool = True) -> str | None:
    """For a batch of n > 1 samples, how this stop relates to the lesson's one-sample
    equations (the update: its step is the mean of the n one-sample steps α δᵐ(aᵐ⁻¹)ᵀ). None
    for n = 1, where the two are the same. Every stop has one, so the line stays put."""
    if n <= 1:
        return None
    if event is None:
        text = f"each iteration takes a batch of n = {n} samples, a column each (lesson: n = 1)"
    elif isinstance(event, ForwardEvent):
        m, p = sup(event.layer), sup(event.layer - 1)
        text = f"n = {n}: each column is one sample's z{m} = W{m} a{p} + b{m}, as in the lesson"
    elif isinstance(event, CostEvent):
        text = f"n = {n}: the {n} samples' Cᵢ are averaged (the lesson's J is one sample's C)"
    elif isinstance(event, BackwardEvent):
        m, p = sup(event.layer), sup(event.layer - 1)
        text = (
            f"n = {n}: each column of δ{m} is one sample's; ∂Ĵ/∂W{m} averages the {n} "
            f"one-sample δ{m}ᵢ(a{p}ᵢ)ᵀ"
        )
    else:
        m, p = sup(event.layer), sup(event.layer - 1)
        text = (
            f"n = {n}: this step is the mean of the lesson's {n} one-sample steps α δ{m}ᵢ(a{p}ᵢ)ᵀ"
        )
    return with_cost_symbol(text, regularised)


def _forward(ev: ForwardEvent) -> tuple[str, str]:
    """z^m = W^m a^{m−1} + b^m, a^m = f(z^m)."""
    m, p = sup(ev.layer), sup(ev.layer - 1)
    return (
        f"z{m} = W{m} a{p} + b{m},   a{m} = {ev.activation}(z{m})",
        f"({shape(ev.z)}) = ({shape(ev.W)})({shape(ev.a_prev)}) + ({shape(ev.b)})",
    )


def output_delta_equation(ev: BackwardEvent) -> tuple[str, str]:
    """δᴸ: fused (a − y), softmax's Jacobian, or f′(zᴸ) ⊙ ∂C/∂aᴸ."""
    m = sup(ev.layer)
    d = shape(ev.delta)
    if ev.fused:
        fused = f"δ{m} = a{m} − y   ({ev.activation} output with cross-entropy)"
        return fused, f"({d}) = ({d}) − ({d})"
    if ev.fprime is None:
        k = ev.delta.shape[0]
        return f"δ{m} = J_softmax(z{m})ᵀ ∂C/∂a{m}", f"({d}): per sample ({k}×{k})ᵀ({k}×1)"
    return f"δ{m} = f′(z{m}) ⊙ ∂C/∂a{m}", f"({d}) = ({d}) ⊙ ({d})"


def hidden_delta_equation(ev: BackwardEvent) -> tuple[str, str]:
    """δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹."""
    m, n = sup(ev.layer), sup(ev.layer + 1)
    assert ev.W_next is not None and ev.delta_next is not None
    return (
        f"δ{m} = f′(z{m}) ⊙ (W{n})ᵀ δ{n}",
        f"({shape(ev.delta)}) = ({shape(ev.fprime)}) ⊙ "
        f"({shape(ev.W_next.T)})({shape(ev.delta_next)})",
    )


def _backward(ev: BackwardEvent) -> tuple[str, str]:
    """δᵐ, then ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ and ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ (no 1/n for a
    batch of one sample, the lesson's own case)."""
    m, p = sup(ev.layer), sup(ev.layer - 1)
    first, shapes = output_delta_equation(ev) if ev.W_next is None else hidden_delta_equation(ev)
    n = ev.batch_size
    mean = f"(1/{n}) " if n > 1 else ""
    grads = f"∂Ĵ/∂W{m} = {mean}δ{m} (a{p})ᵀ" + (f" + λW{m}" if ev.l2 else "")
    bias = f"∂Ĵ/∂b{m} = {mean}Σᵢ δ{m}ᵢ" if n > 1 else f"∂Ĵ/∂b{m} = δ{m}"
    column = f"{ev.delta.shape[0]}×1"
    return (
        f"{first};   {grads};   {bias}",
        f"{shapes};   ({shape(ev.grad_W)}) = ({shape(ev.delta)})({shape(ev.a_prev.T)});   "
        f"({shape(ev.grad_b)}) = " + (f"Σᵢ ({column})" if n > 1 else f"({column})"),
    )


def _update(ev: UpdateEvent, network: Network) -> tuple[str, str]:
    """The optimiser's step of layer m, from ``Optimizer.formula``."""
    eq = network.optimizer.formula.format(m=sup(ev.layer))
    return (
        eq,
        f"α = {ev.lr:g};   ({shape(ev.W_before)}) ← ({shape(ev.W_before)}) − α "
        f"({shape(ev.grad_W)})",
    )


def _cost(ev: CostEvent, network: Network) -> tuple[str, str]:
    """Ĵ = (1/n) Σᵢ Cᵢ (+ (λ/2) Σₘ ‖Wᵐ‖²), and Cᵢ from ``Cost.formula``."""
    l2 = " + (λ/2) Σₘ ‖Wᵐ‖²" if network.l2 else ""
    n = len(ev.per_sample)
    return (
        f"Ĵ = (1/n) Σᵢ Cᵢ{l2},   {network.cost_fn.formula}",
        f"n = {n};   Ĵ = {ev.cost:.6g}",
    )
