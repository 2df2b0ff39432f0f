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


def test_a_shrink_and_grow_back_during_a_run_leaves_every_cell_painted(terminal):  # noqa: F811
    """Two resizes in one tmux command while the training thread keeps the app busy: Textual
    folds them into no change at all, and the terminal had blanked what fell outside the
    smaller size; the footer then stayed blank for good (CI's soak test, twice). The debugger
    repaints every cell once the size settles."""
    t = terminal()
    t._tmux("set-option", "-t", t.name, "window-size", "manual")  # only resize-window sizes it
    t.wait_for("steps forward")
    before = t.wait_stable()
    assert "q quit" in before
    t.keys("t")
    t.wait_for("Train how many epochs?")
    time.sleep(0.5)
    t.keys("C-u")
    t.keys("-l", "5000")
    t.wait_for("▊  5000")  # in the prompt's input box
    t.keys("Enter")
    t.wait_for("escape cancels")
    time.sleep(0.5)  # well into the run (about 1.5 s), the app busy
    t._tmux(
        "resize-window", "-t", t.name, "-x", "90", "-y", "30", ";",
        "resize-window", "-t", t.name, "-x", "140", "-y", "45",
    )  # fmt: skip
    screen = t.wait_for("done: 5000 epochs", timeout=120)
    screen = t.wait_for("q quit", timeout=5)  # the footer, in the last row
    lines = screen.splitlines()
    assert len(lines) == 45 and lines[-1].strip(), screen
    assert all(line.startswith(("│", "╭", "╰")) for line in lines[:-1]), screen  # every border
