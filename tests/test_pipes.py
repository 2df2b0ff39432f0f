"""The headless commands' output where it really goes: pipes that close early, files, terminals.

A reader that closes the pipe early (``| head -1``) has what it asked for: the command exits 0 and
says nothing. Output to a pipe or a file is plain, unwrapped text; a terminal gets lines as wide
as the terminal and a progress bar, with NO_COLOR too (NO_COLOR turns off colour, nothing else).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

BPSTEP = Path(sys.executable).with_name("bpstep")
NOT_INHERITED = ("FORCE_COLOR", "COLUMNS", "LINES", "NO_COLOR")
CORRECT = Path(__file__).resolve().parents[1] / "examples" / "grads_correct.py"


def piped(command: str, tmp_path: Path) -> tuple[int, str, str]:
    """(bpstep's exit status, what the reader read, bpstep's stderr) of ``bpstep … | reader``."""
    err = tmp_path / "stderr"
    script = f"set -o pipefail; '{BPSTEP}' {command} 2>'{err}'"
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, err.read_text()


@pytest.mark.parametrize(
    "command",
    [
        "trace | head -1",
        "trace --json --iterations 30 | head -c 10",
        "train --epochs 300 | head -1",
        "train --preset digits --epochs 2 | head -2",
        "export --to {tmp} | head -c 1",
    ],
)
def test_a_reader_that_closes_early_gets_exit_0_and_no_noise(tmp_path, command):
    status, out, err = piped(command.format(tmp=tmp_path / "out"), tmp_path)
    assert (status, err) == (0, ""), (status, err)
    assert out


def test_check_into_a_closed_pipe_exits_with_the_checks_verdict(tmp_path):
    status, out, err = piped(f"check '{CORRECT}' | head -1", tmp_path)
    assert (status, err) == (0, ""), (status, err)


def test_train_with_save_into_a_closed_pipe_still_saves(tmp_path):
    save = tmp_path / "s.npz"
    status, _, err = piped(f"train --epochs 50 --save '{save}' | head -1", tmp_path)
    assert (status, err) == (0, "")
    assert save.exists()


def test_a_pipe_or_a_file_gets_unwrapped_lines(tmp_path):
    status, out, _ = piped("train --preset digits --epochs 1 | cat", tmp_path)
    assert status == 0
    first = out.splitlines()[0]
    # the whole description on one line, however long (it is ~150 characters)
    assert first.startswith("64-") and first.rstrip().endswith("images)"), out
    assert len(first) > 100
    target = tmp_path / "out.txt"
    save = tmp_path / "s"
    piped(f"train --preset digits --epochs 1 --save '{save}' > '{target}'", tmp_path)
    lines = target.read_text().splitlines()
    assert lines[0] == first
    assert any(
        line.startswith("saved the session to ") and line.endswith("s.npz") for line in lines
    )


def in_terminal(args: list[str], columns: int, env: dict[str, str]) -> str:
    """Everything ``bpstep args`` writes to a terminal ``columns`` wide (a pseudo-terminal)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: bpstep on the terminal, sized before it starts
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        # an explicit environment: a test plugin puts COLUMNS and LINES in the C-level one
        child_env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        os.execve(str(BPSTEP), [str(BPSTEP), *args], {**child_env, **env})
    chunks, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}])
def test_a_wide_terminal_gets_wide_lines_and_a_progress_bar(env):
    out = in_terminal(["train", "--preset", "digits", "--epochs", "3"], 200, env)
    text = out.replace("\r\n", "\n")
    first = text.split("\n")[0]
    assert first.rstrip().endswith("images)"), first  # not wrapped at 100
    assert "training" in out and "%" in out  # the progress bar was drawn
    if env:
        assert "\x1b[3" not in out and "\x1b[9" not in out  # no foreground colours
