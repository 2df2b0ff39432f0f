"""The stepping passes: events in order with their equations' inputs, order errors, optimisers,
and bit-identity with the fast path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_engine_gradients import problems  # tests/ is on sys.path (rootdir conftest)

from bpstep import Network, OrderError
from bpstep.engine.activations import ACTIVATIONS

OPTIMIZERS = ["sgd", "momentum", "adam"]


def remake(net, **kw):
    args = dict(
        activation=net.activation_names, cost=net.cost_name, l2=net.l2, seed=net.seed, init="he"
    )
    args.update(kw)
    return Network(net.sizes, **args)


@given(problems())
def test_each_pass_yields_exactly_L_events_in_order_with_their_inputs(problem):
    net, X, Y = problem
    L, n = net.L, X.shape[1]
    fwd = list(net.forward(X))
    assert [ev.layer for ev in fwd] == list(range(1, L + 1))
    a_prev = X
    for ev in fwd:
        assert ev.a_prev is a_prev or np.array_equal(ev.a_prev, a_prev)
        np.testing.assert_allclose(ev.z, ev.W @ ev.a_prev + ev.b, rtol=1e-12, atol=1e-12)
        assert np.array_equal(ev.a, net.activations[ev.layer - 1].f(ev.z))
        a_prev = ev.a
    bwd = list(net.backward(Y))
    assert [ev.layer for ev in bwd] == list(range(L, 0, -1))
    for ev in bwd:
        assert ev.delta.shape == (net.sizes[ev.layer], n) and ev.batch_size == n
        assert ev.l2 == net.l2
        if ev.layer == L:
            assert ev.W_next is None and ev.delta_next is None
            assert ev.fused == (net.cost_name == "cross_entropy")
            assert (ev.dC_da is None) == ev.fused
        else:
            assert ev.dC_da is None and not ev.fused
            assert np.array_equal(ev.delta, ev.fprime * (ev.W_next.T @ ev.delta_next))
        expect_gW = ev.delta @ ev.a_prev.T / n + net.l2 * ev.W
        np.testing.assert_allclose(ev.grad_W, expect_gW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ev.grad_b, ev.delta.mean(axis=1, keepdims=True), atol=1e-15)
    upd = list(net.update(0.25))
    assert [ev.layer for ev in upd] == list(range(1, L + 1))


@given(problems(), st.floats(1e-3, 3.0))
def test_sgd_update_is_the_formula_and_each_layer_is_updated_when_yielded(problem, lr):
    net, X, Y = problem
    W0, b0 = net.get_params()
    list(net.forward(X))
    grads = {ev.layer: (ev.grad_W.copy(), ev.grad_b.copy()) for ev in net.backward(Y)}
    for ev in net.update(lr):
        m = ev.layer
        gW, gb = grads[m]
        assert np.array_equal(net.weights[m - 1], W0[m - 1] - lr * gW)
        assert np.array_equal(net.biases[m - 1], b0[m - 1] - lr * gb)
        for later in range(m + 1, net.L + 1):  # not yet
            assert np.array_equal(net.weights[later - 1], W0[later - 1])
        assert np.array_equal(ev.W_before, W0[m - 1]) and np.array_equal(
            ev.W_after, net.weights[m - 1]
        )
        assert np.array_equal(ev.grad_W, gW) and ev.lr == lr and ev.optimizer == "sgd"
        assert not ev.W_after.flags.writeable and not ev.W_before.flags.writeable


@given(problems(), st.sampled_from(OPTIMIZERS), st.integers(1, 3))
def test_stepping_and_train_batch_are_bit_identical(problem, optimizer, iterations):
    net, X, Y = problem
    stepped = remake(net, optimizer=optimizer)
    fast = stepped.copy()
    costs = []
    for _ in range(iterations):
        list(stepped.forward(X))
        costs.append(stepped.forward_cost(Y))
        list(stepped.backward(Y))
        list(stepped.update(0.3))
        assert fast.train_batch(X, Y, 0.3) == costs[-1]
    for a, b in zip(stepped.weights + stepped.biases, fast.weights + fast.biases, strict=True):
        assert np.array_equal(a, b)
    s1, s2 = stepped.optimizer.state_dict(), fast.optimizer.state_dict()
    assert s1.keys() == s2.keys()
    for k in s1:
        assert np.array_equal(s1[k], s2[k])


@given(problems())
def test_backward_twice_gives_the_same_numbers(problem):
    net, X, Y = problem
    list(net.forward(X))
    first = [(ev.delta.copy(), ev.grad_W.copy(), ev.grad_b.copy()) for ev in net.backward(Y)]
    second = [(ev.delta, ev.grad_W, ev.grad_b) for ev in net.backward(Y)]
    for a, b in zip(first, second, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


@given(problems(), st.integers(1, 10_000))
def test_fused_output_delta_equals_the_jacobian_vector_product(problem, seed):
    net, X, Y = problem
    out = net.activation_names[-1]
    if out not in ("sigmoid", "softmax"):
        out = "sigmoid"
    if out == "softmax" and net.sizes[-1] == 1:
        return
    net = remake(net, activation=[*net.activation_names[:-1], out], cost="cross_entropy")
    rng = np.random.default_rng(seed)
    if out == "softmax":
        Y = np.eye(net.sizes[-1])[:, rng.integers(0, net.sizes[-1], X.shape[1])]
    else:
        Y = rng.integers(0, 2, (net.sizes[-1], X.shape[1])).astype(float)
    fwd = list(net.forward(X))[-1]
    ev = next(iter(net.backward(Y)))
    assert ev.fused
    # the unfused chain: explicit Jacobian (softmax) or f′ ⊙ ∂C/∂a (sigmoid), column by column
    with np.errstate(all="ignore"):
        dC_da = net.cost_fn.grad_a(fwd.a, Y)
    for i in range(X.shape[1]):
        if not np.isfinite(dC_da[:, i]).all():
            # σ saturated to exactly 0 or 1 in float64: (a − y)/(a(1 − a)) is 0/0 there, the
            # unfused chain has no value to compare with (the reason bpstep fuses δᴸ = a − y)
            continue
        a = fwd.a[:, i]
        J = np.diag(a) - np.outer(a, a) if out == "softmax" else np.diag(a * (1 - a))
        np.testing.assert_allclose(ev.delta[:, i], J.T @ dC_da[:, i], rtol=1e-8, atol=1e-10)


def test_softmax_vjp_is_the_jacobian_product():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 4))
    sm = ACTIVATIONS["softmax"]
    a = sm.f(z)
    assert sm.fprime(z, a) is None
    for i in range(4):
        J = np.diag(a[:, i]) - np.outer(a[:, i], a[:, i])
        np.testing.assert_allclose(sm.vjp(z, a, g)[:, i], J.T @ g[:, i], atol=1e-15)


def test_sigmoid_is_stable_for_large_inputs():
    sig = ACTIVATIONS["sigmoid"]
    with np.errstate(all="raise"):
        a = sig.f(np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]]))
    np.testing.assert_allclose(a, [[0.0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-30)), 1.0]])


@pytest.mark.filterwarnings("error")
def test_passes_do_not_warn_on_overflow():
    net = Network([2, 3, 1], seed=0)
    X = np.array([[1e6, -1e6], [1e6, 3.0]])
    list(net.forward(X))
    list(net.backward(np.array([[0.0, 1.0]])))
    net.train_batch(X, np.array([[0.0, 1.0]]), 0.1)


@given(problems(), st.sampled_from(["momentum", "adam"]))
def test_momentum_and_adam_match_a_hand_written_reference(problem, optimizer):
    net, X, Y = problem
    net = remake(net, optimizer=optimizer)
    params = [p.copy() for p in net.weights + net.biases]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    lr = 0.05
    for t in range(1, 4):
        ref = Network(net.sizes, net.activation_names, net.cost_name, net.l2)
        ref.set_params(params[: net.L], params[net.L :])
        gW, gb = ref.gradients(X, Y)
        list(net.forward(X))
        list(net.backward(Y))
        list(net.update(lr))
        for i, g in enumerate(gW + gb):
            if optimizer == "momentum":
                m1[i] = 0.9 * m1[i] - lr * g
                params[i] = params[i] + m1[i]
            else:
                m1[i] = 0.9 * m1[i] + 0.1 * g
                m2[i] = 0.999 * m2[i] + 0.001 * g**2
                step = (m1[i] / (1 - 0.9**t)) / (np.sqrt(m2[i] / (1 - 0.999**t)) + 1e-8)
                params[i] = params[i] - lr * step
    for ours, theirs in zip(net.weights + net.biases, params, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


def test_out_of_order_calls_raise_order_error_with_a_clear_message():
    net = Network([2, 3, 1])
    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    with pytest.raises(OrderError, match="backward needs a complete forward pass"):
        net.backward(Y)
    with pytest.raises(OrderError, match="update needs a complete backward pass"):
        net.update(0.1)
    gen = net.forward(X)
    next(gen)  # a forward pass stopped half-way is not complete
    with pytest.raises(OrderError, match="forward"):
        net.backward(Y)
    list(net.forward(X))
    gen = net.backward(Y)
    next(gen)
    with pytest.raises(OrderError, match="backward"):
        net.update(0.1)
    list(gen)
    list(net.update(0.1))
    with pytest.raises(OrderError, match="forward"):  # the cached pass used the old parameters
        net.backward(Y)
    with pytest.raises(OrderError, match="forward"):
        net.forward_cost(Y)
    assert "\n" not in str(OrderError("x"))


def test_events_keep_the_parameters_they_were_computed_with_after_an_update():
    net = Network([3, 4, 2], seed=1)
    X = np.random.default_rng(0).normal(size=(3, 5))
    Y = np.random.default_rng(1).random((2, 5))
    fwd = list(net.forward(X))
    bwd = list(net.backward(Y))
    before = [W.copy() for W in net.weights]
    list(net.update(0.5))
    assert not np.array_equal(net.weights[0], before[0])  # the update did change W
    for ev in fwd:
        np.testing.assert_array_equal(ev.W, before[ev.layer - 1])
        np.testing.assert_allclose(ev.z, ev.W @ ev.a_prev + ev.b)  # still its own equation
    for ev in bwd:
        np.testing.assert_array_equal(ev.W, before[ev.layer - 1])
        if ev.layer < net.L:
            np.testing.assert_array_equal(ev.W_next, before[ev.layer])
    with pytest.raises(ValueError):
        fwd[0].W[0, 0] = 1.0  # read-only: an event cannot change the network either
