"""Correct hand-derived gradients for bpstep's networks (columns are samples).

Check it with ``bpstep check examples/grads_correct.py`` (the xor preset: sigmoid layers and the
quadratic cost) or with any other preset, e.g. ``--preset digits`` or ``--preset softmax``
(softmax output with cross-entropy), with or without ``--l2``.

The lesson's equations, per layer m with a batch of n samples:
    δᴸ = ∂C/∂aᴸ ⊙ f′(zᴸ)                 (∂C/∂a = a − y for the quadratic cost)
    δᴸ = aᴸ − y                           (cross-entropy with a sigmoid or softmax output:
                                            f′ cancels against the cost's denominator)
    δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹
    ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ        (λWᵐ: the gradient of (λ/2)‖Wᵐ‖²)
    ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ                  (biases are not regularised)
Softmax is not elementwise: each aⱼ depends on every zₖ, so "⊙ f′(z)" becomes the product with
its Jacobian, (∂a/∂z)ᵀ g = a ⊙ (g − Σₖ aₖ gₖ) per sample.
"""

import numpy as np


def through_activation(activation, z, a, g):
    """(∂a/∂z)ᵀ g per sample: f′(z) ⊙ g for the elementwise activations."""
    if activation == "sigmoid":
        return a * (1 - a) * g  # σ′(z) = σ(z)(1 − σ(z)) and a = σ(z)
    if activation == "tanh":
        return (1 - a**2) * g
    if activation == "relu":
        return (z > 0) * g
    if activation == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01) * g
    if activation == "softmax":
        return a * (g - np.sum(a * g, axis=0, keepdims=True))
    return g  # identity: f′ = 1


def output_delta(z, a, y, activation, cost):
    if cost == "cross_entropy":  # with a sigmoid or softmax output, f′ cancels
        return a - y
    return through_activation(activation, z, a, a - y)


def hidden_delta(z, a, W_next, delta_next, activation):
    return through_activation(activation, z, a, W_next.T @ delta_next)


def weight_grad(delta, a_prev, W, l2, n):
    return delta @ a_prev.T / n + l2 * W


def bias_grad(delta):
    return delta.mean(axis=1, keepdims=True)
