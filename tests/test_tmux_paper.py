"""Issue 12 in a real terminal (tmux), as a learner types: ``bpstep --quiz`` asks, ``a`` answers,
``x`` explains. Skipped where tmux is not installed (the fixture is test_tmux_e2e's)."""

from __future__ import annotations

import time

from test_tmux_e2e import pytestmark, terminal  # noqa: F401  (the fixture and the skip)

from bpstep.session import Session, build_config
from bpstep.session.explain import num
from bpstep.session.quiz import question_at


def test_quiz_asks_answers_and_explains_in_a_real_terminal(terminal):  # noqa: F811
    s = Session(build_config("xor"))
    s.step()
    q = question_at(s)  # what the first stop asks, and its answer
    value = float(s.tensors(1)[q.name][q.index])
    t = terminal("--quiz")
    t.wait_for("quiz: predict, then reveal")
    t.keys("n")
    screen = t.wait_for(f"Q: {q.symbol} = ?")
    assert "hidden: predict it" in screen
    t.keys("a")
    t.wait_for(q.symbol)
    # the prompt takes keys once its input is focused: type, see the number in its box, then Enter
    # (keys sent at once were lost on a loaded CI machine)
    time.sleep(0.5)
    t.keys("-l", f"{value:.4g}")
    t.wait_for(f"▊  {value:.4g}")
    t.keys("Enter")
    screen = t.wait_for("right:")
    assert f"{q.symbol} = {num(value, 6)}" in screen and "Σₖ W¹" in screen
    t.keys("Escape")
    assert "z 1/1" in t.wait_for("z 1/1")
