"""The UserGradsPanel on its own: the learner's values beside the engine's, the difference map."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from rich.console import Console
from textual.app import App, ComposeResult

from bpstep.session import Phase, Session, build_config
from bpstep.session.usergrads import check_event, load_user_module
from bpstep.tui.widgets.user_grads import PALETTE, UserGradsPanel, difference_map, side_by_side

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def findings_at_first_backward_stop(path, preset="xor", layer=None):
    s = Session(build_config(preset))
    um = load_user_module(path)
    while True:
        s.step()
        if s.stop.phase is Phase.BACKWARD and (layer is None or s.stop.layer == layer):
            return check_event(um, s.stop.event, s.network, s.X_batch, s.Y_batch)


def plain(renderable, width=120) -> str:
    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.export_text()


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield UserGradsPanel(id="grads")


def screen(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_panel_shows_each_state():
    bug = findings_at_first_backward_stop(EXAMPLES / "grads_bug_sum.py")  # m = L = 2
    app = PanelApp()
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.query_one(UserGradsPanel)
        panel.show("mine.py", None)
        await pilot.pause()
        assert "checked at each backward stop" in screen(app)
        panel.show("mine.py", [])
        await pilot.pause()
        assert "none of your functions applies" in screen(app)
        panel.show("mine.py", None, "mine.py:3: syntax error: invalid syntax")
        await pilot.pause()
        assert "mine.py:3: syntax error" in screen(app)
        panel.show("mine.py", bug)
        await pilot.pause()
        text = screen(app)
        assert "bias_grad → ∂J/∂b²: disagree" in text
        assert "hint [scale]: sum instead of mean" in text
        assert "yours" in text and "engine" in text and "yours − engine" in text
        (f,) = bug
        assert f"{f.first_wrong[1]:.3g}" in text and f"{f.first_wrong[2]:.3g}" in text


async def test_panel_for_agreement_and_errors(tmp_path):
    ok = findings_at_first_backward_stop(EXAMPLES / "grads_correct.py")
    mine = tmp_path / "mine.py"
    mine.write_text("def weight_grad(delta, a_prev):\n    return delta @ a_prev\n")
    err = findings_at_first_backward_stop(mine)
    app = PanelApp()
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.query_one(UserGradsPanel)
        panel.show(str(mine), ok)
        await pilot.pause()
        text = screen(app)
        assert text.count(": agree") == 3 and "yours − engine" not in text
        panel.show(str(mine), err)
        await pilot.pause()
        text = screen(app)
        assert "weight_grad → ∂J/∂W²: error" in text and "mine.py:2: ValueError" in text


def test_side_by_side_windows_a_big_array_around_the_first_wrong_entry(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(
        textwrap.dedent(
            """
            import numpy as np
            def weight_grad(delta, a_prev, W, l2, n):
                g = delta @ a_prev.T / n + l2 * W
                g[17, 40] += 1.0
                return g
            """
        )
    )
    (f,) = [
        f
        for f in findings_at_first_backward_stop(mine, "digits", layer=1)
        if f.function == "weight_grad"
    ]
    assert f.status == "disagree" and f.first_wrong[0] == (17, 40)
    text = plain(side_by_side(f))
    # 1-based labels of the window's rows and columns hold row 18, column 41
    header = text.splitlines()[0].split()
    assert "41" in header and any(line.split()[:1] == ["18"] for line in text.splitlines())
    assert f"{f.user_value[17, 40]:.3g}" in text and f"{f.reference[17, 40]:.3g}" in text


def test_difference_map_colours_follow_the_sign():
    diff = np.array([[-2.0, 0.0, 2.0], [np.nan, 1.0, -1.0]])
    console = Console(width=40, record=True, force_terminal=True, color_system="truecolor")
    console.print(difference_map(diff, range(2), range(3)))
    text = console.export_text(clear=False)
    svg = console.export_html(inline_styles=True)
    assert "±2" in text and "??" in text
    lo, mid, hi = PALETTE[0], PALETTE[len(PALETTE) // 2], PALETTE[-1]
    assert lo in svg and mid in svg and hi in svg
    assert lo != mid != hi


# ------------------------------------------------------------ whole-backprop code in the debugger


async def test_the_debugger_shows_a_nielsen_class_layer_by_layer_with_its_origin(tmp_path):
    """`bpstep --grads` with a Nielsen network whose δᴸ has the wrong sign: at m = L the pane
    names the slip, at m = 1 it says the values there only follow from it."""
    from bpstep.session.usergrads import session_for
    from bpstep.tui.app import BpstepApp

    learners = Path(__file__).resolve().parent / "learners_checker"
    mine = tmp_path / "network.py"
    source = (learners / "nielsen_network.py").read_text()
    mine.write_text(
        source.replace("return output_activations - y", "return y - output_activations")
    )
    code = load_user_module(mine)
    session = session_for(code)  # the shape's default network: the lesson's 2-3-1 on xor
    code.close()
    app = BpstepApp(session, grads_path=str(mine))
    async with app.run_test(size=(140, 45)) as pilot:
        for _ in range(4):  # forward m = 1, 2, the cost, backward m = 2
            await pilot.press("n")
        for _ in range(200):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.grads.busy:
                break
        text = screen(app)
        assert "backprop → δ²: disagree" in text and "hint [sign]: wrong sign" in text
        await pilot.press("n")  # backward m = 1
        for _ in range(200):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.grads.busy:
                break
        text = screen(app)
        assert "backprop → δ¹: disagree" in text and "follows: right given your δ²" in text
