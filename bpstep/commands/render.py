"""Text for a stop: the equation in the lesson's notation with shapes, and tensor summaries.

Shared by ``bpstep trace`` (Rich and JSON) and the TUI's equation pane.
"""

from __future__ import annotations

import numpy as np

from bpstep.engine.events import BackwardEvent, ForwardEvent, UpdateEvent

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sup(m: int | str) -> str:
    """A layer index as a superscript: 2 → ², "L" stays "ᴸ"."""
    return "ᴸ" if m == "L" else str(m).translate(_SUP)


def shape(x: np.ndarray | None) -> str:
    if x is None:
        return "?"
    return "×".join(str(d) for d in np.shape(x)) if np.ndim(x) else "1"


def equation(stop, session) -> tuple[str, str]:
    """(the equation applied at ``stop``, the same with this stop's shapes)."""
    ev = stop.event
    m = stop.layer
    net = session.network
    if ev is None:
        return "start: no stop taken yet", "press n to take the first forward step"
    if isinstance(ev, ForwardEvent):
        prev = sup(m - 1)
        return (
            f"z{sup(m)} = W{sup(m)} a{prev} + b{sup(m)},   a{sup(m)} = {ev.activation}(z{sup(m)})",
            f"({shape(ev.z)}) = ({shape(ev.W)})({shape(ev.a_prev)}) + ({shape(ev.b)})",
        )
    if isinstance(ev, BackwardEvent):
        n = ev.batch_size
        grads = f"∂Ĵ/∂W{sup(m)} = (1/{n}) δ{sup(m)} (a{sup(m - 1)})ᵀ" + (
            f" + λW{sup(m)}" if ev.l2 else ""
        )
        if ev.W_next is None:
            d = shape(ev.delta)
            if ev.fused:
                first = f"δ{sup(m)} = a{sup(m)} − y   ({ev.activation} output with cross-entropy)"
                shapes = f"({d}) = ({d}) − ({d})"
            elif ev.fprime is None:
                first = f"δ{sup(m)} = J_softmax(z{sup(m)})ᵀ ∇ₐC"
                k = ev.delta.shape[0]
                shapes = f"({d}): per sample ({k}×{k})ᵀ({k}×1)"
            else:
                first = f"δ{sup(m)} = ∇ₐC ⊙ f′(z{sup(m)})"
                shapes = f"({d}) = ({d}) ⊙ ({d})"
        else:
            first = f"δ{sup(m)} = f′(z{sup(m)}) ⊙ (W{sup(m + 1)})ᵀ δ{sup(m + 1)}"
            shapes = (
                f"({shape(ev.delta)}) = ({shape(ev.fprime)}) ⊙ "
                f"({shape(ev.W_next.T)})({shape(ev.delta_next)})"
            )
        return (
            f"{first};   {grads}",
            f"{shapes};   ({shape(ev.grad_W)}) = ({shape(ev.delta)})({shape(ev.a_prev.T)})",
        )
    if isinstance(ev, UpdateEvent):
        lr = f"α = {ev.lr:g}"
        if ev.optimizer == "sgd":
            k = sup(m)
            eq = f"W{k} ← W{k} − α ∂Ĵ/∂W{k},   b{k} ← b{k} − α ∂Ĵ/∂b{k}"
        elif ev.optimizer == "momentum":
            eq = f"v ← μv − α ∂Ĵ/∂W{sup(m)},   W{sup(m)} ← W{sup(m)} + v   (μ = 0.9)"
        else:
            eq = f"W{sup(m)} ← W{sup(m)} − α m̂/(√v̂ + ε)   (Adam)"
        return (
            eq,
            f"{lr};   ({shape(ev.W_before)}) ← ({shape(ev.W_before)}) − α ({shape(ev.grad_W)})",
        )
    # the cost stop
    l2 = " + (λ/2) Σₘ ‖Wᵐ‖²" if net.l2 else ""
    per = (
        "½‖a − y‖²"
        if net.cost_name == "quadratic"
        else "−Σ y ln a" + ("" if net.cost_fn.categorical else " + (1−y) ln(1−a)")
    )
    n = len(ev.per_sample)
    return f"Ĵ = (1/n) Σᵢ Cᵢ{l2},   Cᵢ = {per}", f"n = {n};   Ĵ = {ev.cost:.6g}"


