"""The debugger when a user saves or loads during a run, types a watch the network cannot have,
or the program crashes: nothing lost, nothing left running, never a silent exit 0."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from bpstep.session import Session, build_config, load_session, save_session
from bpstep.tui.app import BpstepApp

SIZE = (140, 45)


def text_of(app: BpstepApp, selector: str) -> str:
    region = app.screen.query_one(selector).region
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    return "\n".join(
        line[region.x : region.x + region.width]
        for line in lines[region.y : region.y + region.height]
    )


async def start_run(app: BpstepApp, pilot, epochs: int) -> None:
    """t, ``epochs``, enter: a run in the background (Pilot's waits for an idle process last up
    to a second each while it trains, so the run is well under way when this returns)."""
    await pilot.press("t")
    await pilot.pause()
    app.screen.query_one("#prompt-input").value = str(epochs)
    await pilot.press("enter")
    assert app.running


async def answer_prompt(app: BpstepApp, pilot, value: str | None) -> None:
    """Type ``value`` into the open prompt and press enter (None: escape)."""
    for _ in range(100):
        if app.screen.query("#prompt-input"):
            break
        await asyncio.sleep(0.02)
        await pilot.pause()
    if value is None:
        await pilot.press("escape")
    else:
        app.screen.query_one("#prompt-input").value = value
        await pilot.press("enter")
    await pilot.pause()


async def until_finished(app: BpstepApp, pilot, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while app.running and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert not app.running


def straight_to(index: int, preset: str = "digits") -> Session:
    s = Session(build_config(preset))
    s.run_to(index)
    return s


async def test_ctrl_s_during_a_run_saves_the_stop_it_names_and_the_run_goes_on(tmp_path):
    path = tmp_path / "mid.npz"
    app = BpstepApp(Session(build_config("digits")))
    async with app.run_test(size=SIZE) as pilot:
        await start_run(app, pilot, 1000)
        await pilot.press("ctrl+s")
        assert not app.running  # paused while the prompt is open
        paused_at = app.session.index
        await answer_prompt(app, pilot, str(path))
        assert app.running  # and going on again
        await pilot.press("escape")
        await until_finished(app, pilot)
        assert app.session.index > paused_at
    saved = load_session(path)
    assert saved.index == paused_at
    clean = straight_to(saved.index)
    for mine, theirs in zip(saved.network.weights, clean.network.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)


async def test_a_run_paused_for_a_save_ends_where_it_would_have_ended():
    app = BpstepApp(Session(build_config("digits")))
    # an extra check that never fires but takes 2 ms a stop: the run goes stop by stop and lasts
    # a few seconds (the fast path trains 40 digits epochs in under a second now)
    app.session.extra_checks.append(lambda stop: time.sleep(0.002))
    S, ipe = app.session.stops_per_iteration, app.session.iterations_per_epoch
    async with app.run_test(size=SIZE) as pilot:
        await start_run(app, pilot, 2)
        await pilot.press("ctrl+s")
        assert not app.running and app.session.completed_epochs < 2
        await answer_prompt(app, pilot, None)  # escape: no save, the run goes on …
        await until_finished(app, pilot)
        # … to the end of epoch 2, as if it had never been paused
        assert app.session.index == 2 * ipe * S and app.session.completed_epochs == 2
        assert "done: 2 epochs" in text_of(app, "#message")


async def test_ctrl_s_during_a_run_then_escape_keeps_the_run_going(tmp_path):
    app = BpstepApp(Session(build_config("digits")))
    async with app.run_test(size=SIZE) as pilot:
        await start_run(app, pilot, 1000)
        await pilot.press("ctrl+s")
        await answer_prompt(app, pilot, None)
        assert app.running and list(tmp_path.iterdir()) == []
        moved = app.session.completed_epochs
        await asyncio.sleep(0.5)
        await pilot.pause()
        await pilot.press("escape")
        await until_finished(app, pilot)
        assert app.session.completed_epochs > moved
        assert "cancelled" in text_of(app, "#message")


async def test_ctrl_o_during_a_run_stops_the_old_run_and_keys_work_at_once(tmp_path):
    path = tmp_path / "xor.npz"
    xor = Session(build_config("xor"))
    for _ in range(5):
        xor.step()
    save_session(xor, path)
    app = BpstepApp(Session(build_config("digits")))
    async with app.run_test(size=SIZE) as pilot:
        await start_run(app, pilot, 1000)
        old = app.session
        await pilot.press("ctrl+o")
        await answer_prompt(app, pilot, str(path))
        assert app.session is not old and app.session.index == 5
        assert not app.running
        assert "stopped" in text_of(app, "#message")
        index = old.index
        await asyncio.sleep(0.5)
        assert old.index == index  # nothing trains the discarded session
        await pilot.press("n")  # keys work without an escape first
        await pilot.pause()
        assert app.session.index == 6


async def test_ctrl_o_during_a_run_with_a_bad_file_keeps_the_run(tmp_path):
    app = BpstepApp(Session(build_config("digits")))
    async with app.run_test(size=SIZE) as pilot:
        said: list[str] = []
        say = app.say

        def recording(text: str, style: str = "") -> None:
            said.append(text)
            say(text, style)

        app.say = recording
        await start_run(app, pilot, 1000)
        session = app.session
        await pilot.press("ctrl+o")
        await answer_prompt(app, pilot, str(tmp_path / "missing.npz"))
        assert app.session is session and app.running
        # the error was shown (it stays 4 s before the run's progress; Pilot may wait longer)
        assert any("cannot load" in text for text in said), said
        await pilot.press("escape")
        await until_finished(app, pilot)


async def test_a_watch_on_a_layer_the_network_lacks_is_refused_in_the_pane():
    app = BpstepApp(Session(build_config("xor")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await answer_prompt(app, pilot, "delta:99<1")
        assert "m = 1..2" in text_of(app, "#message")
        assert app.session.watches.norms == []


# ------------------------------------------------------------------ a crash, in a real terminal

TMUX = shutil.which("tmux")
CRASHING = (
    "import bpstep.tui.app as a; "
    "a.BpstepApp.action_step = lambda self: 1 / 0; "
    "from bpstep.cli import main; raise SystemExit(main([]))"
)


@pytest.mark.skipif(TMUX is None, reason="needs tmux")
def test_a_crash_of_the_debugger_exits_1_with_one_line_naming_the_log(tmp_path):
    server = f"bpstep-crash-{uuid.uuid4().hex[:8]}"

    def tmux(*args: str) -> str:
        return subprocess.run(
            [TMUX, "-L", server, *args], capture_output=True, text=True, timeout=20
        ).stdout

    command = (
        f"sleep 0.5; XDG_CACHE_HOME={tmp_path} {sys.executable} -c '{CRASHING}'; "
        "echo exit=$?; sleep 60"
    )
    tmux("new-session", "-d", "-s", "t", "-x", "140", "-y", "45", command)
    try:
        deadline = time.monotonic() + 30
        while "n or → steps" not in tmux("capture-pane", "-t", "t", "-p"):
            assert time.monotonic() < deadline, tmux("capture-pane", "-t", "t", "-p")
            time.sleep(0.2)
        tmux("send-keys", "-t", "t", "n")
        while "exit=" not in (screen := tmux("capture-pane", "-t", "t", "-p")):
            assert time.monotonic() < deadline, screen
            time.sleep(0.2)
    finally:
        subprocess.run([TMUX, "-L", server, "kill-server"], capture_output=True, timeout=20)
    text = " ".join(line.strip() for line in screen.splitlines() if line.strip())
    assert text.endswith("exit=1"), screen
    line = "bpstep: error: the debugger crashed (ZeroDivisionError: division by zero); the details"
    assert line in text, screen
    assert "Traceback" not in screen
    logs = list((tmp_path / "bpstep").glob("crash-*.log"))
    assert len(logs) == 1, logs
    assert str(logs[0]) in text.replace(" ", ""), screen  # (the path may wrap on the screen)
    log = logs[0].read_text()
    assert "Traceback" in log and "ZeroDivisionError" in log and "<lambda>" in log
