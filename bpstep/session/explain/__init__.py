"""Explain any number: the arithmetic that produced one entry of one tensor at the current
stop, with the live numbers, in the lesson's symbols, down to what a learner uses on paper.

``explain(session, layer, name, row, col)`` returns an ``Explanation`` (plain data: the rule,
the lines of arithmetic, every term of its sum and the single inputs, and the engine's own
value); the TUI's ``x`` shows it in a modal screen, ``bpstep trace --explain m,NAME,i,j``
prints it. Names are those of ``bpstep trace --json`` (``z``, ``a``, ``fprime``, ``dC_da``,
``delta``, ``grad_W``, ``grad_b``, ``dW``, ``W_after`` …) and ``J`` for the batch cost.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from bpstep.engine.costs import Cost
from bpstep.engine.events import BackwardEvent, CostEvent, ForwardEvent, UpdateEvent
from bpstep.notation import sub, tensor_label, with_cost_symbol
from bpstep.session.tensors import SHOWN_AT, computed_at
from bpstep.session.timeline import Phase, StopId, iteration_stops

from .backward import (
    explain_dC_da,
    explain_fprime,
    explain_grad_b,
    explain_grad_W,
    explain_hidden_delta,
    explain_output_delta,
)
from .cost import explain_C, explain_J
from .forward import explain_a, explain_input, explain_z, input_origin
from .model import ExplainError, Explanation, Term, num, shown_terms
from .update import explain_update

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.session.session import Session

__all__ = ["Explanation", "ExplainError", "Term", "explain", "num", "shown_terms", "stop_for"]

PER_SAMPLE_NAMES = ("a_prev", "z", "a", "y", "C", "dC_da", "fprime", "delta")
NAMES = (*SHOWN_AT[Phase.FORWARD], "y", "C", *SHOWN_AT[Phase.BACKWARD], *SHOWN_AT[Phase.UPDATE])


def stop_for(name: str, layer: int, L: int) -> StopId:
    """The first stop of an iteration that computes (or first shows) ``name`` of ``layer``."""
    if name == "J":
        return StopId(Phase.COST)
    for sid in iteration_stops(L):
        here = sid.layer == layer or (sid.phase is Phase.COST and layer == L)
        if name in computed_at(sid, layer, L) or (here and name in SHOWN_AT[sid.phase]):
            return sid
    accepted = ", ".join(dict.fromkeys((*NAMES, "J")))
    raise ExplainError(f"no stop computes {name!r} at layer m={layer}; names: {accepted}")


def explain(session: Session, layer: int, name: str, row: int, col: int) -> Explanation:
    """The arithmetic behind entry (``row``, ``col``) (0-based) of tensor ``name`` of layer
    ``layer`` at the session's current stop. ExplainError (one line) when it is not known here
    or the entry is out of range."""
    L = session.L
    if not isinstance(layer, int) or not 1 <= layer <= L:
        raise ExplainError(f"the layer must be 1..{L}, got {layer!r}")
    if name == "J":
        ev = session.event_at(StopId(Phase.COST))
        if not isinstance(ev, CostEvent):
            raise ExplainError("the batch cost J is computed at the cost stop: step there first")
        _check_index(np.zeros((1, 1)), row, col, "J")
        where = _where(session, StopId(Phase.COST), None)
        return _symbols(explain_J(ev, L, session.network.l2, where), session)
    tensors = session.tensors(layer)
    updated = isinstance(session.event_at(StopId(Phase.UPDATE, layer)), UpdateEvent)
    if name in ("W", "b") and updated:
        name += "_after"
    value = tensors.get(name[0] if name in ("W_after", "b_after") else name)
    if value is None:
        raise ExplainError(_missing(session, layer, name))
    _check_index(np.asarray(value), row, col, tensor_label(name, layer))
    sample = name in PER_SAMPLE_NAMES
    where = _where(session, stop_for(name, layer, L), col if sample else None)
    return _symbols(_dispatch(session, layer, name, row, col, where), session)


def _dispatch(
    session: Session, layer: int, name: str, row: int, col: int, where: str
) -> Explanation:
    """The explanation of one entry, by the kind of tensor it belongs to."""
    net, L = session.network, session.L
    if name in ("z", "a"):
        fwd = session.event_at(StopId(Phase.FORWARD, layer))
        assert isinstance(fwd, ForwardEvent)
        return (explain_z if name == "z" else explain_a)(fwd, row, col, where)
    if name == "C":
        cev = session.event_at(StopId(Phase.COST))
        assert isinstance(cev, CostEvent)
        return explain_C(cev, L, net.cost_fn.categorical, col, where)
    if name in SHOWN_AT[Phase.BACKWARD]:
        bwd = session.event_at(StopId(Phase.BACKWARD, layer))
        assert isinstance(bwd, BackwardEvent)
        return _backward(bwd, name, row, col, where, net.cost_fn)
    if name in ("W_after", "b_after", "dW", "db"):
        upd = session.event_at(StopId(Phase.UPDATE, layer))
        assert isinstance(upd, UpdateEvent)
        previous = session.iteration_start().optimizer
        n = len(session.batch_indices)
        return explain_update(upd, name, (row, col), net.optimizer, previous, where, n)
    value = float(np.asarray(session.tensors(layer)[name])[row, col])
    symbol = _entry_symbol(name, layer, row, col)
    first = session.stop.global_iteration == 0
    origin = input_origin(name, layer, (row, col), _sample(session, col), first)
    return explain_input(name, layer, (row, col), value, symbol, origin)


def _backward(
    ev: BackwardEvent, name: str, row: int, col: int, where: str, cost: Cost
) -> Explanation:
    kind = "categorical" if cost.categorical else cost.name
    if name == "fprime":
        return explain_fprime(ev, row, col, where)
    if name == "dC_da":
        return explain_dC_da(ev, kind, row, col, where)
    if name == "delta" and ev.W_next is None:
        return explain_output_delta(ev, kind, row, col, where)
    if name == "delta":
        return explain_hidden_delta(ev, row, col, where)
    if name == "grad_W":
        return explain_grad_W(ev, row, col, where)
    return explain_grad_b(ev, row, where)


def _missing(session: Session, layer: int, name: str) -> str:
    """Why ``name`` of ``layer`` has no value at this stop, in one line."""
    label, at, L = tensor_label(name, layer), stop_for(name, layer, session.L), session.L
    if name in ("y", "C", "dC_da") and layer != L:
        return f"{label} belongs to the output layer only (m = {L})"
    if session.event_at(at) is None:
        return f"{label} is not known yet at this stop ({session.stop.id}): step to {at}"
    if name == "dC_da":
        return (
            f"{label} is not used here: with a {session.network.activation_names[-1]} output "
            "and cross-entropy δᴸ = aᴸ − y directly"
        )
    if name == "fprime":
        return f"{label}: softmax has no elementwise f′(z); δᴸ uses its Jacobian (explain δ)"
    return f"{label} is not known at this stop ({session.stop.id})"


def _entry_symbol(name: str, layer: int, row: int, col: int) -> str:
    """``W¹₂,₁``, ``b¹₂``, ``a⁰₁,₃``, ``y₁,₂``: the entry in the lesson's notation."""
    label = tensor_label(name, layer)
    if name in ("b", "b_before"):
        return label.replace(" before", "") + sub(row + 1) + (" before" if "before" in name else "")
    head, _, tail = label.partition(" ")
    return head + sub(row + 1, col + 1) + (f" {tail}" if tail else "")


