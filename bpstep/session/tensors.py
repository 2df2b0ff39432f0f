"""What each stop shows: the tensors of a layer known so far in an iteration, and which of them
a stop computed. The one table the TUI, ``bpstep trace`` and ``bpstep export`` read.

Names are those of ``bpstep.notation.TENSOR_LABELS`` (``delta`` is δᵐ, ``grad_W`` is ∂Ĵ/∂Wᵐ …),
listed in its order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from bpstep.engine.events import BackwardEvent, CostEvent, Event, ForwardEvent
from bpstep.notation import TENSOR_LABELS, tensor_label
from bpstep.session.timeline import Phase, StopId

# a layer's tensors in the order the screen lists them; W and b are the current parameters, so
# after an update they are "W after" and "b after" (those two names are in stop records only)
ORDER: tuple[str, ...] = tuple(n for n in TENSOR_LABELS if n not in ("W_after", "b_after"))

# tensors whose columns are the samples of the batch (the others are parameters or gradients)
PER_SAMPLE = frozenset({"a_prev", "z", "a", "y", "dC_da", "fprime", "delta"})

# what each kind of stop computes, the main one first (the screen shows it on arriving)
COMPUTED_AT: dict[Phase, tuple[str, ...]] = {
    Phase.FORWARD: ("z", "a"),
    Phase.COST: ("C", "y"),
    Phase.BACKWARD: ("delta", "dC_da", "fprime", "grad_W", "grad_b"),
    Phase.UPDATE: ("dW", "W", "b", "db"),
}

# what a record of one stop holds (``bpstep trace``): its equation's inputs and results
SHOWN_AT: dict[Phase, tuple[str, ...]] = {
    Phase.FORWARD: ("W", "b", "a_prev", "z", "a"),
    Phase.COST: ("a", "y", "C"),
    Phase.BACKWARD: ("dC_da", "fprime", "delta", "grad_W", "grad_b"),
    Phase.UPDATE: ("W_before", "b_before", "dW", "db", "W_after", "b_after"),
}


def computed_at(stop: StopId, layer: int, L: int) -> tuple[str, ...]:
    """The tensors of layer ``layer`` that arriving at ``stop`` computed (the main one first)."""
    if stop.phase is Phase.COST:
        return COMPUTED_AT[Phase.COST] if layer == L else ()
    return COMPUTED_AT.get(stop.phase, ()) if stop.layer == layer else ()


def event_tensors(event: Event) -> dict[str, np.ndarray]:
    """The tensors an event carries, by name (a cost event's belong to the output layer)."""
    if isinstance(event, ForwardEvent):
        return {"W": event.W, "b": event.b, "a_prev": event.a_prev, "z": event.z, "a": event.a}
    if isinstance(event, CostEvent):
        return {"y": event.y, "C": np.asarray(event.per_sample).reshape(1, -1), "a": event.a}
    if isinstance(event, BackwardEvent):
        out = {"delta": event.delta, "grad_W": event.grad_W, "grad_b": event.grad_b}
        if event.fprime is not None:
            out["fprime"] = event.fprime
        if event.dC_da is not None:
            out["dC_da"] = event.dC_da
        return out
    return {
        "W": event.W_after,
        "b": event.b_after,
        "W_before": event.W_before,
        "b_before": event.b_before,
        "W_after": event.W_after,
        "b_after": event.b_after,
        "dW": event.W_after - event.W_before,  # −α ∂Ĵ/∂W for plain SGD
        "db": event.b_after - event.b_before,
    }


def layer_tensors(
    events: Iterable[tuple[StopId, Event | None]],
    layer: int,
    L: int,
    W: np.ndarray,
    b: np.ndarray,
) -> dict[str, np.ndarray]:
    """Everything known about layer ``layer`` after ``events`` (this iteration's, in order):
    its current parameters W and b, then what each of its stops carried; at the output layer
    after the cost stop also y and Cᵢ. Listed in ``ORDER``."""
    out: dict[str, np.ndarray] = {"W": W, "b": b}
    for sid, ev in events:
        if ev is None:
            continue
        if isinstance(ev, CostEvent):
            if layer == L:
                t = event_tensors(ev)
                out.update(y=t["y"], C=t["C"])
        elif sid.layer == layer:
            out.update(event_tensors(ev))
    return ordered(out)


def stop_tensors(stop: StopId, event: Event | None) -> dict[str, np.ndarray]:
    """The tensors of one stop's record: its equation's inputs and results (``SHOWN_AT``)."""
    if event is None:
        return {}
    carried = event_tensors(event)
    return {name: carried[name] for name in SHOWN_AT[stop.phase] if name in carried}


def ordered(tensors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``tensors`` in the screen's order (``ORDER``; names not in it are left out).

    After the layer's update, W and b (then W after and b after) come last, so that the list
    reads as the lesson's update does: W before, ΔW, W after.
    """
    names = [name for name in ORDER if name in tensors]
    if "W_before" in tensors:
        last = [name for name in ("W", "b") if name in tensors]
        names = [name for name in names if name not in last] + last
    return {name: tensors[name] for name in names}


def label(name: str, m: int, tensors: Mapping[str, object], regularised: bool = True) -> str:
    """``name``'s label in a listing of layer ``m``'s ``tensors``: the current W and b are
    "W after" and "b after" once the layer's update has happened (``W_before`` is known);
    ∂J/∂W when λ = 0, ∂Ĵ/∂W when λ > 0 (``regularised``)."""
    if name in ("W", "b") and "W_before" in tensors:
        name += "_after"
    return tensor_label(name, m, regularised)


def summary(x: np.ndarray) -> dict[str, float]:
    """min, max, mean and Frobenius norm of the finite entries (NaN when there are none)."""
    x = np.asarray(x, dtype=float)
    fin = x[np.isfinite(x)]
    if fin.size == 0:
        nan = float("nan")
        return {"min": nan, "max": nan, "mean": nan, "norm": nan}
    with np.errstate(over="ignore", invalid="ignore"):
        return {
            "min": float(fin.min()),
            "max": float(fin.max()),
            "mean": float(fin.mean()),
            "norm": float(np.linalg.norm(fin)),
        }
