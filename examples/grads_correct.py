"""Correct hand-derived gradients for bpstep's networks (columns are samples).

Check it with ``bpstep check examples/grads_correct.py`` (the xor preset: sigmoid layers and the
quadratic cost) or with any preset whose activations are elementwise, e.g.
``bpstep check examples/grads_correct.py --preset digits``.

The lesson's equations, per layer m with a batch of n samples:
    δᴸ = ∂C/∂aᴸ ⊙ f′(zᴸ)                 (∂C/∂a = a − y for the quadratic cost)
    δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹
    ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ
    ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ
"""

import numpy as np


def fprime(z, activation):
    """f′(z) for the elementwise activations."""
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if activation == "tanh":
        return 1 - np.tanh(z) ** 2
    if activation == "relu":
        return (z > 0).astype(float)
    if activation == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01)
    return np.ones_like(z)  # identity


def output_delta(z, a, y, activation, cost):
    if cost == "cross_entropy":  # with a sigmoid or softmax output, f′ cancels
        return a - y
    return (a - y) * fprime(z, activation)


def hidden_delta(z, W_next, delta_next, activation):
    return fprime(z, activation) * (W_next.T @ delta_next)


def weight_grad(delta, a_prev, W, l2, n):
    return delta @ a_prev.T / n + l2 * W


def bias_grad(delta):
    return delta.mean(axis=1, keepdims=True)
