"""Snapshot tests of the pictures (issue 13): the network as a graph, heatmaps with their colour
bar and one scale for all layers, W¹'s rows as pictures, the cost curve that tells overfitting;
at 80×24, 140×40 and 200×60, in colour and without (NO_COLOR). SVGs in __snapshots__/,
``pytest --snapshot-update`` after looking at the new pictures (rsvg-convert or a browser)."""

from __future__ import annotations

import pytest

from bpstep.session import Session, build_config
from bpstep.tui.app import BpstepApp

SMALL, MEDIUM, LARGE = (80, 24), (140, 40), (200, 60)


def colours(monkeypatch, which: str) -> None:
    """In colour, or monochrome as NO_COLOR=1 gives it (read when the app is made)."""
    if which == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)


def app_for(preset: str, **kw) -> BpstepApp:
    return BpstepApp(Session(build_config(preset, **kw)))


async def settle(pilot) -> None:
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.running:
            return


def trained(epochs: int, *keys: str):
    """Train ``epochs`` epochs, then press ``keys``; the run's summary (its time varies) is
    replaced by a fixed message."""

    async def run_before(pilot) -> None:
        await pilot.press("t")
        await pilot.pause()
        pilot.app.screen.query_one("#prompt-input").value = str(epochs)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        pilot.app.say("(the run's summary names its time, which varies)")
        await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("size", "which"),
    [(SMALL, "colour"), (MEDIUM, "colour"), (LARGE, "colour"), (SMALL, "no_color")],
)
def test_graph_of_xor_at_a_backward_stop(snap_compare, monkeypatch, size, which):
    # backward m = 2: ∂Ĵ/∂W² on the edges, layer 1's not reached yet (grey, dotted)
    colours(monkeypatch, which)
    assert snap_compare(app_for("xor"), press=["n"] * 4, terminal_size=size)


def test_graph_of_a_4_8_3_net_after_training(snap_compare, monkeypatch):
    colours(monkeypatch, "colour")
    app = app_for("xor", data="iris", layers=[4, 8, 3], lr=0.5, batch_size=10)
    assert snap_compare(app, run_before=trained(30, "n"), terminal_size=LARGE)


@pytest.mark.parametrize(
    ("size", "which"), [(SMALL, "colour"), (MEDIUM, "colour"), (MEDIUM, "no_color")]
)
def test_weights_of_the_first_layer_as_pictures(snap_compare, monkeypatch, size, which):
    # after 3 epochs of the digits: W¹'s 30 rows as 8×8 pictures, with their colour bar
    colours(monkeypatch, which)
    keys = ("n", "shift+tab", "shift+tab", "shift+tab", "v")
    assert snap_compare(app_for("digits"), run_before=trained(3, *keys), terminal_size=size)


@pytest.mark.parametrize("which", ["colour", "no_color"])
def test_one_scale_makes_the_vanishing_delta_faint(snap_compare, monkeypatch, which):
    # backward m = 1 of 64-30-30-30-30-10, all samples, δ¹ on the scale of every layer's δ
    colours(monkeypatch, which)
    keys = ["n"] * 11 + ["left_curly_bracket", "s"]
    assert snap_compare(app_for("vanishing"), press=keys, terminal_size=MEDIUM)


@pytest.mark.parametrize("which", ["colour", "no_color"])
def test_the_cost_curve_tells_overfitting(snap_compare, monkeypatch, which):
    # 120 epochs on 100 digits: the lowest test cost marked (◆), then the last 60 epochs
    async def run_before(pilot) -> None:
        await trained(120)(pilot)
        await pilot.press("z")
        await pilot.pause()
        pilot.app.screen.query_one("#prompt-input").value = "60"
        await pilot.press("enter")
        await pilot.pause()

    colours(monkeypatch, which)
    assert snap_compare(app_for("overfit"), run_before=run_before, terminal_size=MEDIUM)
