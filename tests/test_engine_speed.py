"""What the fast path does for speed never changes a number: BLAS threads, the layout of a⁰,
one forward pass for the epoch's figures."""

from __future__ import annotations

import numpy as np
import pytest

from bpstep import Network
from bpstep.engine.blas import SMALL_PRODUCT, blas_threads, training_threads


def test_small_networks_train_with_one_blas_thread_large_ones_with_the_default():
    assert training_threads([784, 100, 10], 32) == 1
    assert training_threads([2, 3, 1], 4) == 1
    assert training_threads([784, 1000, 10], 128) is None
    assert 784 * 100 * 32 < SMALL_PRODUCT <= 784 * 1000 * 128


def test_the_limit_holds_inside_the_block_and_is_lifted_after():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas() -> list[int]:
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas()
    with blas_threads(1):
        assert all(n == 1 for n in blas())
    assert blas() == before


def problem(seed: int = 0):
    """Big enough for OpenBLAS to use its threads (over 2^18 multiply-adds a product)."""
    rng = np.random.default_rng(seed)
    X = rng.random((200, 64))
    Y = np.eye(10)[:, rng.integers(0, 10, 64)]
    return Network([200, 50, 10], seed=seed), X, Y


def test_one_blas_thread_or_the_default_give_the_same_bits():
    net, X, Y = problem()
    twin = net.copy()
    with blas_threads(1):
        c1 = net.train_batch(X, Y, 0.5)
    c2 = twin.train_batch(X, Y, 0.5)
    assert c1 == c2
    for a, b in zip(net.weights + net.biases, twin.weights + twin.biases, strict=True):
        assert np.array_equal(a, b)


def test_a_batch_in_either_memory_order_gives_the_same_bits():
    net, X, Y = problem(1)
    twin = net.copy()
    assert net.train_batch(np.ascontiguousarray(X), Y, 0.5) == twin.train_batch(
        np.asfortranarray(X), Y, 0.5
    )
    for a, b in zip(net.weights + net.biases, twin.weights + twin.biases, strict=True):
        assert np.array_equal(a, b)
    stepped = net.copy()
    events = list(stepped.forward(np.ascontiguousarray(X))) and list(stepped.backward(Y))
    assert events and np.array_equal(
        events[-1].grad_W, net.gradients(np.asfortranarray(X), Y)[0][0]
    )


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_evaluate_is_cost_data_cost_and_accuracy_in_one_pass(l2):
    net, X, Y = problem(2)
    net.l2 = l2
    assert net.evaluate(X, Y) == (net.cost(X, Y), net.data_cost(X, Y), net.accuracy(X, Y))
    regression = np.random.default_rng(3).random((10, 64))
    assert net.evaluate(X, regression)[2] is None
