"""ex4 of Andrew Ng's Machine Learning course, translated line by line from my Octave solution.

Source: ex4's nnCostFunction.m (the for-loop over t = 1:m); Θ with the bias column, unrolled
like Octave's (:) (Fortran order); labels 1..K; λ named lmbda.
Slip: the accumulated Δ not divided by m (the cost is an average over m).
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lmbda):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape((hidden_layer_size, input_layer_size + 1), order='F')
    Theta2 = nn_params[n1:].reshape((num_labels, hidden_layer_size + 1), order='F')
    m = X.shape[0]

    J = 0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)
    for t in range(m):
        a1 = np.r_[1, X[t, :]]
        z2 = Theta1 @ a1
        a2 = np.r_[1, sigmoid(z2)]
        a3 = sigmoid(Theta2 @ a2)
        yk = (np.arange(1, num_labels + 1) == y[t]).astype(float)
        J = J + np.sum(-yk * np.log(a3) - (1 - yk) * np.log(1 - a3))

        delta3 = a3 - yk
        delta2 = (Theta2[:, 1:].T @ delta3) * sigmoidGradient(z2)
        Theta2_grad = Theta2_grad + np.outer(delta3, a2)
        Theta1_grad = Theta1_grad + np.outer(delta2, a1)

    J = J / m + lmbda / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + lmbda / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + lmbda / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(order='F'), Theta2_grad.ravel(order='F')])
    return J, grad
