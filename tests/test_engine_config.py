"""Network configuration: shapes, initialisations, and one-line errors for every bad value."""

from __future__ import annotations

import numpy as np
import pytest

from bpstep import ConfigError, Network


@pytest.mark.parametrize(
    "sizes, kw, fragment",
    [
        ([2], {}, "at least two layer sizes"),
        ([], {}, "at least two layer sizes"),
        ([2, 0, 1], {}, "positive integers"),
        ([2, -3, 1], {}, "positive integers"),
        ([2, 2.5, 1], {}, "positive integers"),
        ([2, "a", 1], {}, "positive integers"),
        ([True, 2], {}, "positive integers"),
        (None, {}, "positive integers"),
        ([2, 3, 1], {"activation": "swish"}, "accepted: sigmoid, tanh, relu, leaky_relu"),
        ([2, 3, 1], {"activation": None}, "accepted: sigmoid"),
        ([2, 3, 1], {"activation": ["tanh"]}, "one per layer (2)"),
        ([2, 3, 1], {"activation": ["tanh"] * 3}, "one per layer (2)"),
        ([2, 3, 1], {"activation": ["softmax", "sigmoid"]}, "only accepted in the output layer"),
        ([2, 3, 1], {"cost": "hinge"}, "accepted: quadratic, cross_entropy"),
        ([2, 3, 1], {"activation": "tanh", "cost": "cross_entropy"}, "sigmoid or softmax output"),
        ([2, 3, 1], {"activation": "relu", "cost": "cross_entropy"}, "sigmoid or softmax output"),
        ([2, 3, 1], {"l2": -0.1}, "finite number ≥ 0"),
        ([2, 3, 1], {"l2": float("inf")}, "finite number ≥ 0"),
        ([2, 3, 1], {"l2": float("nan")}, "finite number ≥ 0"),
        ([2, 3, 1], {"l2": "x"}, "number ≥ 0"),
        ([2, 3, 1], {"optimizer": "rmsprop"}, "accepted: sgd, momentum, adam"),
        ([2, 3, 1], {"optimizer": ["sgd"]}, "accepted: sgd"),
        ([2, 3, 1], {"init": "zeros"}, "accepted: normal, xavier, he"),
    ],
)
def test_bad_configuration_is_one_line_config_error(sizes, kw, fragment):
    with pytest.raises(ConfigError) as info:
        Network(sizes, **kw)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("out", ["sigmoid", "softmax"])
def test_valid_pairings_are_accepted(cost, out):
    net = Network([4, 3, 3], activation=["relu", out], cost=cost)
    assert net.activation_names == ["relu", out] and net.cost_name == cost


def test_shapes_dtypes_and_contiguity():
    net = Network([5, 4, 3, 2], seed=0)
    assert net.L == 3 and net.sizes == [5, 4, 3, 2]
    for m in range(1, 4):
        W, b = net.weights[m - 1], net.biases[m - 1]
        assert W.shape == (net.sizes[m], net.sizes[m - 1]) and b.shape == (net.sizes[m], 1)
        assert W.dtype == b.dtype == np.float64 and W.flags.c_contiguous


@pytest.mark.parametrize(
    "init, w_var, b_zero",
    [("normal", 1 / 400, False), ("xavier", 2 / 700, True), ("he", 2 / 400, True)],
)
def test_initialisations(init, w_var, b_zero):
    net = Network([400, 300, 10], init=init, seed=0)
    assert net.weights[0].var() == pytest.approx(w_var, rel=0.05)
    assert abs(net.weights[0].mean()) < 0.01 * np.sqrt(w_var) * 10
    if b_zero:
        assert not net.biases[0].any()
    else:
        assert net.biases[0].var() == pytest.approx(1.0, rel=0.25)
    same = Network([400, 300, 10], init=init, seed=0)
    assert np.array_equal(same.weights[0], net.weights[0])


def test_copy_is_independent_and_carries_optimizer_state_and_rng():
    net = Network([3, 4, 2], optimizer="adam", seed=2)
    X = np.random.default_rng(0).normal(size=(3, 5))
    Y = np.random.default_rng(1).random((2, 5))
    net.train_batch(X, Y, 0.01)
    twin = net.copy()
    assert twin.optimizer.t == net.optimizer.t == 1
    net.train_batch(X, Y, 0.01)
    twin.train_batch(X, Y, 0.01)
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, twin.weights, strict=True))
    assert net.rng.permutation(10).tolist() == twin.rng.permutation(10).tolist()
    twin.weights[0][0, 0] += 1.0
    assert twin.weights[0][0, 0] != net.weights[0][0, 0]


def test_set_params_checks_shapes():
    net = Network([2, 3, 1])
    W, b = net.get_params()
    W[0] = np.zeros((2, 3))
    with pytest.raises(ConfigError, match=r"W1 must have shape \(3, 2\)"):
        net.set_params(W, b)
    with pytest.raises(ConfigError, match="expected 2 weight matrices"):
        net.set_params(W[:1], b)
