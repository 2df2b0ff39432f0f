"""A learner's ex4 nnCostFunction, Python port (dibgerge's notebook: labels 0..K−1, NumPy's
row-order unrolling): correct.

Shape: Ng's Machine Learning ex4 as ported to Python (dibgerge/ml-coursera-python-assignments,
Exercise4): nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y,
lambda_=0.0) → (J, grad), Θ with the bias in its first column, λ/(2m) on the non-bias weights.
"""

import os

import numpy as np
from scipy.io import loadmat  # noqa: F401  (bpstep skips it when scipy is missing)

import utils  # the exercise's helpers: not here, and nnCostFunction does not need them

data = loadmat(os.path.join("Data", "ex4data1.mat"))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(
        nn_params[: hidden_layer_size * (input_layer_size + 1)],
        (hidden_layer_size, input_layer_size + 1),
    )
    Theta2 = np.reshape(
        nn_params[hidden_layer_size * (input_layer_size + 1) :], (num_labels, hidden_layer_size + 1)
    )
    m = y.size
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = sigmoid(a2 @ Theta2.T)
    y_matrix = np.eye(num_labels)[y]

    J = -np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = a3 - y_matrix
    delta2 = (delta3 @ Theta2)[:, 1:] * sigmoidGradient(z2)
    Theta1_grad = delta2.T @ a1 / m
    Theta2_grad = delta3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
