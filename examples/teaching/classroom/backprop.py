"""Backpropagation by hand: your four functions (the assignment's starter file).

Write each function below as NumPy code. Every array has one column per sample: for a layer m
with n_m neurons and a batch of n samples, zᵐ and aᵐ are (n_m, n), Wᵐ is (n_m, n_{m-1}) and bᵐ
is (n_m, 1). Ask only for the arguments your formula uses; they are passed by name from:
z, a, y, a_prev, W, b, W_next, delta_next, delta, l2, layer, n, activation, cost.

    δᴸ = ∂C/∂aᴸ ⊙ f′(zᴸ)          (quadratic cost: ∂C/∂a = a − y)
    δᴸ = aᴸ − y                    (cross-entropy with a sigmoid or softmax output)
    δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹
    ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ
    ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ

The activations are "sigmoid", "tanh", "relu", "leaky_relu" (slope 0.01), "identity" and
"softmax" (output layer only; not elementwise). Check your work as you go:

    bpstep check backprop.py                 # or: python -m pytest -q tests
    bpstep --grads backprop.py               # step through it in the debugger
"""

import numpy as np  # noqa: F401 - you will need it


def output_delta(z, a, y, activation, cost):
    """δᴸ, the output layer's error, shaped like z."""
    raise NotImplementedError("output_delta: write δᴸ")


def hidden_delta(z, a, W_next, delta_next, activation):
    """δᵐ of a hidden layer, from the layer above's δᵐ⁺¹ and Wᵐ⁺¹."""
    raise NotImplementedError("hidden_delta: write δᵐ")


def weight_grad(delta, a_prev, W, l2, n):
    """∂Ĵ/∂Wᵐ, shaped like W."""
    raise NotImplementedError("weight_grad: write ∂Ĵ/∂Wᵐ")


def bias_grad(delta):
    """∂Ĵ/∂bᵐ, shaped (n_m, 1)."""
    raise NotImplementedError("bias_grad: write ∂Ĵ/∂bᵐ")
