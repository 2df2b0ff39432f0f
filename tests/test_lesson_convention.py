"""The lesson's own convention on the screen (issue 12, section 2): the ``lesson`` preset is the
lesson's literal case and matches a hand computation without 1/n; the equations say J when
λ = 0, give the bias gradient, and relate a batch's step to the lesson's one-sample step."""

from __future__ import annotations

import numpy as np

from bpstep.notation import equation, lesson_note, tensor_label
from bpstep.session import Phase, Session, StopId, build_config
from bpstep.session.tensors import label


def sigma(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_lesson_preset_equals_a_hand_computation_without_one_over_n():
    """Two iterations of the lesson's equations, by hand: forward, δᴸ = f′(zᴸ) ⊙ (a − y),
    δ¹ = f′(z¹) ⊙ (W²)ᵀ δ², W ← W − α δ (a)ᵀ, b ← b − α δ: one sample, no 1/n anywhere."""
    s = Session(build_config("lesson"))
    assert s.batch_size == 1 and s.config.l2 == 0 and s.config.optimizer == "sgd"
    alpha = s.config.lr
    W = [w.copy() for w in s.network.weights]
    b = [v.copy() for v in s.network.biases]
    for _ in range(2):
        s.step()
        x, y = s.X_batch, s.Y_batch  # one column: one sample
        assert x.shape == (2, 1)
        z1 = W[0] @ x + b[0]
        a1 = sigma(z1)
        z2 = W[1] @ a1 + b[1]
        a2 = sigma(z2)
        d2 = a2 * (1 - a2) * (a2 - y)  # f′(z²) ⊙ ∂J/∂a, J = ½ (a − y)²
        d1 = a1 * (1 - a1) * (W[1].T @ d2)
        grads = {2: (d2 @ a1.T, d2), 1: (d1 @ x.T, d1)}
        s.run_to(s.index + s.stops_per_iteration - 1)  # to the last update of the iteration
        for m, (gW, gb) in grads.items():
            t = s.tensors(m)
            np.testing.assert_allclose(t["grad_W"], gW, rtol=1e-13, atol=1e-17)
            np.testing.assert_allclose(t["grad_b"], gb, rtol=1e-13, atol=1e-17)
            W[m - 1] = W[m - 1] - alpha * gW
            b[m - 1] = b[m - 1] - alpha * gb
            np.testing.assert_allclose(t["W"], W[m - 1], rtol=1e-13, atol=1e-17)
            np.testing.assert_allclose(t["b"], b[m - 1], rtol=1e-13, atol=1e-17)
        np.testing.assert_allclose(s.tensors(2)["delta"], d2, rtol=1e-13)
        np.testing.assert_allclose(s.tensors(1)["delta"], d1, rtol=1e-13)
        np.testing.assert_allclose(s.tensors(1)["z"], z1, rtol=1e-13)
        # the batch cost is one sample's C = ½ (a − y)²: J = C, no mean
        np.testing.assert_allclose(
            s.stop.batch_cost, 0.5 * float(((a2 - y) ** 2).sum()), rtol=1e-13
        )


def test_lesson_preset_equations_write_no_one_over_n():
    s = Session(build_config("lesson"))
    s.run_to(s.L + 2)  # backward m = 2
    eq, shapes = equation(s.stop.event, s.network)
    assert "∂J/∂W² = δ² (a¹)ᵀ" in eq and "∂J/∂b² = δ²" in eq and "1/" not in eq
    s.run_to(s.stops_per_iteration)
    assert lesson_note(s.stop.event, s.batch_size) is None  # n = 1: the lesson's step itself


def test_backward_stop_gives_the_bias_gradients_equation():
    s = Session(build_config("xor"))
    s.run_to(5)  # backward m = 1, n = 4
    eq, shapes = equation(s.stop.event, s.network)
    assert "∂J/∂W¹ = (1/4) δ¹ (a⁰)ᵀ" in eq and "∂J/∂b¹ = (1/4) Σᵢ δ¹ᵢ" in eq
    assert "(3×1) = Σᵢ (3×1)" in shapes


def test_J_when_lambda_is_0_and_J_hat_when_it_is_greater():
    plain = Session(build_config("xor"))
    plain.run_to(3)
    eq, shapes = equation(plain.stop.event, plain.network)
    assert eq.startswith("J = (1/n) Σᵢ Cᵢ") and "Ĵ" not in eq + shapes
    plain.run_to(7)
    assert "Ĵ" not in " ".join(equation(plain.stop.event, plain.network))
    assert tensor_label("grad_W", 2, regularised=False) == "∂J/∂W²"
    reg = Session(build_config("xor", l2=0.1))
    reg.run_to(3)
    assert equation(reg.stop.event, reg.network)[0].startswith("Ĵ = (1/n) Σᵢ Cᵢ + (λ/2)")
    assert tensor_label("grad_W", 2) == "∂Ĵ/∂W²"


def test_update_stop_relates_the_batch_mean_to_the_lessons_one_sample_step():
    s = Session(build_config("xor"))
    s.run_to(6)  # update m = 1, n = 4
    note = lesson_note(s.stop.event, s.batch_size, regularised=False)
    assert note == "n = 4: this step is the mean of the lesson's 4 one-sample steps α δ¹ᵢ(a⁰ᵢ)ᵀ"
    # and it is: the mean of the four one-sample steps
    t = s.tensors(1)
    ev = s.event_at(StopId(Phase.BACKWARD, 1))
    one_sample = [np.outer(ev.delta[:, i], ev.a_prev[:, i]) for i in range(4)]
    np.testing.assert_allclose(t["dW"], -5.0 * np.mean(one_sample, axis=0), rtol=1e-10)


def test_update_stop_lists_W_before_the_step_and_W_after_in_that_order():
    s = Session(build_config("xor"))
    s.run_to(6)
    t = s.tensors(1)
    names = list(t)
    assert names[-6:] == ["W_before", "b_before", "dW", "db", "W", "b"]
    labels = [label(n, 1, t, regularised=False) for n in names[-6:]]
    assert labels == ["W¹ before", "b¹ before", "ΔW¹", "Δb¹", "W¹ after", "b¹ after"]
    assert label("W", 2, s.tensors(2)) == "W²"  # layer 2 is not updated yet


def test_with_a_batch_every_stop_relates_itself_to_the_lessons_one_sample():
    """One line at every stop (so that the equation pane keeps its height while stepping)."""
    s = Session(build_config("xor"))
    notes = [lesson_note(None, 4, regularised=False)]
    for _ in range(s.stops_per_iteration):
        s.step()
        notes.append(lesson_note(s.stop.event, 4, regularised=False))
    assert all(note and note.startswith(("n = 4: ", "each iteration")) for note in notes)
    assert notes[1] == "n = 4: each column is one sample's z¹ = W¹ a⁰ + b¹, as in the lesson"
    assert notes[3] == "n = 4: the 4 samples' Cᵢ are averaged (the lesson's J is one sample's C)"
    assert "∂J/∂W² averages the 4 one-sample δ²ᵢ(a¹ᵢ)ᵀ" in notes[4]
