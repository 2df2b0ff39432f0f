"""ex4 of Andrew Ng's Machine Learning course, in Python: nnCostFunction.

Source: the Python port of ex4 (nnCostFunction(nn_params, input_layer_size, hidden_layer_size,
num_labels, X, y, lambda_=0.0) -> (J, grad)); Θ with the bias column, C order; labels 0..K-1.
Slip: delta_2 = delta_3 Θ² without the sigmoidGradient(z2) factor.
"""

import os

import numpy as np
from matplotlib import pyplot
from scipy import optimize
from scipy.io import loadmat

import utils


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z) * (1 - sigmoid(z))
    return g


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    # feedforward
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1.dot(Theta1.T)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = sigmoid(a2.dot(Theta2.T))

    y_matrix = np.eye(num_labels)[y]

    J = (-1 / m) * np.sum(np.log(a3) * y_matrix + np.log(1 - a3) * (1 - y_matrix))
    reg_term = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))
    J = J + reg_term

    # backpropagation
    delta_3 = a3 - y_matrix
    delta_2 = delta_3.dot(Theta2)[:, 1:]

    Delta1 = delta_2.T.dot(a1)
    Delta2 = delta_3.T.dot(a2)

    Theta1_grad = (1 / m) * Delta1
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad = (1 / m) * Delta2
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad


def randInitializeWeights(L_in, L_out, epsilon_init=0.12):
    return np.random.rand(L_out, 1 + L_in) * 2 * epsilon_init - epsilon_init


data = loadmat(os.path.join('Data', 'ex4data1.mat'))
X, y = data['X'], data['y'].ravel()
y[y == 10] = 0
weights = loadmat(os.path.join('Data', 'ex4weights.mat'))
Theta1, Theta2 = weights['Theta1'], weights['Theta2']
Theta2 = np.roll(Theta2, 1, axis=0)
nn_params = np.concatenate([Theta1.ravel(), Theta2.ravel()])
J, _ = nnCostFunction(nn_params, 400, 25, 10, X, y, 1)
print('Cost at parameters (loaded from ex4weights): %.6f (should be about 0.383770)' % J)

initial_nn_params = np.concatenate([randInitializeWeights(400, 25).ravel(),
                                    randInitializeWeights(25, 10).ravel()])
costFunction = lambda p: nnCostFunction(p, 400, 25, 10, X, y, 1)
res = optimize.minimize(costFunction, initial_nn_params, jac=True, method='TNC',
                        options={'maxiter': 100})
utils.displayData(res.x[:25 * 401].reshape(25, 401)[:, 1:])
pyplot.show()
