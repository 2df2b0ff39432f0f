"""The engine's maths against finite differences, over random architectures (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpstep import ConfigError, Network, OrderError
from bpstep.engine.gradcheck import numerical_gradient

SMOOTH = ["sigmoid", "tanh", "identity"]
ALL_HIDDEN = [*SMOOTH, "relu", "leaky_relu"]


@st.composite
def problems(draw, hidden=SMOOTH):
    """A random network, batch and matching targets, in a valid activation/cost pairing."""
    n_layers = draw(st.integers(2, 4))
    sizes = [draw(st.integers(1, 6)) for _ in range(n_layers)]
    cost = draw(st.sampled_from(["quadratic", "cross_entropy"]))
    acts = [draw(st.sampled_from(hidden)) for _ in range(n_layers - 2)]
    if cost == "cross_entropy":
        out = draw(st.sampled_from(["sigmoid", "softmax"]))
    else:
        out = draw(st.sampled_from([*SMOOTH, "softmax"]))
    if out == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    acts.append(out)
    l2 = draw(st.sampled_from([0.0, 0.01, 0.5]))
    batch = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(sizes[0], batch))
    if out == "softmax":
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], batch)]
    elif out == "sigmoid" or cost == "cross_entropy":
        Y = rng.integers(0, 2, (sizes[-1], batch)).astype(float)
    else:
        Y = rng.normal(size=(sizes[-1], batch))
    net = Network(sizes, activation=acts, cost=cost, l2=l2, seed=seed)
    return net, X, Y


FLOOR = 1e-4


def fd(net, X, Y, layer, param):
    """Fourth-order central differences (h = 1e-3): absolute error ~1e-13 on these costs."""
    return numerical_gradient(net, X, Y, layer, param, h=1e-3, order=4)


def max_rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """The worst |g − ĝ| / max(FLOOR, |g| + |ĝ|): relative error, floored for tiny gradients.

    Finite differences carry an absolute error (rounding ε·Ĵ/h plus truncation), ~1e-11 for the
    plain h = 1e-5 stencil and ~1e-13 for the fourth-order one used here; so for a gradient entry
    of 1e-8 the plain relative error is large however right the backward pass is. Below
    |g| + |ĝ| = 1e-4 the check is therefore absolute (|g − ĝ| < 1e-11); above it, relative
    (< 1e-7, the CS231n "good" band). A wrong formula is off by the size of the gradient itself,
    so it fails either way.
    """
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    return float((np.abs(a - n) / np.maximum(FLOOR, np.abs(a) + np.abs(n))).max())


def run_backward(net, X, Y):
    list(net.forward(X))
    return list(net.backward(Y))


@given(problems())
def test_backward_agrees_with_finite_differences(problem):
    net, X, Y = problem
    events = run_backward(net, X, Y)
    for ev in events:
        for param, grad in (("W", ev.grad_W), ("b", ev.grad_b)):
            num = fd(net, X, Y, ev.layer, param)
            assert max_rel_error(grad, num) < 1e-7, (ev.layer, param, grad, num)


def test_saturated_sigmoid_output_agrees_with_finite_differences():
    """A case CI found: z = 10.25 with y = 0 for a sigmoid output under cross-entropy.

    Computed from a, ln(1 − a) lost ~12 digits to the rounding of a near 1 and the finite
    differences of Ĵ were off by 5e-7 relative; from the logits Ĵ is exact and they agree.
    """
    net = Network(
        [1, 2, 1, 2], activation=["tanh", "identity", "sigmoid"], cost="cross_entropy", seed=324
    )
    rng = np.random.default_rng(324)
    X = rng.normal(size=(1, 2))
    Y = np.array([[1.0, 1.0], [1.0, 0.0]])
    zs = [ev.z for ev in net.forward(X)]
    assert zs[-1][1, 1] > 10  # the saturated output this test is about
    for ev in net.backward(Y):
        for param, grad in (("W", ev.grad_W), ("b", ev.grad_b)):
            assert max_rel_error(grad, fd(net, X, Y, ev.layer, param)) < 1e-7


@pytest.mark.parametrize(
    ("output", "z", "y", "exact"),
    [
        # softplus(40) − 0·40 = 40 + ln(1 + e⁻⁴⁰): clipping ln at 1e-12 used to give 27.6
        ("sigmoid", [[40.0]], [[0.0]], 40.0),
        ("sigmoid", [[-40.0]], [[1.0]], 40.0),
        ("sigmoid", [[10.25]], [[0.0]], 10.25 + np.log1p(np.exp(-10.25))),
        ("sigmoid", [[-745.0]], [[0.0]], 0.0),
        # −ln softmax(z)_1 = logsumexp(z) − z_1 = 50 + ln(1 + e⁻⁵⁰)
        ("softmax", [[50.0], [0.0]], [[0.0], [1.0]], 50.0),
        ("softmax", [[1000.0], [0.0]], [[1.0], [0.0]], 0.0),
    ],
)
def test_cross_entropy_is_exact_from_the_logits(output, z, y, exact):
    net = Network([1, len(z)], activation=output, cost="cross_entropy", seed=0)
    z = np.array(z)
    net.weights[0][:] = z  # with x = 1 and b = 0, z¹ = W¹
    net.biases[0][:] = 0.0
    cost = net.cost(np.ones((1, 1)), np.array(y))
    assert cost == pytest.approx(exact, rel=1e-15, abs=1e-300)
    list(net.forward(np.ones((1, 1))))
    assert net.forward_cost(np.array(y)) == cost


@given(problems(hidden=ALL_HIDDEN))
def test_kinked_activations_agree_away_from_the_kink(problem):
    net, X, Y = problem
    zs = [ev.z for ev in net.forward(X)]
    if any(np.min(np.abs(z)) < 0.05 for z in zs[:-1]):
        return  # near ReLU's kink the stencil (±2h on θ, more on z) straddles it
    list(net.backward(Y))
    gWs, gbs = net.gradients(X, Y)
    for m in range(1, net.L + 1):
        num = fd(net, X, Y, m, "W")
        assert max_rel_error(gWs[m - 1], num) < 1e-7


@given(problems())
def test_passes_yield_exactly_L_events_in_order(problem):
    net, X, Y = problem
    assert [ev.layer for ev in net.forward(X)] == list(range(1, net.L + 1))
    assert [ev.layer for ev in net.backward(Y)] == list(range(net.L, 0, -1))
    assert [ev.layer for ev in net.update(0.1)] == list(range(1, net.L + 1))


@given(problems(), st.floats(1e-3, 2.0))
def test_sgd_update_is_the_formula(problem, lr):
    net, X, Y = problem
    W0, b0 = net.get_params()
    grads = {ev.layer: (ev.grad_W, ev.grad_b) for ev in run_backward(net, X, Y)}
    for ev in net.update(lr):
        gW, gb = grads[ev.layer]
        np.testing.assert_array_equal(ev.W_after, W0[ev.layer - 1] - lr * gW)
        np.testing.assert_array_equal(ev.b_after, b0[ev.layer - 1] - lr * gb)
        np.testing.assert_array_equal(net.weights[ev.layer - 1], ev.W_after)
        np.testing.assert_array_equal(ev.W_before, W0[ev.layer - 1])


@given(problems(), st.sampled_from(["sgd", "momentum", "adam"]))
def test_stepping_and_fast_path_are_bit_identical(problem, optimizer):
    net, X, Y = problem
    net = Network(net.sizes, net.activation_names, net.cost_name, net.l2, 3, optimizer)
    twin = net.copy()
    for _ in range(3):
        list(net.forward(X))
        list(net.backward(Y))
        list(net.update(0.3))
        twin.train_batch(X, Y, 0.3)
    for a, b in zip(net.weights + net.biases, twin.weights + twin.biases, strict=True):
        assert np.array_equal(a, b)
    for key, value in net.optimizer.state_dict().items():
        assert np.array_equal(value, twin.optimizer.state_dict()[key])


def test_events_carry_the_inputs_of_their_equations():
    net = Network([3, 4, 2], seed=1)
    X = np.random.default_rng(0).normal(size=(3, 5))
    Y = np.random.default_rng(1).random((2, 5))
    fwd = list(net.forward(X))
    np.testing.assert_array_equal(fwd[0].a_prev, X)
    np.testing.assert_allclose(fwd[1].z, fwd[1].W @ fwd[0].a + fwd[1].b)
    bwd = list(net.backward(Y))
    top, hidden = bwd
    np.testing.assert_allclose(top.dC_da, fwd[1].a - Y)
    np.testing.assert_allclose(top.delta, top.fprime * top.dC_da)
    np.testing.assert_allclose(hidden.delta, hidden.fprime * (hidden.W_next.T @ hidden.delta_next))
    np.testing.assert_allclose(hidden.grad_W, hidden.delta @ X.T / 5)
    np.testing.assert_allclose(hidden.grad_b, hidden.delta.mean(axis=1, keepdims=True))


def test_backward_twice_gives_the_same_numbers_never_accumulated():
    net = Network([2, 3, 1], seed=0)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float)
    Y = np.array([[0, 1, 1, 0]], float)
    list(net.forward(X))
    first = [ev.grad_W.copy() for ev in net.backward(Y)]
    second = [ev.grad_W for ev in net.backward(Y)]
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)


def test_out_of_order_calls_are_refused():
    net = Network([2, 3, 1])
    Y = np.zeros((1, 2))
    with pytest.raises(OrderError, match="forward"):
        net.backward(Y)
    with pytest.raises(OrderError, match="backward"):
        net.update(0.1)
    list(net.forward(np.zeros((2, 2))))
    with pytest.raises(OrderError, match="backward"):
        net.update(0.1)
    list(net.backward(Y))
    list(net.update(0.1))
    with pytest.raises(OrderError, match="forward"):  # new parameters: the old pass is stale
        net.backward(Y)


def test_softmax_delta_is_the_true_jacobian_product():
    rng = np.random.default_rng(2)
    net = Network([3, 4], activation="softmax", cost="quadratic", seed=2)
    X = rng.normal(size=(3, 2))
    Y = np.eye(4)[:, [1, 3]]
    (fwd,) = list(net.forward(X))
    (ev,) = list(net.backward(Y))
    for i in range(2):
        a = fwd.a[:, i]
        J = np.diag(a) - np.outer(a, a)  # ∂a_j/∂z_k
        np.testing.assert_allclose(ev.delta[:, i], J.T @ (a - Y[:, i]), atol=1e-15)


@pytest.mark.parametrize("out", ["sigmoid", "softmax"])
def test_fused_cross_entropy_delta_matches_the_jacobian_product(out):
    rng = np.random.default_rng(3)
    net = Network([3, 4], activation=out, cost="cross_entropy", seed=3)
    X = rng.normal(size=(3, 6))
    Y = np.eye(4)[:, rng.integers(0, 4, 6)]
    (fwd,) = list(net.forward(X))
    (ev,) = list(net.backward(Y))
    assert ev.fused
    act = net.activations[-1]
    unfused = act.vjp(fwd.z, fwd.a, net.cost_fn.grad_a(fwd.a, Y))
    np.testing.assert_allclose(ev.delta, unfused, rtol=1e-10, atol=1e-12)


def test_cost_is_the_mean_plus_l2_on_weights_only():
    net = Network([2, 3, 1], l2=0.3, seed=4)
    X = np.random.default_rng(4).normal(size=(2, 5))
    Y = np.random.default_rng(5).random((1, 5))
    a = net.predict(X)
    expected = np.mean(0.5 * np.sum((a - Y) ** 2, axis=0)) + 0.15 * sum(
        np.sum(W**2) for W in net.weights
    )
    assert net.cost(X, Y) == pytest.approx(expected, rel=1e-12)


def test_momentum_and_adam_match_hand_written_references():
    X = np.random.default_rng(6).normal(size=(2, 4))
    Y = np.random.default_rng(7).random((1, 4))
    for name in ("momentum", "adam"):
        net = Network([2, 2, 1], optimizer=name, seed=5)
        W, b = net.get_params()
        state = [[np.zeros_like(p) for p in W + b] for _ in range(2)]
        for t in range(1, 4):
            gW, gb = net.gradients(X, Y)
            net.train_batch(X, Y, 0.1)
            for i, (p, g) in enumerate(zip(W + b, gW + gb, strict=True)):
                if name == "momentum":
                    state[0][i] = 0.9 * state[0][i] - 0.1 * g
                    p += state[0][i]
                else:
                    state[0][i] = 0.9 * state[0][i] + 0.1 * g
                    state[1][i] = 0.999 * state[1][i] + 0.001 * g * g
                    mh = state[0][i] / (1 - 0.9**t)
                    vh = state[1][i] / (1 - 0.999**t)
                    p -= 0.1 * mh / (np.sqrt(vh) + 1e-8)
        for ours, ref in zip(net.weights + net.biases, W + b, strict=True):
            np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_fit_learns_xor():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], float)
    Y = np.array([[0, 1, 1, 0]], float)
    net = Network([2, 3, 1], seed=0)
    history = net.fit(X, Y, epochs=3000, batch_size=4, lr=2.0)
    assert history["train_cost"][-1] < 2e-3
    assert net.accuracy(X, Y) == 1.0


def test_fit_reaches_90_percent_on_digits_and_is_reproducible():
    from bpstep.datasets import load_dataset

    d = load_dataset("digits")
    runs = []
    for _ in range(2):
        net = Network([64, 30, 10], seed=0)
        h = net.fit(
            d.X_train, d.Y_train, epochs=10, batch_size=10, lr=3.0, X_test=d.X_test, Y_test=d.Y_test
        )
        runs.append(net.weights[0].copy())
    assert h["test_accuracy"][-1] >= 0.90
    assert len(h["test_cost"]) == 10 and len(h["train_cost"]) == 10
    assert np.array_equal(runs[0], runs[1])


def test_fit_stops_when_asked():
    net = Network([2, 2, 1])
    X = np.zeros((2, 40))
    Y = np.zeros((1, 40))
    calls = []
    h = net.fit(
        X,
        Y,
        epochs=50,
        batch_size=4,
        lr=0.1,
        should_stop=lambda: len(calls) > 0,
        callback=lambda e, hist: calls.append(e),
    )
    assert len(h["epoch"]) == 1


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"sizes": [2]}, "at least two"),
        ({"sizes": [2, 0, 1]}, "positive integers"),
        ({"sizes": [2, 3, 1], "activation": "swish"}, "accepted: sigmoid"),
        ({"sizes": [2, 3, 1], "activation": ["softmax", "sigmoid"]}, "output layer"),
        ({"sizes": [2, 3, 1], "activation": ["tanh"]}, "one per layer"),
        ({"sizes": [2, 3, 1], "cost": "hinge"}, "accepted: quadratic"),
        ({"sizes": [2, 3, 1], "activation": "tanh", "cost": "cross_entropy"}, "sigmoid or softmax"),
        ({"sizes": [2, 3, 1], "l2": -1}, "≥ 0"),
        ({"sizes": [2, 3, 1], "optimizer": "rmsprop"}, "accepted: sgd"),
        ({"sizes": [2, 3, 1], "init": "zeros"}, "accepted: normal"),
    ],
)
def test_bad_configuration_is_refused_in_one_line(kwargs, fragment):
    sizes = kwargs.pop("sizes")
    with pytest.raises(ConfigError) as info:
        Network(sizes, **kwargs)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("lr", [0, -1, float("nan"), float("inf")])
def test_bad_learning_rate_is_refused(lr):
    net = Network([2, 2, 1])
    with pytest.raises(ConfigError, match="learning rate"):
        net.fit(np.zeros((2, 2)), np.zeros((1, 2)), epochs=1, batch_size=1, lr=lr)


@pytest.mark.parametrize("init", ["normal", "xavier", "he"])
def test_initialisations_have_the_stated_scale(init):
    net = Network([400, 300, 10], init=init, seed=0)
    W = net.weights[0]
    expected = {"normal": 1 / 400, "xavier": 2 / 700, "he": 2 / 400}[init]
    assert W.var() == pytest.approx(expected, rel=0.05)
    assert W.shape == (300, 400) and net.biases[0].shape == (300, 1)
