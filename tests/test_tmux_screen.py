"""The real ``bpstep`` in tmux without colours and in a small terminal (issue 13)."""

from __future__ import annotations

import time

from test_tmux_e2e import pytestmark, terminal  # noqa: F401  (the fixture and the skip)


def test_no_color_digits_runs_monochrome_in_a_real_terminal(terminal):  # noqa: F811
    t = terminal("--preset", "digits", width=140, height=40, env="NO_COLOR=1")
    t.wait_for("forward")
    for key in ["n", "n", "n", "n", "Tab"]:
        t.keys(key)
        time.sleep(0.2)
    screen = t.wait_stable()
    assert not t.dead(), f"bpstep died under NO_COLOR:\n{screen}"
    assert "Traceback" not in screen and "Error" not in screen
    assert "layer m = 2" in screen
