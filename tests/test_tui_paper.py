"""Paper and screen agree (issue 12) through Textual's Pilot, as a learner presses the keys:
``x`` explains the number under the cursor (every kind, its value recomputed from the terms the
screen shows), and the quiz (right, wrong, unreadable answers, the score saved and loaded)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from recompute import recompute

from bpstep.session import Session, build_config, load_session
from bpstep.session.explain import num
from bpstep.tui.app import BpstepApp
from bpstep.tui.screens.explain import ExplainScreen
from bpstep.tui.widgets.heatmap import Heatmap
from bpstep.tui.widgets.number_grid import cell

SIZE = (140, 45)


def make_app(preset: str = "xor", **kw) -> BpstepApp:
    return BpstepApp(Session(build_config(preset, **kw)))


def screen_text(app: BpstepApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def text_of(app: BpstepApp, selector: str) -> str:
    region = app.screen.query_one(selector).region
    lines = [s.text for s in app.screen._compositor.render_strips()]
    return "\n".join(
        line[region.x : region.x + region.width] for line in lines[region.y :][: region.height]
    )


async def show(app: BpstepApp, pilot, name: str) -> None:
    """tab until tensor ``name`` is shown."""
    for _ in range(20):
        if app.tensor_name == name:
            return
        await pilot.press("tab")
    raise AssertionError(f"{name} never came up")


# (preset, overrides, stops to take, layer to view (None: the stop's), tensor, cursor keys,
#  the kind of explanation expected)
KINDS = [
    ("xor", {}, 1, None, "z", ["down"], "z"),
    ("xor", {}, 1, None, "a", ["down", "down"], "a"),
    ("xor", {}, 3, None, "C", [], "C"),
    ("xor", {}, 4, None, "dC_da", [], "dC_da"),
    ("xor", {}, 4, None, "fprime", [], "fprime"),
    ("xor", {}, 4, None, "delta", [], "delta_output"),
    ("xor", {"cost": "cross_entropy"}, 4, None, "delta", [], "delta_fused"),
    ("xor", {"data": "blobs", "activation": ["tanh", "softmax"]}, 4, None, "delta", ["down"],
     "delta_softmax"),
    ("xor", {}, 5, None, "delta", ["down"], "delta_hidden"),
    ("xor", {"l2": 0.1}, 5, None, "grad_W", ["down", "right"], "grad_W"),
    ("xor", {}, 5, None, "grad_b", ["down", "down"], "grad_b"),
    ("xor", {}, 6, None, "dW", ["down", "right"], "update_sgd"),
    ("xor", {"optimizer": "momentum"}, 13, None, "W", ["down"], "update_momentum"),
    ("xor", {"optimizer": "adam"}, 13, None, "dW", ["right"], "update_adam"),
    ("digits", {}, 1, None, "z", ["down", "down", "right"], "z"),  # a folded column: [18]
]  # fmt: skip


@pytest.mark.parametrize(("preset", "overrides", "stops", "layer", "tensor", "keys", "kind"), KINDS)
async def test_x_explains_the_number_under_the_cursor(
    preset, overrides, stops, layer, tensor, keys, kind
):
    app = make_app(preset, **overrides)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(stops):
            await pilot.press("n")
        await show(app, pilot, tensor)
        await pilot.press("h", *keys)
        await pilot.pause()
        entry = app.query_one("#tensors").entry()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExplainScreen)
        ex = app.screen.explanation
        assert ex.kind == kind and (ex.name, *ex.index) == (
            {"W": "W_after"}.get(entry[0], entry[0]),
            entry[1],
            entry[2],
        )
        # the engine's own number, and the same from the terms and inputs on the screen
        value = app.session.tensors(app.layer)[tensor][entry[1], entry[2]]
        assert ex.value == value
        assert math.isclose(recompute(ex, app.session), value, rel_tol=1e-9, abs_tol=1e-15)
        text = screen_text(app)
        assert ex.equation[:40] in text and f"= {num(value, 6)}" in text
        for term in ex.shown()[0]:
            assert term.numbers()[:30] in text.replace("\n", "")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExplainScreen)


async def test_the_cursor_starts_at_the_first_entry_and_follows_the_sample_shown():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # forward m = 1 shows z¹, sample 1
        tv = app.query_one("#tensors")
        assert tv.entry() == ("z", 0, 0)
        await pilot.press("right_square_bracket", "right_square_bracket")  # sample 3
        assert tv.entry() == ("z", 0, 2)
        await pilot.press("h", "down", "down", "down")  # stays on the last row
        assert tv.entry() == ("z", 2, 2)
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.explanation.symbol == "z¹₃,₃"
        assert "sample 3 of the batch" in screen_text(app)


async def test_explaining_a_per_sample_cost_also_explains_the_batch_cost():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "x")  # the cost stop shows Cᵢ
        await pilot.pause()
        kinds = [ex.kind for ex in app.screen.explanations]
        assert kinds == ["C", "J"]
        J = app.screen.explanations[1]
        assert J.value == app.session.stop.batch_cost
        assert math.isclose(recompute(J, app.session), J.value, rel_tol=1e-12)
        assert "J = (1/4) Σᵢ Cᵢ" in screen_text(app)


async def test_before_the_first_stop_x_says_a_weight_is_where_the_paper_starts():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")  # START shows W¹, the parameters the first forward step uses
        await pilot.pause()
        ex = app.screen.explanation
        assert ex.kind == "input" and ex.symbol == "W¹₁,₁"
        assert ex.value == app.session.network.weights[0][0, 0]
        assert "a weight of layer 1, set at initialisation" in screen_text(app)


# ---------------------------------------------------------------------- quiz


def quiz_app(preset: str = "xor") -> BpstepApp:
    return BpstepApp(Session(build_config(preset)), quiz=True)


async def answer(app: BpstepApp, pilot, text: str) -> None:
    await pilot.press("a")
    await pilot.pause()
    app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")
    await pilot.pause()


def asked_value(app: BpstepApp) -> float:
    q = app.question()
    return float(np.atleast_2d(app.session.tensors(q.layer)[q.name])[q.index])


async def test_quiz_hides_the_stops_tensor_and_a_right_answer_reveals_it():
    app = quiz_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n", "n")  # backward m = 1 asks for δ¹ (by entry)
        q = app.question()
        assert (q.name, q.kind, q.form) == ("delta", "δᵐ", "entry")
        assert app.tensor_name == "delta" and app.sample == q.index[1]  # shown, with its sample
        listing = text_of(app, "#tensors")
        row = next(line for line in listing.splitlines() if "▶ δ¹" in line)
        assert row.split("δ¹", 1)[1].split()[:5] == ["?"] * 5  # shape and numbers hidden
        assert "hidden: predict it" in listing
        assert q.prompt in text_of(app, "#quiz")
        net = text_of(app, "#network")  # ‖δ¹‖ would give its size away
        assert f"{np.linalg.norm(app.session.tensors(1)['delta']):.2g}" not in net
        await pilot.press("x")  # x does not give the answer away
        await pilot.pause()
        assert not isinstance(app.screen, ExplainScreen)
        assert "hidden until you answer" in text_of(app, "#message")
        v = asked_value(app)
        await answer(app, pilot, f"{v:.4g}")
        assert isinstance(app.screen, ExplainScreen)
        assert app.screen.verdict.plain.startswith(f"right: {q.symbol} = {num(v, 6)}")
        assert app.screen.explanation.kind == "delta_hidden"
        assert app.screen.explanation.index == q.index  # the explanation of the entry asked
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.quiz.right == {"δᵐ": 1} and app.session.quiz.asked == {"δᵐ": 1}
        assert "δᵐ 1/1" in text_of(app, "#quiz")
        assert cell(v, 4).plain in text_of(app, "#tensors")  # revealed
        await pilot.press("x")  # and the cursor is on the entry asked
        await pilot.pause()
        assert app.screen.explanation.index == q.index


async def test_quiz_wrong_answer_is_scored_and_revealed_with_the_explanation():
    app = quiz_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")  # forward m = 2 asks for an entry of a²
        v = asked_value(app)
        await answer(app, pilot, f"{v * 1.5:.4g}")
        assert app.screen.verdict.plain.startswith("wrong:")
        assert "off by 50.0%, 1% allowed" in app.screen.verdict.plain
        assert "= 1 / (1 + e^(" in screen_text(app)  # the arithmetic that was missed
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.quiz.asked == {"a": 1} and app.session.quiz.right == {"a": 0}
        assert "z — · a 0/1" in text_of(app, "#quiz")
        await pilot.press("a")  # answered: no second try at this stop
        await pilot.pause()
        assert "no open question here" in text_of(app, "#message")


async def test_an_unreadable_answer_asks_again_without_scoring():
    app = quiz_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await answer(app, pilot, "about a half")
        assert "not a number: 'about a half'" in text_of(app, "#message")
        assert app.session.quiz.asked == {} and app.question() is not None


async def test_the_quiz_score_is_saved_and_loaded_with_the_session(tmp_path):
    app = quiz_app()
    path = tmp_path / "quiz.npz"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await answer(app, pilot, f"{asked_value(app):.5g}")
        await pilot.press("escape", "n")
        await pilot.pause()
        await answer(app, pilot, "12345")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await pilot.pause()
    assert load_session(path).quiz.to_dict() == {
        "right": {"z": 1, "a": 0},
        "asked": {"z": 1, "a": 1},
    }
    other = quiz_app()
    async with other.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        other.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert "z 1/1 · a 0/1" in text_of(other, "#quiz")


async def test_the_palette_turns_the_quiz_on():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert not app.query_one("#quiz").display
        await pilot.press("ctrl+p")
        await pilot.pause()
        app.screen.query_one("Input").value = "Quiz mode"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.quiz and app.query_one("#quiz").display
        await pilot.press("n")
        assert app.question() is not None


# ---------------------------------------------------------------------- the lesson's convention


async def test_the_screen_writes_J_when_lambda_is_0_and_J_hat_when_it_is_not():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        seen = screen_text(app)
        for _ in range(2 * 7):  # two iterations of xor, every stop
            await pilot.press("n")
            await pilot.pause()
            seen += screen_text(app)
        assert "Ĵ" not in seen and "∂J/∂W" in seen and "batch J" in seen
    app = make_app("xor", l2=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n")
        await pilot.pause()
        text = screen_text(app)
        assert "∂Ĵ/∂W²" in text and "batch Ĵ" in text and "+ λW²" in text


async def test_dC_da_is_listed_beside_f_prime_at_the_output_stop():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n")  # backward m = 2
        rows = [line for line in text_of(app, "#tensors").splitlines() if "×" in line]
        names = " ".join(rows)
        assert names.index("∂C/∂a²") < names.index("f′(z²)") < names.index("δ²")
        da = app.session.tensors(2)["dC_da"]
        np.testing.assert_array_equal(da, app.session.tensors(2)["a"] - app.session.tensors(2)["y"])


async def test_the_prediction_is_blank_until_the_output_layer_is_computed():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # forward m = 1: no a² yet
        pane = text_of(app, "#input")
        assert "(a² at forward m=2)" in pane  # no number: the output is not computed yet
        await pilot.press("n")  # forward m = 2: a² of this iteration
        pane = text_of(app, "#input")
        a2 = app.session.tensors(2)["a"][0, app.sample]
        assert "(a² at forward m=2)" not in pane
        assert f"prediction {int(a2 > 0.5)}" in pane


async def test_the_cost_pane_says_what_the_epoch_and_batch_costs_are():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        pane = " ".join(text_of(app, "#costs").split())
        assert "epoch: whole set at each epoch's end" in pane
        assert "batch: these 4, before the update" in pane


async def test_x_on_the_heatmap_and_on_all_samples_explains_that_entry():
    app = make_app("digits")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "shift+tab", "shift+tab", "shift+tab")  # W¹: a 30×64 heatmap
        assert app.tensor_name == "W" and app.query_one(Heatmap).display
        await pilot.press("h", "down", "down", "right", "x")
        await pilot.pause()
        ex = app.screen.explanation
        assert (ex.name, ex.index, ex.kind) == ("W", (2, 1), "input")
        assert ex.value == app.session.network.weights[0][2, 1]
        await pilot.press("escape", "escape", "tab", "tab", "tab", "left_curly_bracket")
        await pilot.pause()
        assert app.tensor_name == "z" and app.sample == -1  # z¹ with all 10 samples
        await pilot.press("h", "down", "right", "right", "right")  # from where it was: (2, 1)
        assert app.query_one(Heatmap).cursor == (3, 4)
        await pilot.press("x")
        await pilot.pause()
        ex = app.screen.explanation
        assert (ex.name, ex.index) == ("z", (3, 4)) and "sample 5 of the batch" in ex.where
        assert math.isclose(recompute(ex, app.session), ex.value, rel_tol=1e-9)
