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
    """The equation pane keeps its tallest height, the numbers and heatmaps their area, the
    input pane its lines: after the first iteration (the panes find their sizes) a step is a
    repaint. Only a change between numbers and a heatmap shows another widget."""
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
            await pilot.press(key)
            await pilot.pause()
            changed.append(picture.mode != view)
            laid_out.append(layouts[0] > before)
        assert [lay for lay, change in zip(laid_out, changed, strict=True) if not change] == [
            False
        ] * changed.count(False)
        if preset == "xor":  # numbers at every stop
            assert not any(changed) and not any(laid_out)


async def test_the_equation_pane_shrinks_again_after_a_resize():
    """It grows and stays so while stepping, but fits its lines anew at a new width."""
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(app.session.stops_per_iteration):
            await pilot.press("n")
        await pilot.pause()
        tallest = app.query_one("#equation").size.height
        await pilot.press("n")  # forward m = 1 of the next iteration: a short equation
        await pilot.pause()
        assert app.query_one("#equation").size.height == tallest
        await pilot.resize_terminal(200, 45)
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#equation").size.height <= tallest
        assert "z¹ = W¹" in text_of(app, "#equation")


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
