"""A soak test of the real debugger in tmux: 500 held n, 500 held p, resizes, and a run with saves
in between; it must end on the same screen as a clean session that only ran.

About a minute; deselect it with ``-m "not soak"``.
"""

from __future__ import annotations

import re
import time

import pytest
from test_tmux_e2e import BPSTEP, TMUX, Terminal

from bpstep.session import load_session

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(
        TMUX is None or not BPSTEP.exists(), reason="needs tmux and the installed bpstep command"
    ),
]

EPOCHS = 5000  # xor: one iteration an epoch; about 5 s in the debugger


class Debugger(Terminal):
    def __init__(self, folder, width: int = 140, height: int = 45) -> None:
        self.folder = folder
        super().__init__(f"sleep 0.5; cd '{folder}' && exec '{BPSTEP}'", width, height)
        self._tmux("set-option", "-t", self.name, "window-size", "manual")
        self.wait_for("n or → steps forward", timeout=30)

    def hold(self, key: str, times: int, chunk: int = 50) -> None:
        """``key`` as a held key sends it: many presses as fast as the terminal takes them."""
        for _ in range(times // chunk):
            self.keys(*[key] * chunk)

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def answer(self, text: str) -> None:
        """Replace the open prompt's suggestion with ``text`` and press enter (after a moment,
        as a person would: the prompt's input takes the keys once it is focused)."""
        time.sleep(0.5)
        self.keys("C-u")
        self.keys("-l", text)
        self.wait_for(f"▊  {text} ")  # in the prompt's input box
        self.keys("Enter")

    def train(self, epochs: int) -> None:
        self.keys("t")
        self.wait_for("Train how many epochs?")
        self.answer(str(epochs))

    def wait_done(self, timeout: float = 120) -> str:
        return self.wait_for(f"done: {EPOCHS} epochs", timeout=timeout)

    def final(self) -> str:
        """The screen once it is whole (the footer back after the run) and still for a second,
        with the run's duration (which varies) masked. On a loaded machine a frame painted
        half-way through the end of a run (the footer recomposing) can stay up for 0.3 s."""
        self.wait_for("q quit", timeout=30)
        deadline = time.monotonic() + 30
        last = self.screen()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.screen()
            if now == last:
                break
            last = now
        return re.sub(r"in \d+\.\d+ s", "in … s", last)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.2)


def test_held_keys_resizes_and_saves_end_on_the_screen_of_a_clean_run(tmp_path):
    soak = Debugger(tmp_path)
    clean = None
    try:
        soak.hold("n", 250)
        soak.resize(80, 24)
        soak.hold("n", 250)
        soak.resize(200, 60)
        time.sleep(1)
        soak.resize(140, 45)
        # stop 500 = iteration 72 (7 stops an iteration), its cost stop: epoch 72 on xor
        soak.wait_for("epoch 72", timeout=120)
        soak.keys("C-s")
        soak.wait_for("Save the session to")
        soak.answer("after-n.npz")
        soak.wait_for("saved to after-n.npz", timeout=30)
        soak.hold("p", 250)
        soak.resize(100, 30)
        soak.hold("p", 250)
        soak.resize(140, 45)
        start = soak.wait_for("no stop taken yet", timeout=120)
        assert "Traceback" not in start
        soak.train(EPOCHS)
        soak.wait_for("escape cancels", timeout=30)
        soak.keys("C-s")  # during the run: paused, saved, and on again
        soak.wait_for("Save the session to")
        soak.answer("mid-run.npz")
        wait_until(lambda: (tmp_path / "mid-run.npz").exists(), 30, "the mid-run save")
        soak.resize(90, 30)
        soak.resize(140, 45)
        soak.wait_done()
        after = soak.final()
        assert not soak.dead()

        clean = Debugger(tmp_path)
        clean.train(EPOCHS)
        clean.wait_done()
        expected = clean.final()
        if after != expected:  # both screens, for the report
            (tmp_path / "soak.txt").write_text(after)
            (tmp_path / "clean.txt").write_text(expected)
        assert after == expected, f"the screens differ: diff {tmp_path}/soak.txt clean.txt"
    finally:
        soak.close()
        if clean is not None:
            clean.close()
    assert load_session(tmp_path / "after-n.npz").index == 500
    mid = load_session(tmp_path / "mid-run.npz")
    assert 0 < mid.completed_epochs < EPOCHS
