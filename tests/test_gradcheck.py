"""Gradient checking: bands, sampling, restoring parameters, and catching a wrong gradient."""

from __future__ import annotations

import numpy as np
import pytest

import bpstep
from bpstep import Network
from bpstep.engine.gradcheck import band, relative_error


def test_bands_follow_cs231n():
    assert band(1e-9) == "good"
    assert band(1e-6) == "ok"
    assert band(1e-3) == "suspicious"
    assert band(0.5) == "wrong"
    assert band(float("nan")) == "wrong"


def test_relative_error_is_guarded_at_zero():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1.0, -1.0) == pytest.approx(1.0)


def test_gradcheck_passes_a_correct_network_and_restores_parameters():
    net = Network([3, 5, 2], activation=["tanh", "sigmoid"], l2=0.1, seed=0)
    X = np.random.default_rng(0).normal(size=(3, 4))
    Y = np.random.default_rng(1).random((2, 4))
    before = [W.copy() for W in net.weights]
    report = bpstep.gradcheck(net, X, Y)
    assert report.band == "good"
    assert len(report.checks) == 4  # W and b for both layers
    for a, b in zip(before, net.weights, strict=True):
        assert np.array_equal(a, b)


def test_gradcheck_samples_entries_of_big_layers():
    net = Network([50, 40, 3], seed=0)
    X = np.random.default_rng(0).normal(size=(50, 3))
    Y = np.random.default_rng(1).random((3, 3))
    report = bpstep.gradcheck(net, X, Y, max_entries=20, layers=[1])
    w = [c for c in report.checks if c.param == "W"][0]
    assert w.n_checked == 20 and w.n_total == 2000
    assert w.band == "good"


def test_gradcheck_catches_a_wrong_backward(monkeypatch):
    net = Network([2, 3, 1], seed=0)
    X = np.random.default_rng(0).normal(size=(2, 4))
    Y = np.random.default_rng(1).random((1, 4))
    real = net._hidden_delta

    def forgot_fprime(m, z, a, delta_next):  # the classic slip: δ^m without f′(z^m)
        delta, fprime = real(m, z, a, delta_next)
        return delta / fprime, fprime

    monkeypatch.setattr(net, "_hidden_delta", forgot_fprime)
    report = bpstep.gradcheck(net, X, Y)
    assert report.band == "wrong"
    assert {c.layer for c in report.checks if c.band == "wrong"} == {1}
