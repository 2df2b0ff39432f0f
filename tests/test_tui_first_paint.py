"""``bpstep`` paints the debugger's frame first and mounts its costliest panes right after."""

from __future__ import annotations

from bpstep.session import Phase, Session, StopId, build_config
from bpstep.tui.app import BpstepApp


def screen_text(app: BpstepApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_frame_comes_first_then_every_pane_and_the_keys():
    app = BpstepApp(Session(build_config("xor")), frame_first=True)
    async with app.run_test(size=(140, 45)) as pilot:
        first = app.query("#tensors-frame, #costs-frame")
        assert first and not app.ready  # the first frame: their empty boxes, keys not yet on
        assert app.check_action("step", ()) is None and app.check_action("quit", ())
        await pilot.pause()
        assert app.ready
        assert not app.query("#tensors-frame, #costs-frame")
        text = screen_text(app)
        assert "layer m = 1" in text and "epoch J" in text and "steps forward" in text
        await pilot.press("n")
        assert app.session.stop.id == StopId(Phase.FORWARD, 1)
        assert "z¹ = W¹ a⁰ + b¹" in screen_text(app)
