"""Cy's backprop: right without regularisation, but weight_grad leaves out λW."""

import numpy as np


def f_prime_times(g, z, a, activation):
    """(∂a/∂z)ᵀ g for one layer, one column per sample."""
    if activation == "sigmoid":
        return g * a * (1 - a)
    if activation == "tanh":
        return g * (1 - a**2)
    if activation == "relu":
        return g * (z > 0)
    if activation == "leaky_relu":
        return g * np.where(z > 0, 1.0, 0.01)
    if activation == "softmax":  # not elementwise: the Jacobian's product
        return a * (g - (a * g).sum(axis=0, keepdims=True))
    return g


def output_delta(z, a, y, activation, cost):
    if cost == "cross_entropy":
        return a - y
    return f_prime_times(a - y, z, a, activation)


def hidden_delta(z, a, W_next, delta_next, activation):
    return f_prime_times(W_next.T @ delta_next, z, a, activation)


def weight_grad(delta, a_prev, n):
    return delta @ a_prev.T / n


def bias_grad(delta):
    return np.mean(delta, axis=1, keepdims=True)
