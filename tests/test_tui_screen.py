"""The screen a learner can read in any terminal (issue 13): no crash without colours, nothing cut
at 80×24, no stale text. Each test drives the app as a user does (Pilot) and reads the screen."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from bpstep.session import Session, build_config
from bpstep.tui.app import BpstepApp

SIZES = [(80, 24), (140, 40), (200, 60)]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


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


def text_of(app: BpstepApp, selector: str) -> str:
    """The text inside one pane's region of the screen."""
    region = app.screen.query_one(selector).region
    lines = screen_lines(app)[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)


async def answer(app: BpstepApp, pilot, key: str, value: str) -> None:
    await pilot.press(key)
    await pilot.pause()
    app.screen.query_one("#prompt-input").value = value
    await pilot.press("enter")
    await pilot.pause()


async def wait_for_run(app: BpstepApp, pilot) -> None:
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.running:
            return
    raise AssertionError("the run never finished")


async def test_each_tab_says_which_tensor_is_now_shown():
    app = make_app("xor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press(*["n"] * 5)  # backward m = 1: δ¹
        await pilot.press("tab")
        assert "showing ∂J/∂W¹" in text_of(app, "#message")
        await pilot.press("tab")
        message = text_of(app, "#message")
        assert app.tensor_name == "grad_b"
        assert "showing ∂J/∂b¹" in message and "∂J/∂W" not in message


async def test_clearing_the_watches_clears_the_watch_message_from_the_equation_pane():
    app = make_app("vanishing")
    async with app.run_test(size=(140, 40)) as pilot:
        await answer(app, pilot, "w", "delta:1<1e-2")
        await answer(app, pilot, "t", "1")
        await wait_for_run(app, pilot)
        assert "fell below" in text_of(app, "#equation")
        await pilot.press("W")
        await pilot.pause()
        assert "fell below" not in text_of(app, "#equation")
        assert "δ¹ = f′(z¹)" in text_of(app, "#equation")  # the equation itself stays


async def test_clearing_the_breakpoints_clears_the_breakpoint_message():
    app = make_app("xor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n", "n", "b", "p", "p")
        await pilot.press("u")  # runs through the update, stops at the breakpoint
        await wait_for_run(app, pilot)
        assert "breakpoint" in text_of(app, "#equation")
        await pilot.press("B")
        await pilot.pause()
        assert "breakpoint" not in text_of(app, "#equation")


@pytest.mark.parametrize("size", SIZES)
async def test_the_watch_prompt_shows_its_whole_question(size):
    app = make_app("xor")
    async with app.run_test(size=size) as pilot:
        await pilot.press("w")
        await pilot.pause()
        box = text_of(app, "#prompt-box")  # a wrapped question reads the same
        text = " ".join(re.sub(r"[█▊▎▔▁▀▄]", " ", box).split())
        assert (
            "Watch (delta<1e-3, grad_W:2>10, saturated, dead:1>3, cost = training cost rising):"
            in text
        )


CUT_NUMBER = re.compile(r"[-+0-9.e]…")  # a number cut short: -0.000…, 3.62e-…


def cut_numbers(app: BpstepApp) -> list[str]:
    """The lines of the screen holding a number cut to an ellipsis."""
    return [line for line in screen_lines(app) if CUT_NUMBER.search(line)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("preset", ["xor", "digits"])
async def test_no_number_is_ever_cut_to_an_ellipsis(size, preset):
    app = make_app(preset)
    async with app.run_test(size=size) as pilot:
        for _ in range(app.session.stops_per_iteration):  # every stop of an iteration
            await pilot.press("n")
            for key in ("tab", "tab", "{", "l"):  # other tensors, all samples, and back
                await pilot.pause()
                assert not cut_numbers(app), (app.session.stop.id, key, cut_numbers(app))
                await pilot.press(key)


@pytest.mark.parametrize("size", [(80, 24), (140, 40)])
async def test_the_grads_tables_are_never_cut(size):
    grads = str(EXAMPLES / "grads_bug_missing_fprime.py")
    app = make_app("xor", grads)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["n"] * 5)  # backward m = 1, where hidden_delta is wrong
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.grads.busy:
                break
        panel = app.query_one("#grads")
        assert "disagree" in text_of(app, "#grads")
        assert not cut_numbers(app)
        # the tables are all there: scrolling the pane to its end shows the engine's
        panel.scroll_end(animate=False)
        await pilot.pause()
        assert "engine" in text_of(app, "#grads")


async def test_at_80x24_the_equation_keeps_its_shapes_line():
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["n"] * 5)  # δ¹ = f′(z¹) ⊙ (W²)ᵀ δ²;   ∂Ĵ/∂W¹ = (1/4) δ¹ (a⁰)ᵀ
        await pilot.pause()
        eq = text_of(app, "#equation")
        assert "δ¹ = f′(z¹) ⊙ (W²)ᵀ δ²" in eq and "(3×4) = (3×4) ⊙ (3×1)(1×4)" in eq
        assert "∂J/∂W¹ = (1/4) δ¹ (a⁰)ᵀ" in eq and "(3×2) = (3×4)(4×2)" in eq


