"""Finite differences: a check of the learner's values that trusts nothing but the cost.

For ∂Ĵ/∂Wᵐ and ∂Ĵ/∂bᵐ, fourth-order central differences of the engine's Ĵ
(``gradcheck.numerical_gradient``); for δᵐ, central differences of Ĵ with respect to zᵐ fed
forward through layers m+1..L, times n: Ĵ = (1/n) Σᵢ Cᵢ + L2 and the L2 term does not depend on
z, so δᵐ_{ji} = n ∂Ĵ/∂zᵐ_{ji}. At most ``FD_ENTRIES`` entries of an array are differenced (a
seeded sample). The error is relative with its denominator floored at 1e-4: finite differences
carry an absolute error near 1e-10, which must not read as a disagreement on tiny entries.
"""

from __future__ import annotations

import numpy as np

from bpstep.checker.reference import Truth
from bpstep.engine.gradcheck import numerical_gradient
from bpstep.engine.network import Network

FD_ENTRIES = 400
KINKED = ("relu", "leaky_relu")


def fd_error(quantity: str, user: np.ndarray, t: Truth, m: int) -> float | None:
    """Worst relative error of ``user`` (δᵐ, ∂Ĵ/∂Wᵐ or ∂Ĵ/∂bᵐ at t's λ) against finite
    differences of the engine's Ĵ."""
    rng = np.random.default_rng(0)
    if quantity in ("grad_W", "grad_b"):
        param = "W" if quantity == "grad_W" else "b"
        size = user.size
        idx = None if size <= FD_ENTRIES else rng.choice(size, FD_ENTRIES, replace=False)
        # a kinked activation (ReLU) must not be crossed: a small step, second order
        kinked = any(a in KINKED for a in t.problem.activations)
        h, order = (1e-6, 2) if kinked else (1e-3, 4)
        num = numerical_gradient(t.network, t.X, t.Y, m, param, h=h, indices=idx, order=order)
    elif quantity == "delta":
        num = numerical_delta(t.network, m, t.layers[m].z, t.Y)
    else:
        return None
    mask = np.isfinite(num)
    if not mask.any() or num.shape != user.shape:
        return None
    u, g = user[mask], num[mask]
    with np.errstate(all="ignore"):
        err = np.abs(u - g) / np.maximum(1e-4, np.abs(u) + np.abs(g))
    err = np.where(np.isfinite(u), err, np.inf)
    return float(err.max())


def numerical_delta(
    network: Network, m: int, z: np.ndarray, Y: np.ndarray, h: float = 1e-4, limit: int = 600
) -> np.ndarray:
    """δᵐ by central differences of Ĵ with respect to zᵐ (see the module docstring); at most
    ``limit`` entries (a seeded sample), the others NaN."""
    L = network.L
    z0 = np.array(z, dtype=np.float64)
    n = z0.shape[1]
    out = np.full(z0.shape, np.nan)
    flat = out.reshape(-1)
    total = z0.size
    idx = range(total) if total <= limit else np.random.default_rng(0).choice(total, limit, False)

    def cost(zm: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            a = network.activations[m - 1].f(zm)
            zk = zm
            for k in range(m + 1, L + 1):
                zk = network.weights[k - 1] @ a + network.biases[k - 1]
                a = network.activations[k - 1].f(zk)
            return float(network.cost_fn.per_sample(a, Y, zk).sum()) / n

    zf = z0.reshape(-1)
    for i in idx:
        old = zf[i]
        zf[i] = old + h
        plus = cost(z0)
        zf[i] = old - h
        minus = cost(z0)
        zf[i] = old
        flat[i] = n * (plus - minus) / (2 * h)
    return out
