"""Recomputing an explanation's value from its own terms and inputs, by each kind's rule,
written here from the lesson's equations and the optimisers' papers (not the engine's code):
what a learner does on paper with the numbers the explanation shows."""

from __future__ import annotations

import math

from bpstep.session import Session


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def f_of(activation: str, z: float) -> float:
    """a = f(z), written here from the definitions (not the engine's code)."""
    return {
        "sigmoid": sigma,
        "tanh": math.tanh,
        "relu": lambda v: max(0.0, v),
        "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
        "identity": lambda v: v,
    }[activation](z)


def fprime_of(activation: str, z: float, a: float) -> float:
    return {
        "sigmoid": a * (1 - a),
        "tanh": 1 - a * a,
        "relu": 1.0 if z > 0 else 0.0,
        "leaky_relu": 1.0 if z > 0 else 0.01,
        "identity": 1.0,
    }[activation]


def recompute(ex, session: Session) -> float:
    """The explanation's value from its own terms and inputs, by the kind's rule."""
    S = math.fsum(t.value for t in ex.terms)
    x = ex.inputs
    act = session.network.activation_names[ex.layer - 1]
    cost = session.network.cost_fn
    kind = ex.kind
    if kind == "z":
        return S + x["b"]
    if kind == "a":
        return x["e^z"] / S if act == "softmax" else f_of(act, x["z"])
    if kind == "fprime":
        return fprime_of(act, x["z"], x["a"])
    if kind == "dC_da":
        a, y = x["a"], x["y"]
        if cost.name == "quadratic":
            return a - y
        return -y / a if cost.categorical else (a - y) / (a * (1 - a))
    if kind == "delta_fused":
        return x["a"] - x["y"]
    if kind == "delta_output":
        return x["fprime"] * x["dC_da"]
    if kind == "delta_softmax":
        return x["a"] * (x["g"] - S)
    if kind == "delta_hidden":
        return x["fprime"] * S
    if kind == "grad_W":
        return x["1/n"] * S + x.get("λ", 0.0) * x.get("W", 0.0)
    if kind == "grad_b":
        return x["1/n"] * S
    if kind.startswith("update_"):
        step = update_step(kind, x)
        return step if ex.name in ("dW", "db") else x["before"] + step
    if kind == "C":
        return 0.5 * S if cost.name == "quadratic" else S
    if kind == "J":
        return x["1/n"] * S + x["λ term"]
    raise AssertionError(f"no rule for {kind}")


def update_step(kind: str, x: dict) -> float:
    """The optimiser's step, from the lesson (SGD) and the papers (momentum, Adam)."""
    if kind == "update_sgd":
        return -x["α"] * x["g"]
    if kind == "update_momentum":
        return x["μ"] * x["v_prev"] - x["α"] * x["g"]
    b1, b2, t, g = x["β1"], x["β2"], x["t"], x["g"]
    m = b1 * x["m_prev"] + (1 - b1) * g
    v = b2 * x["v_prev"] + (1 - b2) * g * g
    return -x["α"] * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + x["ε"])
