"""My gradients for bpstep (the four functions, columns are samples).

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_correct.py.
Slip: Σₖ aₖgₖ in the softmax Jacobian summed over the batch (axis 1), not the classes.
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
        return a * (g - np.sum(a * g, axis=1, keepdims=True))  # softmax Jacobian
    return (a - y) * fprime(z, activation)


def hidden_delta(z, W_next, delta_next, activation):
    return (W_next.T @ delta_next) * fprime(z, activation)


def weight_grad(delta, a_prev, W, l2, n):
    return delta @ a_prev.T / n + l2 * W


def bias_grad(delta):
    return delta.mean(axis=1, keepdims=True)
