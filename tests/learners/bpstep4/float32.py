"""My gradients for bpstep, in float32 like the rest of my GPU code.

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_correct.py.
No slip: the maths is right, done in float32 (about 7 significant digits, not 16).
"""

import numpy as np

F32 = np.float32


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def fprime(z, activation):
    if activation == "sigmoid":
        return sigmoid(z) * (1 - sigmoid(z))
    if activation == "tanh":
        return 1 - np.tanh(z) ** 2
    if activation == "relu":
        return (z > 0).astype(F32)
    return np.ones_like(z)


def output_delta(z, a, y, activation, cost):
    z, a, y = z.astype(F32), a.astype(F32), y.astype(F32)
    if cost == "cross_entropy":
        return a - y
    if activation == "softmax":
        g = a - y
        return a * (g - np.sum(a * g, axis=0, keepdims=True))
    return (a - y) * fprime(z, activation)


def hidden_delta(z, W_next, delta_next, activation):
    z, W_next, delta_next = z.astype(F32), W_next.astype(F32), delta_next.astype(F32)
    return (W_next.T @ delta_next) * fprime(z, activation)


def weight_grad(delta, a_prev, W, l2, n):
    delta, a_prev, W = delta.astype(F32), a_prev.astype(F32), W.astype(F32)
    return delta @ a_prev.T / F32(n) + F32(l2) * W


def bias_grad(delta):
    return delta.astype(F32).mean(axis=1, keepdims=True)
