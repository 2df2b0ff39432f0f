"""The update entry by entry: the lesson's W ← W − α ∂Ĵ/∂W (and b), or the optimiser's own
step with its terms (momentum's velocity, Adam's moments), from W before to W after."""

from __future__ import annotations

import math

import numpy as np

from bpstep.engine.events import UpdateEvent
from bpstep.engine.optimizers import Optimizer
from bpstep.notation import sub, sup

from .model import Explanation, factor, num


def explain_update(
    ev: UpdateEvent,
    name: str,
    index: tuple[int, int],
    optimizer: Optimizer,
    previous: dict[str, np.ndarray],
    where: str,
    n: int = 1,
) -> Explanation:
    """W after (``W_after``/``b_after``) or the step taken (``dW``/``db``) at one entry.

    inputs: ``before``, ``α``, ``g`` (∂Ĵ/∂W), and the optimiser's: momentum ``μ``, ``v_prev``;
    Adam ``β1``, ``β2``, ``ε``, ``t``, ``m_prev``, ``v_prev``. ``previous`` is the optimiser's
    state at the start of this iteration (its ``state_dict``); ``n`` the batch size (for
    n > 1 a last line relates the step to the lesson's one-sample δᵐ(aᵐ⁻¹)ᵀ).
    """
    param = "W" if name in ("W_after", "dW") else "b"
    m, at = sup(ev.layer), sub(*(i + 1 for i in index)) if param == "W" else sub(index[0] + 1)
    before = float((ev.W_before if param == "W" else ev.b_before)[index])
    after = float((ev.W_after if param == "W" else ev.b_after)[index])
    g = float((ev.grad_W if param == "W" else ev.grad_b)[index])
    inputs = {"before": before, "α": ev.lr, "g": g}
    P, gs = f"{param}{m}{at}", f"∂Ĵ/∂{param}{m}{at}"
    step_rule, step_lines = _step(optimizer, previous, param, ev, index, g, inputs, gs)
    if name in ("dW", "db"):
        symbol, value = f"Δ{P}", after - before
        rule = f"Δ{P} = {P} after − {P} before = {step_rule}"
        lines = [f"= {num(after)} − {factor(before)}", f"= {num(value, 6)}", *step_lines]
    else:
        symbol, value = f"{P} after", after
        rule = f"{P} after = {P} before + Δ{P},   Δ{P} = {step_rule}"
        if optimizer.name == "sgd":
            rule = f"{P} after = {P} before − α {gs}"
            step_lines = [f"= {num(before)} − {ev.lr:g} · {factor(g)}"]
        else:
            step_lines = [*step_lines, f"= {num(before)} + {factor(after - before)}"]
        lines = [*step_lines, f"= {num(value, 6)}"]
    if n > 1:
        lines.append(
            f"{gs} is the mean of this batch's {n} one-sample gradients, where the lesson's "
            f"step uses one (x on it at backward m={ev.layer} shows them)"
        )
    return Explanation(
        kind=f"update_{optimizer.name}",
        name=name,
        layer=ev.layer,
        index=index,
        symbol=symbol,
        value=float(value),
        equation=rule,
        lines=tuple(lines),
        inputs=inputs,
        where=where,
    )


def _step(
    optimizer: Optimizer,
    previous: dict[str, np.ndarray],
    param: str,
    ev: UpdateEvent,
    index: tuple[int, int],
    g: float,
    inputs: dict[str, float],
    gs: str,
) -> tuple[str, list[str]]:
    """The optimiser's step ΔW in symbols and with numbers (adds its own terms to ``inputs``):
    SGD −α g; momentum v = μ v_prev − α g; Adam −α m̂ / (√v̂ + ε)."""
    if optimizer.name == "momentum":
        v_prev = float(previous[f"v_{param}{ev.layer}"][index])
        mu = float(getattr(optimizer, "mu", 0.9))
        inputs |= {"μ": mu, "v_prev": v_prev}
        v = mu * v_prev - ev.lr * g
        return f"v = μ v_prev − α {gs}", [
            f"v = {mu:g} · {factor(v_prev)} − {ev.lr:g} · {factor(g)} = {num(v)}"
        ]
    if optimizer.name == "adam":
        return _adam(optimizer, previous, param, ev, index, g, inputs, gs)
    return f"−α {gs}", [f"−α {gs} = −{ev.lr:g} · {factor(g)} = {num(-ev.lr * g)}"]


def _adam(
    optimizer: Optimizer,
    previous: dict[str, np.ndarray],
    param: str,
    ev: UpdateEvent,
    index: tuple[int, int],
    g: float,
    inputs: dict[str, float],
    gs: str,
) -> tuple[str, list[str]]:
    """Adam's step and its terms: m, v, the bias-corrected m̂ and v̂ (t counts iterations)."""
    b1 = float(getattr(optimizer, "beta1", 0.9))
    b2 = float(getattr(optimizer, "beta2", 0.999))
    eps = float(getattr(optimizer, "eps", 1e-8))
    t = int(previous.get("t", 0)) + 1
    m_prev = float(previous[f"m_{param}{ev.layer}"][index])
    v_prev = float(previous[f"v_{param}{ev.layer}"][index])
    inputs |= {"β1": b1, "β2": b2, "ε": eps, "t": float(t), "m_prev": m_prev, "v_prev": v_prev}
    mom = b1 * m_prev + (1 - b1) * g
    sq = b2 * v_prev + (1 - b2) * g * g
    m_hat, v_hat = mom / (1 - b1**t), sq / (1 - b2**t)
    step = -ev.lr * m_hat / (math.sqrt(v_hat) + eps)
    return (
        "−α m̂ / (√v̂ + ε)",
        [
            f"m = β1 m_prev + (1 − β1) g = {b1:g} · {factor(m_prev)} + {1 - b1:g} · {factor(g)}"
            f" = {num(mom)}   (g = {gs})",
            f"v = β2 v_prev + (1 − β2) g² = {b2:g} · {factor(v_prev)} + {1 - b2:.3g} · "
            f"({num(g)})² = {num(sq)}",
            f"m̂ = m / (1 − β1{sup(t)}) = {num(m_hat)},   v̂ = v / (1 − β2{sup(t)}) = {num(v_hat)}"
            f"   (t = {t})",
            f"−α m̂ / (√v̂ + ε) = −{ev.lr:g} · {factor(m_hat)} / ({num(math.sqrt(v_hat))} + "
            f"{num(eps)}) = {num(step)}",
        ],
    )
