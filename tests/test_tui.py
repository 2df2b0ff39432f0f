"""The debugger through Textual's Pilot: every key and the main flows, as a user presses them."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpstep.session import Phase, Session, StopId, build_config
from bpstep.tui.app import BpstepApp
from bpstep.tui.widgets.heatmap import Heatmap

SIZE = (140, 45)


def make_app(preset: str = "xor", **kw) -> BpstepApp:
    return BpstepApp(Session(build_config(preset, **kw)))


def screen_lines(app: BpstepApp) -> list[str]:
    """The whole screen as the terminal shows it, one string per line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: BpstepApp) -> str:
    return "\n".join(screen_lines(app))


def words_of(app: BpstepApp, selector: str) -> str:
    """A pane's text as one line of words: wrapped lines joined, the borders left out."""
    lines = text_of(app, selector).splitlines()[1:-1]
    return " ".join(" ".join(line.strip("│ ").split()) for line in lines)


def text_of(app: BpstepApp, selector: str) -> str:
    """The text inside one pane's region of the screen."""
    region = app.screen.query_one(selector).region
    lines = screen_lines(app)[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)


async def wait_for_run(app: BpstepApp, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(50):
        if not app.running:
            break
        await asyncio.sleep(0.02)
        await pilot.pause()
    await pilot.pause()  # RunFinished's repaint laid out


async def settle(app: BpstepApp, pilot) -> None:
    """Wait until the check of the learner's functions (a thread) has filled in the pane."""
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.grads.busy:
            return
    raise AssertionError("the check of the learner's functions never finished")


async def answer(app: BpstepApp, pilot, key: str, value: str) -> None:
    """Press ``key``, type ``value`` into the prompt it opens, press enter."""
    await pilot.press(key)
    await pilot.pause()
    app.screen.query_one("#prompt-input").value = value
    await pilot.press("enter")
    await pilot.pause()


async def train(app: BpstepApp, pilot, epochs: str) -> None:
    """t, N epochs, and wait for the run to end."""
    await answer(app, pilot, "t", epochs)
    await wait_for_run(app, pilot)


async def test_starts_at_start_and_n_steps_into_the_forward_pass():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "start" in text_of(app, "#equation")
        await pilot.press("n")
        assert app.session.stop.id == StopId(Phase.FORWARD, 1)
        eq = text_of(app, "#equation")
        assert "z¹ = W¹ a⁰ + b¹" in eq and "(3×4) = (3×2)(2×4) + (3×1)" in eq
        await pilot.press("right")
        assert app.session.stop.id == StopId(Phase.FORWARD, 2)


async def test_stepping_back_gives_exactly_the_earlier_screen():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screens = []
        for _ in range(9):  # across an iteration boundary (7 stops each)
            await pilot.press("n")
            await pilot.pause()
            screens.append(screen_text(app))
        for i in range(8):
            await pilot.press("p" if i % 2 else "left")
            await pilot.pause()
            assert screen_text(app) == screens[-2 - i]


async def test_backward_stop_shows_delta_and_the_equation_with_shapes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await pilot.press("n")
        assert app.session.stop.id == StopId(Phase.BACKWARD, 1)
        eq = text_of(app, "#equation")
        assert "δ¹ = f′(z¹) ⊙ (W²)ᵀ δ²" in eq
        assert "(3×4) = (3×4) ⊙ (3×1)(1×4)" in eq
        listing = text_of(app, "#tensors")
        assert "δ¹" in listing and "∂J/∂W¹" in listing


async def test_run_keys_finish_phase_iteration_and_epoch():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for_run(app, pilot)
        assert app.session.stop.id == StopId(Phase.FORWARD, 2)
        await pilot.press("u")
        await wait_for_run(app, pilot)
        assert app.session.stop.id == StopId(Phase.UPDATE, 2)
        await pilot.press("e")
        await wait_for_run(app, pilot)
        assert app.session.completed_epochs == 1
        assert "done" in text_of(app, "#message")
        assert "train" in text_of(app, "#costs")


async def test_train_n_epochs_and_cancel():
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        inp = app.screen.query_one("#prompt-input")
        inp.value = "30"
        await pilot.press("enter")
        await wait_for_run(app, pilot)
        assert app.session.completed_epochs == 30
        # a long run is cancelled by escape
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "1000000"
        await pilot.press("enter")
        await asyncio.sleep(0.3)
        assert app.running
        await pilot.press("escape")
        await wait_for_run(app, pilot)
        assert not app.running
        assert "cancelled" in text_of(app, "#message")
        assert app.session.completed_epochs < 1_000_030


async def test_bad_epoch_count_is_an_error_in_the_pane_not_a_crash():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "ten"
        await pilot.press("enter")
        await pilot.pause()
        assert "positive integer" in text_of(app, "#message")


async def test_breakpoint_toggle_stops_a_run_and_clears():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")
        await pilot.press("b")
        assert StopId(Phase.BACKWARD, 2) in app.session.breakpoints
        assert "breakpoint set" in text_of(app, "#message")
        await train(app, pilot, "5")
        assert app.session.stop.id == StopId(Phase.BACKWARD, 2)
        assert app.session.stop.global_iteration == 1
        await pilot.press("B")
        assert len(app.session.breakpoints) == 0


async def test_gradcheck_key_reports_bands():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")
        await pilot.press("g")
        msg = text_of(app, "#message")
        assert "gradient check" in msg and "good" in msg


async def test_view_keys_tensor_layer_sample_precision():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")
        first = app.tensor_name
        await pilot.press("tab")
        assert app.tensor_name != first
        await pilot.press("shift+tab")
        assert app.tensor_name == first
        await pilot.press("k")
        assert app.layer == 1
        await pilot.press("j")
        assert app.layer == 2
        await pilot.press("l")
        assert app.viewed_layer is None
        await pilot.press("right_square_bracket")
        assert app.sample == 1
        assert "sample 2/10" in text_of(app, "#input")
        await pilot.press("left_square_bracket")
        assert app.sample == 0
        await pilot.press("left_curly_bracket")
        assert app.sample == -1
        before = app.precision
        await pilot.press("plus")
        assert app.precision == before + 1
        await pilot.press("minus")
        assert app.precision == before


async def test_large_tensor_is_a_heatmap_with_a_readable_cursor():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        app.follow_tensor, app.tensor_name = False, "W"
        app.refresh_view()
        await pilot.pause()
        hm = app.query_one(Heatmap)
        assert hm.display and hm.matrix.shape == (30, 64)
        await pilot.press("h")
        await pilot.press("down", "right", "right")
        await pilot.pause()
        assert hm.cursor == (1, 2)
        cursor = text_of(app, "#tensor-cursor")
        assert f"{app.session.network.weights[0][1, 2]:.6g}" in cursor
        await pilot.press("escape")
        assert not hm.has_focus


async def test_nonfinite_values_stand_out():
    app = make_app("xor", lr=1e12, activation="identity")
    async with app.run_test(size=SIZE) as pilot:
        await train(app, pilot, "50")
        assert "non-finite" in text_of(app, "#message")
    # a NaN in a tensor is flagged in the listing and drawn as nan
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        app.session.network.weights[0][0, 1] = np.nan  # before the forward stop computes z¹
        await pilot.press("n")
        app.follow_tensor, app.tensor_name = False, "W"
        app.refresh_view()
        await pilot.pause()
        assert "1 non-finite!" in text_of(app, "#tensors")
        assert "nan" in text_of(app, "#tensors")


async def test_save_and_load_keys(tmp_path: Path):
    app = make_app()
    path = tmp_path / "s.npz"
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(10):
            await pilot.press("n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert path.exists() and "saved" in text_of(app, "#message")
        for _ in range(3):
            await pilot.press("n")
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.index == 10
        # a bad path is an error in the pane; the session stays
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(tmp_path / "missing.npz")
        await pilot.press("enter")
        await pilot.pause()
        assert "cannot load" in text_of(app, "#message")
        assert app.session.index == 10


async def test_help_screen_lists_keys_and_closes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        from bpstep.tui.screens.help import HelpScreen

        await pilot.press("question_mark")
        for _ in range(20):
            await pilot.pause(0.05)
            if isinstance(app.screen, HelpScreen):
                break
        text = screen_text(app)
        assert "step back one stop" in text and "cancel a run" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_the_help_screen_scrolls_with_the_keyboard_to_every_key(size):
    """↓, PgDn and End reach the Session keys (save, load, palette, quit) at any size."""
    from bpstep.tui.keys import KEYS

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        seen = screen_text(app)
        for key in ("down", "pagedown", "pagedown", "pagedown", "pagedown", "end"):  # page by page
            await pilot.press(key)
            await pilot.pause()
            seen += screen_text(app)
        for k in KEYS:
            if k.shown:
                assert k.help[:30] in seen, k.help
        assert "this help: every key" in screen_text(app)  # End shows the last section


async def test_quit_key():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_small_terminal_and_resize_stay_usable(size):
    app = make_app("digits")
    async with app.run_test(size=size) as pilot:
        for _ in range(4):
            await pilot.press("n")
        assert "δ" in screen_text(app) or "backward" in screen_text(app)
        await pilot.resize_terminal(140, 45)
        await pilot.pause()
        await pilot.resize_terminal(*size)
        await pilot.pause()
        await pilot.press("p")
        assert app.session.stop.id == StopId(Phase.COST)


async def test_784_100_10_network_steps():
    from bpstep.datasets.synthetic import random_images
    from bpstep.session import SessionConfig

    d = random_images(300)
    s = Session(SessionConfig(data="random", layers=[784, 100, 10], batch_size=32), dataset=d)
    app = BpstepApp(s)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert app.query_one(Heatmap).matrix.shape == (100, 784)
        for _ in range(6):
            await pilot.press("n")
        await pilot.press("p")
        assert app.session.stop.id == StopId(Phase.UPDATE, 1)


async def test_grads_pane_breaks_at_the_first_disagreement_and_reloads(tmp_path):
    src = Path(__file__).resolve().parents[1] / "examples"
    mine = tmp_path / "mine.py"
    mine.write_text((src / "grads_bug_missing_fprime.py").read_text())
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    async with app.run_test(size=SIZE) as pilot:
        assert app.query_one("#grads").display
        await train(app, pilot, "5")
        # the run stopped at the first disagreement: hidden_delta at m = 1, first iteration
        assert app.session.stop.id == StopId(Phase.BACKWARD, 1)
        assert app.session.stop.global_iteration == 0
        pane = text_of(app, "#grads")
        assert "disagree" in pane and "missing f′(z)" in pane
        # the learner fixes the file and presses r
        mine.write_text((src / "grads_correct.py").read_text())
        await pilot.press("r")
        await settle(app, pilot)
        assert "agree" in text_of(app, "#grads") and "disagree" not in text_of(app, "#grads")
        # a broken edit is shown in the pane, not a crash
        mine.write_text("def bias_grad(delta)\n")
        await pilot.press("r")
        await pilot.pause()
        assert "syntax error" in text_of(app, "#grads")


async def test_command_palette_runs_debugger_actions():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Step forward")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.session.stop.id == StopId(Phase.FORWARD, 1)


async def test_clicking_a_layer_views_it():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # at forward m=1
        view = app.query_one("#network")
        first, last, m = view._spans[2]  # the column of layer m = 2
        content = view.content_region
        await pilot.click(
            "#network",
            offset=(content.x - view.region.x + first + 1, content.y - view.region.y + 3),
        )
        await pilot.pause()
        assert m == 2 and app.layer == 2
        assert "layer m = 2" in text_of(app, "#tensors")


async def test_watch_key_adds_a_vanishing_gradient_watch_that_stops_a_run():
    app = make_app("vanishing")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "w", "delta:1<1e-2")
        assert len(app.session.watches.norms) == 1
        await answer(app, pilot, "w", "nonsense")
        assert "a watch is like" in text_of(app, "#message")
        await train(app, pilot, "1")
        assert app.session.stop.id == StopId(Phase.BACKWARD, 1)
        assert "vanishing" in text_of(app, "#message")
        await pilot.press("W")
        assert not app.session.watches.norms


async def test_an_endless_loop_in_the_learners_code_is_stopped_and_shown(tmp_path):
    src = Path(__file__).resolve().parents[1] / "examples"
    mine = tmp_path / "mine.py"
    mine.write_text("def hidden_delta(z, W_next, delta_next):\n    while True:\n        pass\n")
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    app.grads_time_limit = 0.3
    async with app.run_test(size=SIZE) as pilot:
        await train(app, pilot, "5")
        # the run stopped where the learner's hidden_delta first ran: m = 1, first iteration
        assert app.session.stop.id == StopId(Phase.BACKWARD, 1)
        assert "still running after 0.3 s" in words_of(app, "#grads")
        while app.session.stop.global_iteration == 0 or app.session.stop.id != StopId(
            Phase.BACKWARD, 1
        ):
            await pilot.press("n")  # on to m = 1 of the next iteration: not run again there
        await settle(app, pilot)
        assert "not run again" in words_of(app, "#grads")
        mine.write_text((src / "grads_correct.py").read_text())
        await pilot.press("r")
        await settle(app, pilot)
        assert "agree" in text_of(app, "#grads") and "disagree" not in text_of(app, "#grads")


async def test_with_l2_the_cost_pane_shows_and_plots_the_data_cost():
    app = make_app("l2")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_for_run(app, pilot)
        pane = text_of(app, "#costs")
        rec = app.session.history[-1]
        row = rf"data cost J +{rec.train_data_cost:.5f} +{rec.test_data_cost:.5f}"
        assert re.search(row, pane), pane
        assert f"{rec.train_cost:.5f}" in pane and "J per epoch (no λ term)" in pane
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_for_run(app, pilot)
        pane = text_of(app, "#costs")
        assert "data cost J" not in pane and "epoch J (whole set)" in pane


@pytest.mark.parametrize(
    ("size", "title", "activation"),
    [((140, 45), " m=5 ", "sigm"), ((80, 24), " 5 ", "σ")],
)
async def test_a_deep_network_fits_its_pane_with_shorter_labels(size, title, activation):
    app = make_app("vanishing")  # 64-30-30-30-30-10
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        view = app.query_one("#network")
        pane = text_of(app, "#network")
        rows = pane.splitlines()
        header = next(r for r in rows if title in r)
        sizes = rows[rows.index(header) + 1].strip("│ ").split()
        assert sizes == ["64", "30", "30", "30", "30", "10"]
        assert activation in rows[rows.index(header) + 2]
        # every column is whole (nothing cut to "…") and clicking one still views its layer
        assert "…" not in "\n".join(rows[rows.index(header) : rows.index(header) + 3])
        first, last, m = view._spans[4]
        content = view.content_region
        await pilot.click(
            "#network",
            offset=(content.x - view.region.x + first, content.y - view.region.y + 3),
        )
        await pilot.pause()
        assert m == 4 and app.layer == 4


async def test_at_the_cost_stop_tab_reaches_the_targets_and_per_sample_costs():
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")  # forward m=1, m=2, cost
        assert app.session.stop.id == StopId(Phase.COST)
        seen = []
        for _ in range(7):
            await pilot.press("tab")
            seen.append(app.tensor_name)
        assert "y" in seen and "C" in seen
        while app.tensor_name != "C":
            await pilot.press("tab")
        await pilot.pause()
        pane = text_of(app, "#tensors")
        C = app.session.tensors(2)["C"].ravel()
        assert "Cᵢ  (1×4)" in pane
        assert all(f"{c:.4f}" in pane for c in C)


async def test_a_long_column_vector_is_folded_so_every_entry_is_on_screen():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        while app.tensor_name != "a_prev":  # a⁰: 64 pixels of the first sample
            await pilot.press("tab")
        await pilot.pause()
        pane = text_of(app, "#tensors")
        x = app.session.tensors(1)["a_prev"][:, 0]
        for i in (0, 21, 22, 40, 63):
            assert f"[{i + 1}]" in pane and f"{x[i]:.4f}" in pane
        assert pane.count("[") >= 64


async def test_a_short_pane_lists_a_window_of_tensors_and_keeps_the_numbers_visible():
    app = make_app("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):  # forward m=1, m=2, cost, backward m=2: eleven tensors known
            await pilot.press("n")
        await pilot.pause()
        pane = text_of(app, "#tensors")
        assert "more (tab shows the next)" in pane
        assert app.tensor_name == "delta"  # what the backward stop computed is shown
        delta = app.session.tensors(2)["delta"]
        assert f"{delta[0, 0]:.4f}" in pane  # the selected tensor's numbers have room
        while app.tensor_name != "grad_b":
            await pilot.press("tab")
        await pilot.pause()
        pane = text_of(app, "#tensors")
        assert "▶ ∂J/∂b²" in pane and f"{app.session.tensors(2)['grad_b'][0, 0]:.4f}" in pane


async def test_clicking_a_tensor_row_shows_it_and_clicking_the_heatmap_moves_the_cursor():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # forward m=1: W¹ b¹ a⁰ z¹ a¹
        listing = app.query_one("#tensor-list")
        row = 1 + ["W", "b", "a_prev", "z", "a"].index("z")
        await pilot.click("#tensor-list", offset=(4, row))
        await pilot.pause()
        assert app.tensor_name == "z"
        await pilot.click("#tensor-list", offset=(4, 1))  # back to W¹: a 30×64 heatmap
        await pilot.pause()
        assert app.tensor_name == "W" and app.query_one(Heatmap).display
        hm = app.query_one(Heatmap)
        x, y = 3 * hm.cell_w, 2  # character cell (x, y) shows rows 4 and 5 of column 3
        await pilot.click(Heatmap, offset=(x, y))
        await pilot.pause()
        assert hm.cursor == (4, 3)
        W = app.session.tensors(1)["W"]
        assert f"[5, 4] = {W[4, 3]:.6g}" in text_of(app, "#tensors")
        await pilot.click(Heatmap, offset=(x, y))  # the same cell again: its lower half
        await pilot.pause()
        assert hm.cursor == (5, 3)
        assert f"[6, 4] = {W[5, 3]:.6g}" in text_of(app, "#tensors")
        assert listing.region.height > 0


async def palette(app: BpstepApp, pilot, title: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_armed_breakpoints_and_watches_are_on_the_network_pane_border():
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        border = lambda: text_of(app, "#network").splitlines()[-1]  # noqa: E731
        assert "●" not in border()
        for _ in range(4):  # forward m=1, m=2, cost, backward m=2
            await pilot.press("n")
        await pilot.press("b")
        await answer(app, pilot, "w", "grad_W>100")  # exploding: does not fire on xor
        await pilot.pause()
        assert "● backward m=2" in border() and "◆ ‖∂J/∂Wᵐ‖>100" in border()
        await palette(app, pilot, "Break at every update")
        assert "update" in app.session.breakpoints.to_list()
        assert "every update" in border()
        await pilot.press("u")  # runs on to the update: the every-update breakpoint
        await wait_for_run(app, pilot)
        assert app.session.stop.id == StopId(Phase.UPDATE, 1)
        await palette(app, pilot, "Show breakpoints and watches")
        msg = text_of(app, "#message")
        assert "backward m=2" in msg and "every update" in msg and "‖∂J/∂Wᵐ‖>100" in msg
        await pilot.press("B", "W")
        await pilot.pause()
        assert "●" not in border() and "◆" not in border()


async def test_the_palette_toggles_a_log_scale_cost_curve():
    s = Session(build_config("digits"))
    s.run_epochs(3)
    app = BpstepApp(s)
    async with app.run_test(size=SIZE) as pilot:
        assert "log scale" not in text_of(app, "#costs")
        await palette(app, pilot, "Cost curve: log")
        assert "epoch J (whole set), log scale" in text_of(app, "#costs")
        await palette(app, pilot, "Cost curve: log")
        assert "log scale" not in text_of(app, "#costs")


async def test_each_stop_shows_what_it_computed_until_a_tensor_is_picked():
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(7):  # F1 F2 cost B2 B1 U1 U2
            await pilot.press("n")
            seen.append((str(app.session.stop.id), app.tensor_name))
        assert [name for _, name in seen] == ["z", "z", "C", "delta", "delta", "dW", "dW"]
        pane = text_of(app, "#tensors")
        assert "✱ computed at this stop" in pane and "✱ Δb²" in pane
        await pilot.press("p", "p", "p")  # back to B2: the pick follows stepping back too
        assert app.tensor_name == "delta"
        await pilot.press("tab")  # δ² → ∂J/∂W², and it stays while stepping
        assert app.tensor_name == "grad_W" and not app.follow_tensor
        assert "showing ∂J/∂W² (∂J/∂Wᵐ at every stop)" in text_of(app, "#message")
        await pilot.press("n")
        assert app.tensor_name == "grad_W" and app.session.stop.layer == 1
        await pilot.press("l")
        assert app.follow_tensor and app.tensor_name == "delta"
        await pilot.press("n")
        assert app.tensor_name == "dW"


async def test_the_suggested_number_of_epochs_is_about_a_thousand_iterations():
    app = make_app("xor")  # one batch per epoch: 1,000 epochs, enough to solve xor
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one("#prompt-input").value == "1000"
        await pilot.press("enter")
        await wait_for_run(app, pilot)
        assert app.session.completed_epochs == 1000
        assert "100.0%" in text_of(app, "#costs")
        final = app.session.history[-1].train_cost
        assert "done: 1000 epochs in" in text_of(app, "#message")
        assert f"train J {final:.4g} (100.0%)" in text_of(app, "#message")
        await pilot.press("e")  # one more: the cost before → after
        await wait_for_run(app, pilot)
        after = app.session.history[-1].train_cost
        assert "done: 1 epoch in" in text_of(app, "#message")
        assert f"train J {final:.4g} → {after:.4g} (100.0%)" in text_of(app, "#message")
    app = make_app("digits")  # 144 batches per epoch
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one("#prompt-input").value == "10"


@given(first=st.integers(1, 5000), span=st.integers(0, 100_000))
def test_epoch_ticks_are_few_whole_epochs_within_the_run(first, span):
    from bpstep.tui.widgets.costs import _epoch_ticks

    last = first + span
    ticks = _epoch_ticks(first, last)
    assert ticks == sorted(set(ticks)) and all(isinstance(t, int) for t in ticks)
    assert first <= ticks[0] and ticks[-1] <= last and 1 <= len(ticks) <= 6
    assert ticks[0] == first or ticks[0] - first < (last - first) / 4  # the start is marked


async def test_a_stop_where_the_learners_code_is_wrong_shows_that_tensor(tmp_path):
    src = Path(__file__).resolve().parents[1] / "examples"
    app = BpstepApp(Session(build_config("xor")), grads_path=str(src / "grads_bug_transpose.py"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")  # the run stops at the first disagreement: weight_grad at m = 2
        await wait_for_run(app, pilot)
        assert app.session.stop.id == StopId(Phase.BACKWARD, 2)
        assert app.tensor_name == "grad_W"
        assert "▶ ∂J/∂W²" in text_of(app, "#tensors")
    app = BpstepApp(Session(build_config("xor")), grads_path=str(src / "grads_correct.py"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")
        await settle(app, pilot)
        assert "agree" in text_of(app, "#grads")
        assert app.tensor_name == "delta"  # all agree: the stop's own tensor


async def test_the_learners_code_runs_in_a_thread_and_the_pane_fills_in(tmp_path):
    """Slow code does not hold up the key: the stop is painted and the pane says it is
    checking while the learner's weight_grad waits (here for a file the test creates)."""
    src = Path(__file__).resolve().parents[1] / "examples"
    gate = tmp_path / "go"
    mine = tmp_path / "mine.py"
    mine.write_text(
        (src / "grads_bug_transpose.py").read_text()
        + "\n\nimport os as _os, time as _t\n_slow = weight_grad\n\n"
        "def weight_grad(delta, a_prev, n):\n"
        f"    while not _os.path.exists({str(gate)!r}):\n        _t.sleep(0.01)\n"
        "    return _slow(delta, a_prev, n)\n"
    )
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    app.grads_time_limit = 60
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")  # backward m = 2: weight_grad waits for the gate
        assert app.session.stop.id == StopId(Phase.BACKWARD, 2)
        assert app.grads.busy and "checking your functions" in text_of(app, "#grads")
        assert "backward m=2" in text_of(app, "#network")  # the stop itself is on screen
        assert app.tensor_name == "delta"
        await pilot.press("tab", "shift+tab")  # and the keys still work meanwhile
        assert app.grads.busy and app.tensor_name == "delta"
        gate.write_text("")
        await settle(app, pilot)
        assert "weight_grad → ∂J/∂W²: error" in words_of(app, "#grads")
        app.follow_tensor = True
        app.refresh_view()
        assert app.tensor_name == "grad_W"  # then the view goes where the code is wrong


async def test_q_quits_at_once_while_the_learners_endless_loop_is_being_checked(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text("def hidden_delta(z, W_next, delta_next):\n    while True:\n        pass\n")
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    app.grads_time_limit = 60
    loop = asyncio.get_running_loop()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):  # backward m = 1: hidden_delta starts its endless loop
            await pilot.press("n")
        assert app.grads.busy
        started = loop.time()
        await pilot.press("q")
    assert loop.time() - started < 20  # not the 60 s time limit


async def test_q_quits_at_once_while_the_learners_code_hangs_in_c(tmp_path):
    """time.sleep(1e9) holds no Python line the tracer could stop: the child process running
    the learner's code is killed instead, and no process is left behind."""
    mine = tmp_path / "mine.py"
    mine.write_text("import time\ndef hidden_delta(z, W_next, delta_next):\n    time.sleep(1e9)\n")
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    app.grads_time_limit = 60
    loop = asyncio.get_running_loop()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):  # backward m = 1: hidden_delta starts sleeping
            await pilot.press("n")
        assert app.grads.busy
        pid = app.grads.module.box.pid
        started = loop.time()
        await pilot.press("q")
    assert loop.time() - started < 10  # not the 60 s time limit (typically well under 1 s)
    app.grads.finish()
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


async def test_what_the_learners_code_prints_goes_to_a_log_not_over_the_screen(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(
        "def bias_grad(delta):\n    print('LOUD-PRINT ' * 20)\n"
        "    return delta.mean(axis=1, keepdims=True)\n"
    )
    app = BpstepApp(Session(build_config("xor")), grads_path=str(mine))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            await pilot.press("n")
        await settle(app, pilot)
        assert "LOUD-PRINT" not in screen_text(app)
        assert app.grads.printed() and "LOUD-PRINT" in app.grads.prints.read_text()
        assert "your prints:" in words_of(app, "#grads")
    log = app.grads.prints
    app.grads.finish()
    assert log.exists()  # kept for the learner to read; an empty one is removed


async def test_the_network_pane_shows_each_layers_delta_norm_once_known():
    app = make_app("vanishing")  # 64-30-30-30-30-10 sigmoid: ‖δᵐ‖ shrinks towards m = 1
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "n")  # forward done, cost
        assert "‖δ‖" in text_of(app, "#network")
        row = next(line for line in text_of(app, "#network").splitlines() if "‖δ‖" in line)
        assert "e-" not in row  # nothing known yet
        await pilot.press("n", "f")  # backward m = 5 .. 1
        assert app.session.stop.id == StopId(Phase.BACKWARD, 1)
        row = next(line for line in text_of(app, "#network").splitlines() if "‖δ‖" in line)
        norms = [float(np.linalg.norm(app.session.tensors(m)["delta"])) for m in range(1, 6)]
        shown = [float(v) for v in row.strip("│ ").split()[1:]]
        assert len(shown) == 5
        for v, n in zip(shown, norms, strict=True):
            assert abs(v - n) <= 0.5 * 10 ** np.floor(np.log10(n))  # to its one digit
        assert norms[0] < norms[-1] / 100  # the lesson's point: the first layers barely learn