def _check_index(value: np.ndarray, row: int, col: int, label: str) -> None:
    x = np.atleast_2d(value)
    rows, cols = x.shape
    ok = all(isinstance(v, int | np.integer) for v in (row, col))
    if not ok or not (0 <= row < rows and 0 <= col < cols):
        raise ExplainError(
            f"{label} is {rows}×{cols}: the entry must be i in 0..{rows - 1}, j in 0..{cols - 1}"
            f" (0-based), got {row}, {col}"
        )


def _sample(session: Session, col: int) -> str:
    idx = session.batch_indices
    n = len(idx)
    if 0 <= col < n:
        return f"sample {col + 1} of the batch (#{int(idx[col])} of the training set)"
    return "the batch"


def _where(session: Session, stop: StopId, col: int | None) -> str:
    """The stop that computed the entry (in this iteration) and, per sample, which sample."""
    here = session.stop
    text = f"{stop}, epoch {here.epoch}, iteration {here.iteration + 1}"
    return text if col is None else f"{text}, {_sample(session, col)}"


def _symbols(ex: Explanation, session: Session) -> Explanation:
    """J, not Ĵ, when λ = 0 (the lesson's symbol)."""
    regularised = bool(session.network.l2)
    if regularised:
        return ex
    return replace(
        ex,
        symbol=with_cost_symbol(ex.symbol, False),
        equation=with_cost_symbol(ex.equation, False),
        lines=tuple(with_cost_symbol(line, False) for line in ex.lines),
    )
