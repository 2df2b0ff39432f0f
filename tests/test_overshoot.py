"""Overshoot, seen (issue 12, section 5): the batch cost along the step direction, s from 0 to
3α, checked against a direct evaluation written here, and the ``o`` screen that plots it."""

from __future__ import annotations

import numpy as np
import pytest

from bpstep.engine.errors import OrderError
from bpstep.session import Phase, Session, StopId, build_config
from bpstep.session.overshoot import POINTS, line_scan
from bpstep.tui.app import BpstepApp
from bpstep.tui.screens.overshoot import OvershootScreen


def direct_cost(Ws, bs, X, Y, l2=0.0) -> float:
    """Ĵ of a sigmoid network with the quadratic cost, from the lesson's equations."""
    a = X
    for W, b in zip(Ws, bs, strict=True):
        a = 1.0 / (1.0 + np.exp(-(W @ a + b)))
    return 0.5 * float(((a - Y) ** 2).sum()) / X.shape[1] + 0.5 * l2 * sum(
        float((W**2).sum()) for W in Ws
    )


@pytest.mark.parametrize("overrides", [{}, {"l2": 0.05}])
def test_the_line_is_the_batch_cost_along_minus_the_gradient(overrides):
    s = Session(build_config("xor", **overrides))
    s.run_to(s.stops_per_iteration + 6)  # iteration 2, update m = 1
    scan = line_scan(s)
    # θ as iteration 2 started, and its gradients, from the session's own records
    W0 = [s.tensors(1)["W_before"], s.event_at(StopId(Phase.BACKWARD, 2)).W]
    b0 = [s.tensors(1)["b_before"], s.network.biases[1].copy()]  # layer 2 is not updated yet
    gW = [s.tensors(m)["grad_W"] for m in (1, 2)]
    gb = [s.tensors(m)["grad_b"] for m in (1, 2)]
    assert len(scan.steps) == POINTS and scan.steps[0] == 0 and scan.steps[-1] == 3 * 5.0
    for k in (0, 7, 20, 33, 60):
        st = scan.steps[k]
        Ws = [W - st * g for W, g in zip(W0, gW, strict=True)]
        bs = [b - st * g for b, g in zip(b0, gb, strict=True)]
        want = direct_cost(Ws, bs, s.X_batch, s.Y_batch, s.config.l2)
        assert np.isclose(scan.costs[k], want, rtol=1e-12), (k, scan.costs[k], want)
    assert scan.start == s.stop.batch_cost  # s = 0: the cost stop's Ĵ


def test_at_alpha_is_where_gradient_descent_lands():
    s = Session(build_config("xor"))
    s.run_to(s.stops_per_iteration)  # the end of the iteration: every layer updated
    scan = line_scan(s)
    after = s.network.cost(s.X_batch, s.Y_batch)  # Ĵ on this batch with θ after the step
    assert np.isclose(scan.at_alpha, after, rtol=1e-12)


def test_a_too_large_alpha_on_the_digits_goes_uphill():
    s = Session(build_config("digits", lr=30.0))
    s.run_to(s.stops_per_iteration + 2 * s.L + 1)  # iteration 2, its last backward stop
    scan = line_scan(s)
    assert scan.at_alpha > scan.start
    best, low = scan.lowest
    assert best < 0.3 * scan.alpha and low <= scan.start
    assert scan.verdict().startswith("the step goes uphill (0.4795 → 0.5069)")


def test_the_preset_xor_alpha_undershoots_on_its_first_batch():
    s = Session(build_config("xor"))
    s.run_to(6)
    scan = line_scan(s)
    assert scan.lowest[0] == scan.steps[-1] and "undershoots" in scan.verdict()


def test_before_the_gradients_are_known_there_is_no_line():
    s = Session(build_config("xor"))
    s.run_to(4)  # backward m = 2: ∂Ĵ/∂W¹ not known yet
    with pytest.raises(OrderError, match="at an update stop"):
        line_scan(s)


async def test_o_plots_the_line_at_an_update_stop_and_explains_elsewhere():
    app = BpstepApp(Session(build_config("xor")))
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("n", "o")
        await pilot.pause()
        assert not isinstance(app.screen, OvershootScreen)
        assert "o: the step's direction needs every gradient" in str(
            app.query_one("#message").render()
        )
        await pilot.press("n", "n", "n", "n", "n", "o")  # update m = 1
        await pilot.pause()
        assert isinstance(app.screen, OvershootScreen)
        scan = app.screen.scan
        assert np.array_equal(scan.costs, line_scan(app.session).costs)
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert f"J(0) = {scan.start:.6g}" in text and f"J(α) = {scan.at_alpha:.6g}" in text
        assert "α = 5 marked" in text and "undershoots" in text and "Ĵ" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OvershootScreen)
