"""Predict, then reveal (issue 12, section 3): the question each stop asks, how an answer is
judged, the score per kind, and the score saved with the session."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpstep.engine.errors import ConfigError, DataError
from bpstep.session import Session, build_config, load_session, save_session
from bpstep.session.explain import num
from bpstep.session.quiz import KINDS, QuizScore, judge, question_at
from bpstep.session.saveload import state_arrays


def test_each_stop_asks_about_what_it_computes_and_hides_it():
    s = Session(build_config("xor"))
    assert question_at(s) is None  # START
    s.step()  # forward m = 1 of the first iteration asks for z¹
    q = question_at(s)
    assert (q.kind, q.name, q.layer, q.form) == ("z", "z", 1, "entry")
    assert q.hidden == {"z", "a"}  # a¹ = f(z¹) would give z¹ away
    assert q.prompt == f"{q.symbol} = ?   (sample {q.index[1] + 1} of the batch; right within 1%)"
    s.step()
    assert question_at(s).name == "a" and question_at(s).hidden == {"a"}
    s.step()
    assert question_at(s) is None  # the cost stop asks nothing


def test_two_iterations_of_xor_ask_every_kind():
    s = Session(build_config("xor"))
    kinds = set()
    for _ in range(2 * s.stops_per_iteration):
        s.step()
        q = question_at(s)
        if q is not None:
            kinds.add(q.kind)
            assert q.form in ("entry", "sign")  # xor is small enough for paper
    assert kinds == set(KINDS)


def test_a_stop_asks_the_same_question_each_time_it_is_reached():
    s = Session(build_config("xor"))
    s.run_to(5)
    first = question_at(s)
    s.back()
    s.step()
    assert question_at(s) == first


def test_an_entry_is_right_within_one_percent():
    s = Session(build_config("xor"))
    s.run_to(5)  # backward m = 1
    q = question_at(s)
    v = float(np.atleast_2d(s.tensors(q.layer)[q.name])[q.index])
    right = judge(q, s, f"{v * 1.009:.8g}")
    assert right.right and right.text.startswith(f"right: {q.symbol} = {num(v, 6)}")
    assert right.text.endswith("(within 1%)")
    wrong = judge(q, s, f"{v * 1.02:.8g}")
    assert not wrong.right and "off by 2.0%, 1% allowed" in wrong.text
    assert judge(q, s, f"{v:.4g}".replace("-", "−")).right  # a true minus sign is a minus


def test_sign_and_shape_questions():
    s = Session(build_config("xor"))
    s.run_to(7)  # update m = 2 of the first iteration asks for the sign of ΔW²
    q = question_at(s)
    assert q.form == "sign" and q.name == "dW" and q.kind == "update"
    v = s.tensors(2)["dW"][q.index]
    assert judge(q, s, "+" if v > 0 else "−").right
    assert not judge(q, s, "−" if v > 0 else "+").right
    d = Session(build_config("digits"))
    d.run_to(1)  # forward m = 1: z¹ = W¹ a⁰ + b¹ has 64 terms, too many for paper
    q = question_at(d)
    assert q.form == "shape" and q.name == "z" and "what shape?" in q.prompt
    assert judge(q, d, "30x10").right and judge(q, d, "(30, 10)").right
    assert not judge(q, d, "30×64").right
    v = Session(build_config("vanishing"))
    v.run_to(v.L + 1 + 3)  # backward m = 3: δ³ sums 30 terms (δ⁴ only 10): its sign is asked
    q = question_at(v)
    assert (q.name, q.form, q.kind) == ("delta", "sign", "δᵐ")


@pytest.mark.parametrize(
    ("form_stop", "answer", "fragment"),
    [(5, "abc", "not a number: 'abc'"), (7, "maybe", r"a sign is \+ or −")],
)
def test_an_answer_that_cannot_be_read_is_one_line(form_stop, answer, fragment):
    s = Session(build_config("xor"))
    s.run_to(form_stop)
    with pytest.raises(ConfigError, match=fragment) as err:
        judge(question_at(s), s, answer)
    assert "\n" not in str(err.value)


def test_the_score_counts_per_kind():
    score = QuizScore()
    score.record("z", True)
    score.record("z", False)
    score.record("δᵐ", True)
    assert score.line() == "z 1/2 · a — · δᴸ — · δᵐ 1/1 · ∂W — · ∂b — · update —"
    assert QuizScore.from_dict(score.to_dict()) == score
    for bad in ({"right": {"z": 3}, "asked": {"z": 2}}, {"asked": {"nope": 1}},
                {"right": {"a": 1}, "asked": {}}):  # fmt: skip
        with pytest.raises(ValueError):
            QuizScore.from_dict(bad)


def test_the_score_is_saved_with_the_session_and_loaded(tmp_path):
    s = Session(build_config("xor"))
    s.run_to(5)
    s.quiz.record("δᵐ", True)
    s.quiz.record("a", False)
    loaded = load_session(save_session(s, tmp_path / "q.npz"))
    assert loaded.quiz.to_dict() == {"right": {"δᵐ": 1, "a": 0}, "asked": {"δᵐ": 1, "a": 1}}


def test_a_file_saved_before_the_quiz_loads_with_an_empty_score(tmp_path):
    s = Session(build_config("xor"))
    s.run_to(3)
    arrays = state_arrays(s.state())
    del arrays["quiz"]  # as an older bpstep wrote it
    np.savez(tmp_path / "old.npz", **arrays)
    loaded = load_session(tmp_path / "old.npz")
    assert loaded.quiz == QuizScore() and loaded.index == 3


def test_a_damaged_score_is_a_one_line_load_error(tmp_path):
    s = Session(build_config("xor"))
    arrays = state_arrays(s.state())
    arrays["quiz"] = np.array(json.dumps({"right": {"z": 5}, "asked": {"z": 1}}))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match="quiz score is damaged") as err:
        load_session(tmp_path / "bad.npz")
    assert "\n" not in str(err.value)
