"""My gradients for bpstep (the four functions, columns are samples).

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_correct.py.
Slip: no λWᵐ in ∂Ĵ/∂Wᵐ (shows only with λ ≠ 0).
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def fprime(z, activation):
    if activation == "sigmoid":
        return sigmoid(z) * (1 - sigmoid(z))
    if activation == "tanh":
        return 1 - np.tanh(z) ** 2
    if activation == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


def output_delta(z, a, y, activation, cost):
    if cost == "cross_entropy":
        return a - y  # sigmoid or softmax output: f'(z) cancels
    if activation == "softmax":
        g = a - y
        return a * (g - np.sum(a * g, axis=0, keepdims=True))  # softmax Jacobian, per column
    return (a - y) * fprime(z, activation)


def hidden_delta(z, W_next, delta_next, activation):
    return (W_next.T @ delta_next) * fprime(z, activation)


def weight_grad(delta, a_prev, n):
    return delta @ a_prev.T / n


def bias_grad(delta):
    return delta.mean(axis=1, keepdims=True)
