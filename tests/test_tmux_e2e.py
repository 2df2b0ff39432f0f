"""The real ``bpstep`` command in a real terminal (tmux), driven by key presses as a user would.

Skipped where tmux is not installed. Each test starts its own tmux server (``-L``) so that nothing
leaks between tests or into a user's tmux.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
BPSTEP = Path(sys.executable).with_name("bpstep")

pytestmark = pytest.mark.skipif(
    TMUX is None or not BPSTEP.exists(), reason="needs tmux and the installed bpstep command"
)


class Terminal:
    """A tmux pane of a fixed size running one command."""

    def __init__(self, command: str, width: int = 140, height: int = 45) -> None:
        self.server = f"bpstep-test-{uuid.uuid4().hex[:8]}"
        self.name = "t"
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command
        )
        self._tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(
            [TMUX, "-L", self.server, *args], capture_output=True, text=True, timeout=20
        )
        return out.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-t", self.name, "-p")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        """The screen once it shows ``text`` (fails after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def wait_stable(self, timeout: float = 5.0) -> str:
        """The screen once two captures 0.3 s apart agree."""
        deadline = time.monotonic() + timeout
        last = self.screen()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.screen()
            if now == last:
                return now
            last = now
        return last

    def dead(self) -> bool:
        return self._tmux("display-message", "-t", self.name, "-p", "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.server, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def terminal():
    terminals: list[Terminal] = []

    def start(*args: str, width: int = 140, height: int = 45, env: str = "") -> Terminal:
        # tmux sizes a new detached pane just after starting its command: let it settle first
        cmd = f"sleep 0.5; {env} exec " + " ".join([str(BPSTEP), *args])
        t = Terminal(cmd, width, height)
        terminals.append(t)
        return t

    yield start
    for t in terminals:
        t.close()


def test_step_forward_and_back_in_a_real_terminal(terminal):
    t = terminal()
    start = t.wait_for("forward")
    start = t.wait_stable()
    t.keys("n")
    time.sleep(0.5)
    after_step = t.wait_stable()
    assert after_step != start, "pressing n changed nothing on the screen"
    assert "z¹" in after_step
    t.keys("Right")
    after_two = t.wait_stable()
    assert after_two != after_step
    t.keys("p")
    t.keys("Left")
    time.sleep(0.5)
    back = t.wait_stable()
    assert back == start, "stepping forward twice and back twice did not give the first screen"


def test_help_and_quit_in_a_real_terminal(terminal):
    t = terminal()
    t.wait_for("forward")
    t.keys("?")
    help_screen = t.wait_for("step back")
    assert "cancel a run" in help_screen
    t.keys("Escape")
    t.wait_stable()
    t.keys("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not t.dead():
        time.sleep(0.1)
    assert t.dead(), "q did not quit bpstep"


def test_small_terminal_still_shows_the_network(terminal):
    t = terminal(width=80, height=24)
    screen = t.wait_for("forward")
    t.keys("n")
    screen = t.wait_stable()
    assert "Traceback" not in screen
    assert "z¹" in screen


def test_bad_option_exits_2_before_any_screen():
    out = subprocess.run(
        [str(BPSTEP), "--layers", "2,0,1"], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 2
    assert out.stderr.startswith("bpstep: error:")
    assert len(out.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in out.stderr
