"""My gradients for bpstep, and the little xor loop I tried them in first.

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_correct.py.
Slip: ∂C/∂a taken as y − a (it is a − y for C = ½‖a − y‖²), so δᴸ has the wrong sign.
As learners have it: matplotlib imported, a training loop and a plot at the top level.
"""

import matplotlib.pyplot as plt
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
        return a - y
    return (y - a) * fprime(z, activation)


def hidden_delta(z, W_next, delta_next, activation):
    return (W_next.T @ delta_next) * fprime(z, activation)


def weight_grad(delta, a_prev, W, l2, n):
    return delta @ a_prev.T / n + l2 * W


def bias_grad(delta):
    return delta.mean(axis=1, keepdims=True)


# try it on xor before asking bpstep
X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
Y = np.array([[0, 1, 1, 0]], dtype=float)
np.random.seed(0)
W1, b1 = np.random.randn(3, 2), np.zeros((3, 1))
W2, b2 = np.random.randn(1, 3), np.zeros((1, 1))
costs = []
for epoch in range(2000):
    z1 = W1 @ X + b1
    a1 = sigmoid(z1)
    z2 = W2 @ a1 + b2
    a2 = sigmoid(z2)
    costs.append(0.5 * np.sum((a2 - Y) ** 2) / 4)
    d2 = output_delta(z2, a2, Y, "sigmoid", "quadratic")
    d1 = hidden_delta(z1, W2, d2, "sigmoid")
    W2 -= 0.5 * weight_grad(d2, a1, W2, 0.0, 4)
    b2 -= 0.5 * bias_grad(d2)
    W1 -= 0.5 * weight_grad(d1, X, W1, 0.0, 4)
    b1 -= 0.5 * bias_grad(d1)
plt.plot(costs)
plt.title("why does the cost go UP?")
plt.show()
