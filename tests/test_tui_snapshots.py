"""Snapshot tests of what the screen shows (SVGs in __snapshots__/, `pytest --snapshot-update`).

The test extras pin Textual, Rich and plotext so that the pictures are reproducible.
"""

from __future__ import annotations

from bpstep.session import Session, build_config
from bpstep.tui.app import BpstepApp

SIZE = (140, 45)


def app_for(preset: str) -> BpstepApp:
    return BpstepApp(Session(build_config(preset)))


def test_xor_backward_stop(snap_compare):
    # forward 1, forward 2, cost, backward 2, backward 1
    assert snap_compare(app_for("xor"), press=["n"] * 5, terminal_size=SIZE)


def test_digits_after_an_epoch_at_a_forward_stop(snap_compare):
    async def run_before(pilot):
        await pilot.press("e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")  # forward m = 1 shows z¹, the tensor it computed
        pilot.app.say("(the run's summary names its time, which varies)")
        await pilot.pause()

    assert snap_compare(app_for("digits"), run_before=run_before, terminal_size=SIZE)


def test_help_screen(snap_compare):
    assert snap_compare(app_for("xor"), press=["question_mark"], terminal_size=SIZE)


def test_small_terminal(snap_compare):
    assert snap_compare(app_for("xor"), press=["n"] * 4, terminal_size=(80, 24))


def test_digits_weights_heatmap(snap_compare):
    # W¹ of 64-30-10 (30×64) is too big for numbers: a heatmap with its cursor line
    # (the forward stop shows z¹ first; shift+tab three times goes back to W¹)
    keys = ["n", "shift+tab", "shift+tab", "shift+tab", "h", "down", "right"]
    assert snap_compare(app_for("digits"), press=keys, terminal_size=SIZE)
