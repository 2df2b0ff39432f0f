"""Activation functions f and their derivatives, per layer.

The lesson's forward pass is a^m = f(z^m); the backward pass needs f′(z^m) in
δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}. For an elementwise f, (∂a/∂z)ᵀ g = f′(z) ⊙ g. Softmax is not
elementwise: its Jacobian ∂a_j/∂z_k = a_j (1[j=k] − a_k) is a full matrix, so its vector-Jacobian
product is a ⊙ (g − Σ_k a_k g_k), computed per column (per sample).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpstep.engine.errors import ConfigError

LEAKY_SLOPE = 0.01


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{−z}).

    For z ≪ 0, e^{−z} overflows to inf and σ correctly becomes 0; the Network runs its passes
    under ``np.errstate(all="ignore")`` so that this is silent. This form is accurate to
    the last bit for z < 0 and costs half of a branch-free "stable" form on the fast path.
    """
    t = np.negative(z)
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)  # the same bits as 1.0 / (1.0 + np.exp(-z)), one array


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_j = e^{z_j} / Σ_k e^{z_k} per column, shifted by the column max for stability."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _sigmoid_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)."""
    fp = 1.0 - a
    fp *= a
    return fp


@dataclass(frozen=True)
class Activation:
    """An activation f with f′ given in terms of z and a = f(z) (whichever is cheaper)."""

    name: str
    formula: str
    func: Callable[[np.ndarray], np.ndarray]  # z ↦ f(z)
    deriv: Callable[[np.ndarray, np.ndarray], np.ndarray] | None  # (z, a) ↦ f′(z); None: softmax

    def f(self, z: np.ndarray) -> np.ndarray:
        """a = f(z), silently: σ's e^{−z} may overflow to inf, which gives the right limit 0.

        The Network calls ``func`` directly inside its own ``np.errstate``.
        """
        with np.errstate(over="ignore", under="ignore"):
            return self.func(z)

    def fprime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        """f′(z) elementwise, or None for softmax (whose Jacobian is not diagonal)."""
        return None if self.deriv is None else self.deriv(z, a)

    @property
    def elementwise(self) -> bool:
        return self.deriv is not None

    def vjp(self, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """(∂a/∂z)ᵀ g per column: f′(z) ⊙ g, or for softmax a ⊙ (g − Σ_k a_k g_k)."""
        if self.deriv is not None:
            return self.deriv(z, a) * g
        return a * (g - np.sum(a * g, axis=0, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "σ(z) = 1/(1+e⁻ᶻ)", sigmoid, _sigmoid_prime),
        Activation("tanh", "tanh(z)", np.tanh, lambda z, a: 1.0 - a * a),
        Activation(
            "relu", "max(0, z)", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)
        ),
        Activation(
            "leaky_relu",
            "max(0.01z, z)",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        ),
        Activation("identity", "z", lambda z: z.copy(), lambda z, a: np.ones_like(z)),
        Activation("softmax", "eᶻʲ/Σₖeᶻᵏ", softmax, None),
    )
}


Derivative = Callable[[np.ndarray, np.ndarray], np.ndarray]


def elementwise_deriv(act: Activation) -> Derivative:
    """f′ of an elementwise activation, as (z, a) ↦ f′(z); ConfigError for softmax."""
    if act.deriv is None:
        raise ConfigError(f"{act.name} is not elementwise: it has no f′(z) of its own")
    return act.deriv


def get_activation(name: str) -> Activation:
    """The activation called ``name``; ConfigError listing the accepted names otherwise."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        accepted = ", ".join(ACTIVATIONS)
        raise ConfigError(f"unknown activation {name!r}; accepted: {accepted}") from None
