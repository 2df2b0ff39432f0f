"""What each stop of the forward, backward and update passes yields.

Each event carries the inputs of the equation it applies, so that a screen can show the equation
with its numbers without recomputing anything. Arrays are the engine's own: treat them as
read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ForwardEvent:
    """z^m = W^m a^{m−1} + b^m, then a^m = f(z^m)."""

    layer: int
    W: np.ndarray
    b: np.ndarray
    a_prev: np.ndarray
    z: np.ndarray
    a: np.ndarray
    activation: str


@dataclass(frozen=True, eq=False)
class CostEvent:
    """Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖W^m‖² on the batch, before the update (the cost stop)."""

    cost: float
    per_sample: np.ndarray  # C_i, shape (batch,)
    a: np.ndarray  # a^L
    y: np.ndarray
    l2_term: float
    cost_name: str


@dataclass(frozen=True, eq=False)
class BackwardEvent:
    """δ^m and the gradients of layer m.

    At m = L: δ^L = (∂a^L/∂z^L)ᵀ ∂C/∂a^L (= f′(z^L) ⊙ ∂C/∂a^L for an elementwise f), or
    δ^L = a^L − y when ``fused`` (sigmoid or softmax output with cross-entropy).
    Below: δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}.
    Then ∂Ĵ/∂W^m = (1/n) δ^m (a^{m−1})ᵀ + λ W^m and ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i.
    """

    layer: int
    delta: np.ndarray
    grad_W: np.ndarray
    grad_b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    a_prev: np.ndarray
    W: np.ndarray
    fprime: np.ndarray | None
    W_next: np.ndarray | None
    delta_next: np.ndarray | None
    dC_da: np.ndarray | None
    y: np.ndarray | None
    fused: bool
    l2: float
    batch_size: int
    activation: str


@dataclass(frozen=True, eq=False)
class UpdateEvent:
    """W^m ← W^m − α ∂Ĵ/∂W^m, b^m ← b^m − α ∂Ĵ/∂b^m (or the optimiser's own step)."""

    layer: int
    W_before: np.ndarray
    b_before: np.ndarray
    W_after: np.ndarray
    b_after: np.ndarray
    grad_W: np.ndarray
    grad_b: np.ndarray
    lr: float
    optimizer: str


Event = ForwardEvent | CostEvent | BackwardEvent | UpdateEvent
