"""Ctrl-C (SIGINT) at any moment: never a traceback; a run with --save keeps what it trained."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bpstep.session import Session, build_config, load_session

BPSTEP = Path(sys.executable).with_name("bpstep")


def interrupted(args: list[str], delay: float, *, wait_for: str | None = None, cwd=None):
    """(exit status, stdout, stderr) of ``bpstep args`` sent SIGINT ``delay`` s after it started
    (or after ``wait_for`` appeared on its stdout)."""
    p = subprocess.Popen(
        [str(BPSTEP), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    head = ""
    if wait_for is not None:
        assert p.stdout is not None
        while wait_for not in head:
            line = p.stdout.readline()
            assert line, f"{wait_for!r} never appeared"
            head += line
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return p.returncode, head + out, err


def python_start_up() -> float:
    """Seconds this Python takes to start (site and .pth files, the editable install's finder)
    before any of bpstep's code can run: the slowest of three."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return max(times)


PACKAGE = Path(__file__).resolve().parents[1] / "bpstep"


def ours(traceback: str) -> bool:
    """A traceback through bpstep's own code. Python's start-up (site, .pth files, the editable
    install's finder) and the console script's import statement before bpstep/__init__ runs are
    beyond its reach."""
    return f'File "{PACKAGE}' in traceback


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.04, 0.07, 0.1, 0.13, 0.16, 0.2, 0.25])
def test_ctrl_c_while_starting_prints_no_traceback(delay):
    """A Ctrl-C in bpstep's first quarter second: one line and exit 130 (or the command had
    already finished), never a traceback through bpstep's code."""
    start = python_start_up() + delay
    status, _, err = interrupted(["train", "--preset", "digits", "--epochs", "1"], start)
    assert not ours(err), (start, err)
    if "Traceback" in err:  # Python's start-up took longer this time
        return
    assert status in (0, 130, -signal.SIGINT), (start, status, err)
    if status == 130:
        assert err.strip().splitlines()[-1].startswith("bpstep: interrupted"), err


def test_ctrl_c_during_a_save_run_saves_where_it_stopped_and_says_so(tmp_path):
    save = tmp_path / "s.npz"
    args = ["train", "--preset", "digits", "--epochs", "1000", "--save", str(save)]
    status, out, err = interrupted(args, 1.5, wait_for="digits")
    assert status == 130, (out, err)
    assert "Traceback" not in err
    assert "interrupted" in err
    assert f"saved the session to {save}" in out and "where the run was interrupted" in out
    assert f"bpstep --load {save}" in out
    s = load_session(save)
    assert 0 < s.index < 1000 * s.iterations_per_epoch * s.stops_per_iteration
    # the file holds the state it names: a straight run to that stop has the same parameters
    clean = Session(build_config("digits"))
    clean.run_to(s.index)
    for mine, theirs in zip(s.network.weights, clean.network.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # epochs finished before the interrupt are in the table
    assert len(s.history) >= 1


def test_ctrl_c_without_save_prints_the_epochs_done_and_exits_130():
    status, out, err = interrupted(
        ["train", "--preset", "digits", "--epochs", "1000"], 1.5, wait_for="digits"
    )
    assert status == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("bpstep: interrupted")
    assert "epoch" in out  # the table of the epochs done
