"""The screen a learner can read in any terminal (issue 13): no crash without colours, nothing cut
at 80×24, no stale text. Each test drives the app as a user does (Pilot) and reads the screen."""

from __future__ import annotations

import pytest

from bpstep.session import Session, build_config
from bpstep.tui.app import BpstepApp

SIZES = [(80, 24), (140, 40), (200, 60)]


def make_app(preset: str = "xor", grads: str | None = None, **kw) -> BpstepApp:
    return BpstepApp(Session(build_config(preset, **kw)), grads)


def screen_lines(app: BpstepApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: BpstepApp) -> str:
    return "\n".join(screen_lines(app))


@pytest.mark.parametrize("preset", ["digits", "overfit"])
@pytest.mark.parametrize("size", [(80, 24), (140, 40)])
async def test_no_color_gives_a_working_monochrome_screen(monkeypatch, preset, size):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(preset)
    async with app.run_test(size=size) as pilot:
        for key in ["n", "n", "n", "n", "tab", "n", "n"]:
            await pilot.press(key)
            await pilot.pause()
        assert app.no_color
        assert app.is_running, "the app died under NO_COLOR"
        text = screen_text(app)
        assert "layer m =" in text and "Traceback" not in text
    assert app.return_code in (0, None)