@pytest.mark.parametrize("size", SIZES)
async def test_the_footer_always_shows_help_and_quit_whole(size):
    app = make_app("xor")
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "? help" in footer and "q quit" in footer
        assert "n step" in footer
        # every key shown is whole: each label is one the key table gives
        from bpstep.tui.keys import KEYS

        labels = {k.label for k in KEYS if k.label} | {"palette"}
        words = re.findall(r"(?:\^?\w|\?) ((?:train N)|\w+)", footer)
        assert words and all(w in labels for w in words), footer


@pytest.mark.parametrize("size", SIZES)
async def test_the_phase_strip_is_one_line_with_the_lit_phase_whole(size):
    app = make_app("xor")
    async with app.run_test(size=size) as pilot:
        for _ in range(6):  # forward, forward, cost, backward, backward, update
            await pilot.press("n")
            await pilot.pause()
            first = text_of(app, "#network").splitlines()[1]
            phase = app.session.stop.phase.value
            assert re.search(r"\bcost\b", first), first  # all four on the first line
            assert re.search(r"(upd|update)\b", first), first
            short = {"forward": "fwd", "cost": "cost", "backward": "back", "update": "upd"}
            assert phase in first or short[phase] in first


async def palette(pilot, title: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.3)


async def test_the_palettes_screenshot_saves_where_the_user_says(tmp_path, monkeypatch):
    home = tmp_path / "home"  # a home without a Downloads folder
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = make_app("xor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        await palette(pilot, "Screenshot")
        await pilot.pause(0.3)
        prompt = app.screen.query_one("#prompt-input")
        assert prompt.value.endswith(".svg")  # a dated name in the current directory
        await pilot.press("enter")
        await pilot.pause()
        saved = list(work.glob("*.svg"))
        assert len(saved) == 1 and "<svg" in saved[0].read_text()
        message = " ".join(text_of(app, "#message").split())
        assert f"screenshot saved to ./{saved[0].name}" in message
        # a folder that does not exist: one line saying so, and nothing written
        await palette(pilot, "Screenshot")
        await pilot.pause(0.3)
        app.screen.query_one("#prompt-input").value = str(tmp_path / "nowhere" / "x.svg")
        await pilot.press("enter")
        await pilot.pause()
        assert "no folder" in text_of(app, "#message")
        # a folder: a dated file in it
        (work / "shots").mkdir()
        await palette(pilot, "Screenshot")
        await pilot.pause(0.3)
        app.screen.query_one("#prompt-input").value = "shots"
        await pilot.press("enter")
        await pilot.pause()
        assert len(list((work / "shots").glob("bpstep-*.svg"))) == 1


def network_text(app: BpstepApp) -> str:
    return text_of(app, "#network")


@pytest.mark.parametrize("size", SIZES)
async def test_a_small_net_is_drawn_as_a_graph_of_units_and_weights(size):
    app = make_app("xor")  # 2-3-1
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")  # forward m = 1: the edges are the weights
        await pilot.pause()
        pane = network_text(app)
        assert sum(pane.count(g) for g in "●◍○") == 2 + 3 + 1, pane  # ◍ ○: stuck units
        assert "Wᵐ ±" in pane and "units" not in pane
        assert re.search(r"[\u2801-\u28ff]", pane), "no edge drawn"
        await pilot.press("n", "n", "n")  # backward m = 2: ∂Ĵ/∂W², layer 1 not reached yet
        await pilot.pause()
        pane = network_text(app)
        assert "∂J/∂Wᵐ ±" in pane and "not yet" in pane
        await pilot.press("n")  # backward m = 1: every layer's gradient is known
        await pilot.pause()
        assert "not yet" not in network_text(app)


async def test_a_graph_for_any_small_net_and_columns_for_wide_layers():
    app = make_app("xor", data="iris")  # 4-3-3
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        nodes = network_text(app).split("‖δ‖")[0]  # the legend below names the glyphs too
        assert sum(nodes.count(g) for g in "●◍○") == 4 + 3 + 3
    app = make_app("digits")  # 64-30-10: too wide for a graph
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        pane = network_text(app)
        assert "●" not in pane and "64 units" in pane and "30 units" in pane


async def test_clicking_a_layer_of_the_graph_views_it():
    app = make_app("xor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n")  # forward m = 1
        await pilot.pause()
        view = app.query_one("#network")
        first, last, _ = view._spans[2]  # the output unit's column
        await pilot.click("#network", offset=((first + last) // 2 + 2, 3))  # + border, padding
        await pilot.pause()
        assert app.viewed_layer == 2


def test_a_negative_weight_is_a_dotted_edge_and_a_positive_one_solid():
    from bpstep.tui.widgets.network_graph import Canvas, Edges, _draw_edges

    drawn = {}
    for sign in (1.0, -1.0):
        canvas = Canvas(20, 1)
        edges = Edges([np.array([[sign]])], "Wᵐ", 1.0)
        _draw_edges(canvas, [1, 1], [0, 19], [[0], [0]], edges)
        drawn[sign] = [int(b) for b in canvas.bits[0, 1:19]]
    assert all(drawn[1.0]), "a positive edge has gaps"
    assert 0 in drawn[-1.0] and any(drawn[-1.0]), "a negative edge is not dotted"


async def test_a_heatmap_has_a_colour_bar_with_its_range():
    app = make_app("digits")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n", "shift+tab", "shift+tab", "shift+tab")  # W¹ (30×64): a heatmap
        await pilot.pause()
        assert app.tensor_name == "W"
        largest = float(np.abs(app.session.network.weights[0]).max())
        line = text_of(app, "#tensor-cursor")
        assert re.search(rf"−{largest:.2g} █+ \+{largest:.2g}", line), line


async def test_one_scale_makes_a_vanishing_delta_faint_beside_the_output_layers():
    app = make_app("vanishing")  # 64-30-30-30-30-10: ‖δ¹‖ ≪ ‖δ⁵‖
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press(*["n"] * 11, "{")  # backward m = 1, all samples: δ¹ as a heatmap
        await pilot.pause()
        hm = app.query_one("#tensor-heatmap")
        mid = (64 - 1) / 2
        own = np.abs(hm._codes - mid).max()
        await pilot.press("s")
        await pilot.pause()
        largest = max(float(np.abs(app.session.tensors(m)["delta"]).max()) for m in range(1, 6))
        assert hm.scale == pytest.approx(largest)
        shared = np.abs(hm._codes - mid).max()
        assert own > 30 and shared < 0.1 * own  # full colour on its own scale, faint on one
        assert "one scale: δᵐ of every layer" in text_of(app, "#tensor-cursor")
        assert "one colour scale" in text_of(app, "#message")
        await pilot.press("s")
        await pilot.pause()
        assert np.abs(hm._codes - mid).max() == own


async def test_v_cycles_numbers_heatmap_and_on_the_digits_pictures():
    app = make_app("xor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press(*["n"] * 5)  # δ¹ (3×4) as numbers; xor's 2 inputs are no picture
        await pilot.pause()
        picture = app.query_one("#tensor-picture")
        assert picture.mode == "numbers" and picture.available == ("numbers", "heatmap")
        await pilot.press("v")
        await pilot.pause()
        assert picture.mode == "heatmap" and "−" in text_of(app, "#tensor-cursor")
        await pilot.press("v")
        await pilot.pause()
        assert picture.mode == "numbers"
    app = make_app("digits")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("n", "shift+tab", "shift+tab", "shift+tab", "v")  # W¹ as pictures
        await pilot.pause()
        picture = app.query_one("#tensor-picture")
        assert picture.mode == "pictures"
        pane = text_of(app, "#tensors")
        assert "each row as a picture, 30 units" in pane and "tile i: unit i" in pane
        await pilot.press("n", "n", "n", "n")  # backward m = 1, W¹ still shown as pictures
        await pilot.pause()
        assert app.session.stop.layer == 1 and app.tensor_name == "W"
        while app.tensor_name != "grad_W":  # ∂Ĵ/∂W¹: pictures too
            await pilot.press("tab")
        await pilot.pause()
        assert picture.mode == "pictures" and "∂J/∂W¹" in text_of(app, "#tensors")
        await pilot.press("l")  # follow: δ¹ has no pictures, so numbers or a heatmap
        await pilot.pause()
        assert app.tensor_name == "delta" and picture.mode != "pictures"


async def test_each_tile_is_one_units_weights_drawn_as_the_input_image():
    app = make_app("digits")
    async with app.run_test(size=(140, 40)) as pilot:
        W = app.session.network.weights[0]
        W[:] = 0.0
        W[0].reshape(8, 8)[:, 2] = 1.0  # unit 1 weighs column 2 of the image: a vertical bar
        await pilot.press("shift+tab", "shift+tab", "v")  # at the start: W¹ as pictures
        await pilot.pause()
        pictures = app.query_one("#tensor-pictures")
        assert app.query_one("#tensor-picture").mode == "pictures"
        for line in range(1, 5):  # tile 1's four lines of half blocks (8 pixel rows)
            cells = list(pictures.render_line(line))[:8]
            hot = [i for i, seg in enumerate(cells) if seg.style.color.triplet.red > 200]
            assert hot == [2], (line, hot)


async def test_the_cost_curve_marks_the_lowest_test_cost_and_zooms():
    app = make_app("overfit")
    async with app.run_test(size=(140, 40)) as pilot:
        await answer(app, pilot, "t", "60")
        await wait_for_run(app, pilot)
        h = app.session.history
        best = min(h, key=lambda r: r.test_cost)
        pane = text_of(app, "#costs")
        assert f"◆ lowest test J {best.test_cost:.4g} at epoch {best.epoch}" in pane
        assert "◆" in pane.split("epoch J (whole set)")[1]  # marked on the curve
        assert "•" in pane and re.search(r"[\u2801-\u28ff]", pane)  # test •, training braille
        await answer(app, pilot, "z", "20")
        pane = text_of(app, "#costs")
        assert "last 20" in pane
        axis = pane.split("└")[1].splitlines()[1]
        assert [int(t) for t in re.findall(r"\d+", axis)][0] >= 41
        await answer(app, pilot, "z", "0")
        assert "last 20" not in text_of(app, "#costs")


@pytest.mark.parametrize("preset", ["overfit", "l2"])
async def test_after_training_at_80x24_the_cost_numbers_are_whole(preset):
    app = make_app(preset)
    async with app.run_test(size=(80, 24)) as pilot:
        await answer(app, pilot, "t", "30")
        await wait_for_run(app, pilot)
        assert not cut_numbers(app), cut_numbers(app)
        pane = text_of(app, "#costs")
        rec = app.session.history[-1]
        assert f"{rec.train_cost:.5f}" in pane and f"{rec.test_cost:.5f}" in pane
        assert "lowest test" in pane


def test_every_edge_cell_of_the_graph_has_its_edges_colour():
    from bpstep.tui.widgets.network_graph import EDGE_STYLES, NOT_YET, graph_lines

    session = Session(build_config("xor", data="iris", layers=[4, 8, 3]))
    session.step()
    lines, _ = graph_lines(session, 1, 44, 16)
    edge_colours = {str(s.color) for s in EDGE_STYLES.values()} | {str(NOT_YET.color)}
    for line in lines[1:-2]:  # the rows of nodes and edges
        for x, ch in enumerate(line.plain):
            if 0x2800 < ord(ch) <= 0x28FF:
                style = line.get_style_at_offset(Console(), x)
                assert str(style.color) in edge_colours, (x, ch, style)