def summary(x: np.ndarray) -> dict[str, float]:
    """min, max, mean and Frobenius norm (NaN-aware: they count finite entries)."""
    x = np.asarray(x, dtype=float)
    fin = x[np.isfinite(x)]
    if fin.size == 0:
        return {
            "min": float("nan"),
            "max": float("nan"),
            "mean": float("nan"),
            "norm": float("nan"),
        }
    with np.errstate(over="ignore", invalid="ignore"):
        return {
            "min": float(fin.min()),
            "max": float(fin.max()),
            "mean": float(fin.mean()),
            "norm": float(np.linalg.norm(fin)),
        }


TENSOR_LABELS = {  # in the lesson's notation; {m} is the layer, {p} the one before, as superscripts
    "y": "y",
    "C": "Cᵢ",
    "W": "W{m}",
    "b": "b{m}",
    "a_prev": "a{p}",
    "z": "z{m}",
    "a": "a{m}",
    "fprime": "f′(z{m})",
    "delta": "δ{m}",
    "grad_W": "∂Ĵ/∂W{m}",
    "grad_b": "∂Ĵ/∂b{m}",
    "dW": "ΔW{m}",  # the update's step W_after − W_before
    "db": "Δb{m}",
    "W_before": "W{m} before",
    "W_after": "W{m} after",
    "b_before": "b{m} before",
    "b_after": "b{m} after",
}


def tensor_label(name: str, m: int | None = None) -> str:
    """``name`` in the lesson's notation for layer ``m`` (``delta``, 2 → ``δ²``); without a
    layer, the generic one (``δᵐ``)."""
    if m is None:
        return TENSOR_LABELS.get(name, name).format(m="ᵐ", p="ᵐ⁻¹")
    return TENSOR_LABELS.get(name, name).format(m=sup(m), p=sup(m - 1))


def stop_tensors(stop, session) -> dict[str, np.ndarray]:
    """The tensors a stop produced (or, at START and the cost stop, what it shows)."""
    ev = stop.event
    if ev is None:
        return {}
    if isinstance(ev, ForwardEvent):
        return {"W": ev.W, "b": ev.b, "a_prev": ev.a_prev, "z": ev.z, "a": ev.a}
    if isinstance(ev, BackwardEvent):
        out = {"fprime": ev.fprime} if ev.fprime is not None else {}
        return out | {"delta": ev.delta, "grad_W": ev.grad_W, "grad_b": ev.grad_b}
    if isinstance(ev, UpdateEvent):
        return {
            "W_before": ev.W_before,
            "W_after": ev.W_after,
            "b_before": ev.b_before,
            "b_after": ev.b_after,
        }
    return {"C": ev.per_sample, "a": ev.a, "y": ev.y}


def abbreviate(x: np.ndarray, rows: int = 6, cols: int = 6, precision: int = 4) -> str:
    """A matrix as text, at most ``rows``×``cols`` entries with ellipses for the rest."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    r, c = x.shape
    ri = list(range(r)) if r <= rows else [*range(rows // 2), -1, *range(r - rows // 2, r)]
    ci = list(range(c)) if c <= cols else [*range(cols // 2), -1, *range(c - cols // 2, c)]
    width = precision + 7
    lines = []
    for i in ri:
        if i == -1:
            lines.append(" " * 2 + "⋮")
            continue
        cells = []
        for j in ci:
            cells.append("…".rjust(width) if j == -1 else f"{x[i, j]:{width}.{precision}g}")
        lines.append("".join(cells))
    return "\n".join(lines)
