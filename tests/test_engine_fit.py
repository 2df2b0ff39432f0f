"""The fast path: fit learns xor and digits, is reproducible, and keeps its history."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from bpstep import ConfigError, Network

XOR_X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
XOR_Y = np.array([[0, 1, 1, 0]], dtype=float)


def digits():
    """(X_train, Y_train, X_test, Y_test): the package loader, or the shared CSV as a fallback."""
    try:
        from bpstep.datasets import load_dataset
    except ImportError:
        path = Path("/work/shared/data/digits.csv.gz")
        with gzip.open(path, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",")
        X, labels = raw[:, :-1].T / 16.0, raw[:, -1].astype(int)
        order = np.random.default_rng(0).permutation(X.shape[1])
        cut = int(0.8 * X.shape[1])
        tr, te = order[:cut], order[cut:]
        Y = np.eye(10)[:, labels]
        return X[:, tr], Y[:, tr], X[:, te], Y[:, te]
    d = load_dataset("digits")
    return d.X_train, d.Y_train, d.X_test, d.Y_test


@pytest.mark.parametrize(
    "kw",
    [
        {"activation": "sigmoid", "cost": "quadratic", "lr": 2.0, "epochs": 3000},
        {"activation": "sigmoid", "cost": "cross_entropy", "lr": 1.0, "epochs": 2000},
        {
            "activation": ["tanh", "sigmoid"],
            "cost": "cross_entropy",
            "lr": 0.05,
            "epochs": 1000,
            "optimizer": "adam",
        },
    ],
)
def test_fit_learns_xor_to_near_zero_training_cost(kw):
    kw = dict(kw)
    lr, epochs = kw.pop("lr"), kw.pop("epochs")
    net = Network([2, 3, 1], seed=0, **kw)
    history = net.fit(XOR_X, XOR_Y, epochs=epochs, batch_size=4, lr=lr)
    assert history["epoch"] == list(range(1, epochs + 1))
    assert history["train_cost"][-1] < 0.01
    assert history["train_cost"][-1] < history["train_cost"][0] / 10
    assert net.cost(XOR_X, XOR_Y) < 0.01
    assert net.accuracy(XOR_X, XOR_Y) == 1.0


def test_fit_reaches_90_percent_on_digits_in_seconds():
    Xtr, Ytr, Xte, Yte = digits()
    net = Network([64, 30, 10], seed=0)
    h = net.fit(Xtr, Ytr, epochs=10, batch_size=10, lr=3.0, X_test=Xte, Y_test=Yte)
    assert h["test_accuracy"][-1] >= 0.90
    assert set(h) >= {"epoch", "train_cost", "test_cost", "test_accuracy"}
    assert all(len(v) == 10 for v in h.values())
    assert h["test_cost"][-1] == pytest.approx(net.cost(Xte, Yte))
    assert h["train_cost"][-1] < h["train_cost"][0]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_fit_with_the_same_seed_gives_bit_identical_weights(optimizer):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5, 53))
    Y = np.eye(3)[:, rng.integers(0, 3, 53)]
    nets = [
        Network(
            [5, 4, 3],
            activation=["relu", "softmax"],
            cost="cross_entropy",
            seed=s,
            optimizer=optimizer,
            l2=1e-3,
        )
        for s in (7, 7, 8)
    ]
    hs = [net.fit(X, Y, epochs=4, batch_size=8, lr=0.05) for net in nets]
    for a, b in zip(
        nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases, strict=True
    ):
        assert np.array_equal(a, b)
    assert hs[0]["train_cost"] == hs[1]["train_cost"]
    assert not np.array_equal(nets[0].weights[0], nets[2].weights[0])


def test_fit_is_train_batch_over_the_seeded_shuffle_with_a_smaller_last_batch():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3, 11))
    Y = rng.random((2, 11))
    net = Network([3, 4, 2], seed=3, l2=0.01)
    twin = net.copy()
    h = net.fit(X, Y, epochs=2, batch_size=4, lr=0.5)
    shuffle = twin.rng  # a copy of net.rng: the same permutations fit will draw
    expected = []
    for _ in range(2):
        order = shuffle.permutation(11)
        costs = [
            twin.train_batch(X[:, order[s : s + 4]], Y[:, order[s : s + 4]], 0.5)
            for s in range(0, 11, 4)
        ]
        assert len(costs) == 3  # 4 + 4 + 3
        expected.append(sum(costs) / 3)
    assert h["train_cost"] == expected
    for a, b in zip(net.weights + net.biases, twin.weights + twin.biases, strict=True):
        assert np.array_equal(a, b)


def test_fit_calls_back_each_epoch_and_stops_between_batches_when_asked():
    X, Y = np.zeros((2, 40)), np.zeros((1, 40))
    seen = []
    net = Network([2, 2, 1])
    net.fit(
        X,
        Y,
        epochs=3,
        batch_size=4,
        lr=0.1,
        callback=lambda e, h: seen.append((e, len(h["epoch"]))),
    )
    assert seen == [(1, 1), (2, 2), (3, 3)]
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 5

    h = net.fit(X, Y, epochs=50, batch_size=4, lr=0.1, should_stop=stop)
    assert h["epoch"] == [1] and len(calls) == 6  # five batches ran, the sixth was refused


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"lr": 0}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"batch_size": 0}, "batch size"),
        ({"batch_size": True}, "batch size"),
    ],
)
def test_fit_refuses_bad_arguments_in_one_line(kw, fragment):
    args = {"epochs": 1, "batch_size": 2, "lr": 0.1, **kw}
    with pytest.raises(ConfigError, match=fragment) as info:
        Network([2, 2, 1]).fit(np.zeros((2, 4)), np.zeros((1, 4)), **args)
    assert "\n" not in str(info.value)


def test_fit_refuses_data_of_the_wrong_shape():
    net = Network([2, 2, 1])
    with pytest.raises(ConfigError, match=r"X must have shape \(2, batch\)"):
        net.fit(np.zeros((3, 4)), np.zeros((1, 4)), epochs=1, batch_size=2, lr=0.1)
    with pytest.raises(ConfigError, match=r"Y must have shape \(1, batch\)"):
        net.fit(np.zeros((2, 4)), np.zeros((2, 4)), epochs=1, batch_size=2, lr=0.1)
