"""What a key costs the screen (issue 15): stepping repaints the panes it changes without laying
the screen out again, and held keys draw only the stop they end on.

These count what happens (layouts, repaints of the stop); the times are in
``benchmarks/bench_terminal.py`` and ``benchmarks/bench_keys.py``, not here.
"""

from __future__ import annotations

import pytest
from test_tui import SIZE, make_app, text_of
from textual import events

from bpstep.tui.app import BpstepApp
from bpstep.tui.widgets.tensor_picture import TensorPicture


def count_layouts(app: BpstepApp) -> list[int]:
    """A counter of the screen's layout passes from now on."""
    screen = app.screen
    original = screen._refresh_layout
    count = [0]

    def counted(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    screen._refresh_layout = counted
    return count


# digits at 200×60: every heatmap fits its area there (at 140×45 W¹'s 30 rows scroll, ΔW²'s 10
# do not: the scroll bar that comes and goes is a layout of its own)
@pytest.mark.parametrize(("preset", "size"), [("xor", SIZE), ("digits", (200, 60))])
async def test_stepping_lays_the_screen_out_only_where_the_tensors_view_changes(preset, size):
    """The numbers and heatmaps keep their area, the equation pane its height where the
    equations take as many lines (every stop of xor and digits at these sizes): after the first
    iteration a step is a repaint. Only a change between numbers and a heatmap (another widget
    shown) or a new batch (the input pane's list of samples) lays the screen out."""
    app = make_app(preset)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        stops = app.session.stops_per_iteration
        for _ in range(stops):  # the first iteration: each pane meets its tallest content
            await pilot.press("n")
        await pilot.pause()
        layouts = count_layouts(app)
        picture = app.query_one(TensorPicture)
        changed, laid_out = [], []
        for key in (["n"] * 5 + ["p"]) * 4:
            view, before = picture.mode, layouts[0]
            batch = app.session.batch_indices.tobytes()
            await pilot.press(key)
            await pilot.pause()
            # a new batch: the input pane may fold its list of samples anew
            changed.append(picture.mode != view or app.session.batch_indices.tobytes() != batch)
            laid_out.append(layouts[0] > before)
        assert [lay for lay, change in zip(laid_out, changed, strict=True) if not change] == [
            False
        ] * changed.count(False)
        assert laid_out.count(True) <= changed.count(True)


async def test_the_equation_pane_is_as_tall_as_its_lines_whatever_the_way_there():
    """No height kept from earlier stops: the screen at a stop is the same however it was
    reached (the soak test compares a long session's last screen with a clean run's). At
    80×24 the backward stops fold into more lines than the forward ones, and give them back."""
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        heights = {}
        for _ in range(app.session.stops_per_iteration + 1):
            await pilot.press("n")
            await pilot.pause()
            heights[str(app.session.stop.id)] = app.query_one("#equation").size.height
        assert heights["backward m=1"] > heights["forward m=1"]
        for _ in range(3):
            await pilot.press("p")
            await pilot.pause()
        assert str(app.session.stop.id) == "backward m=1"
        assert app.query_one("#equation").size.height == heights["backward m=1"]
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
        assert app.query_one("#equation").size.height == heights["forward m=1"]


async def test_held_keys_step_at_each_press_and_draw_the_stop_they_end_on():
    """Twenty n waiting at once (a held key faster than a repaint): the session takes every
    one, the screen is drawn once or a few times, and it shows the last stop."""
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        drawn = [0]
        original = app.refresh_view

        def counted() -> None:
            drawn[0] += 1
            original()

        app.refresh_view = counted  # type: ignore[method-assign]
        for _ in range(20):
            app.post_message(events.Key("n", "n"))
        await pilot.pause()
        await pilot.pause()
        assert app.session.index == 20
        assert drawn[0] < 20
        # 20 stops at xor's 7 an iteration (one an epoch): the 6th of the third, update m = 1
        assert "epoch 3 · it. 1/1 · update m=1" in text_of(app, "#network")


@pytest.mark.parametrize(("given", "expected"), [(None, "120"), ("30", "30")])
def test_bpstep_paints_at_120_frames_a_second_unless_told_otherwise(monkeypatch, given, expected):
    """Textual's default 60 adds up to 17 ms to a key; the user's own TEXTUAL_FPS is kept."""
    import bpstep.tui.app
    from bpstep import cli

    monkeypatch.setenv("TEXTUAL_FPS", given or "")  # and so put back as it was afterwards
    if given is None:
        monkeypatch.delenv("TEXTUAL_FPS")
    seen = {}

    def run_tui(session, grads_path=None, quiz=False) -> int:
        import os

        seen["fps"] = os.environ.get("TEXTUAL_FPS")
        return 0

    monkeypatch.setattr(bpstep.tui.app, "run_tui", run_tui)
    assert cli.main([]) == 0
    assert seen["fps"] == expected
