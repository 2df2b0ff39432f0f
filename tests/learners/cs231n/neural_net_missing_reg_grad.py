"""My TwoLayerNet for CS231n assignment 1 (2017), classifiers/neural_net.py.

Source: the CS231n assignment 1 starter code, cs231n/classifiers/neural_net.py (TwoLayerNet,
self.params, loss(X, y=None, reg=0.0)); rows are samples; loss + 0.5 * reg * ΣW².
Slip: the L2 term in the loss but not in the gradients (shows only with reg ≠ 0).
"""

import numpy as np
import matplotlib.pyplot as plt


class TwoLayerNet(object):
  """input - fully connected layer - ReLU - fully connected layer - softmax"""

  def __init__(self, input_size, hidden_size, output_size, std=1e-4):
    self.params = {}
    self.params['W1'] = std * np.random.randn(input_size, hidden_size)
    self.params['b1'] = np.zeros(hidden_size)
    self.params['W2'] = std * np.random.randn(hidden_size, output_size)
    self.params['b2'] = np.zeros(output_size)

  def loss(self, X, y=None, reg=0.0):
    W1, b1 = self.params['W1'], self.params['b1']
    W2, b2 = self.params['W2'], self.params['b2']
    N, D = X.shape

    # forward pass
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    if y is None:
      return scores

    # softmax loss, averaged over the N samples, plus L2 on the weights
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    # backward pass
    grads = {}
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    grads['W2'] = hidden.T.dot(dscores)
    grads['b2'] = np.sum(dscores, axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    grads['W1'] = X.T.dot(dhidden)
    grads['b1'] = np.sum(dhidden, axis=0)
    return loss, grads

  def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
            reg=5e-6, num_iters=100, batch_size=200, verbose=False):
    num_train = X.shape[0]
    loss_history = []
    for it in range(num_iters):
      idx = np.random.choice(num_train, batch_size, replace=True)
      loss, grads = self.loss(X[idx], y=y[idx], reg=reg)
      loss_history.append(loss)
      for p in self.params:
        self.params[p] -= learning_rate * grads[p]
      if verbose and it % 100 == 0:
        print('iteration %d / %d: loss %f' % (it, num_iters, loss))
    return {'loss_history': loss_history}

  def predict(self, X):
    return np.argmax(self.loss(X), axis=1)
