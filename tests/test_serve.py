"""``bpstep serve`` as a user meets it: its options, its one-line errors, the warning, a clean
stop, and who may open a session. The page in a real browser: test_serve_browser.py."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bpstep.cli import build_parser
from bpstep.commands.serve import served_argv, served_command

BPSTEP = Path(sys.executable).with_name("bpstep")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def bpstep(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run(
        [str(BPSTEP), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def assert_usage_error(out, *fragments: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith("bpstep: error: ")
    for f in fragments:
        assert f in out.stderr, (f, out.stderr)
    assert "the debugger is at" not in out.stdout  # nothing was served


# --- the command each tab runs -------------------------------------------------------------


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_each_tab_runs_bpstep_with_the_options_given_before_or_after_serve():
    args = parse("--lr", "0.5", "serve", "--preset", "digits", "--grads", "mine.py", "--port", "0")
    assert served_argv(args) == ["--preset=digits", "--lr=0.5", "--grads=mine.py"]
    args = parse("--grads", "mine.py", "serve", "--layers", "2,4,1", "--activation", "tanh,sigmoid")
    assert served_argv(args) == ["--layers=2,4,1", "--activation=tanh,sigmoid", "--grads=mine.py"]
    assert args.host == "127.0.0.1" and args.port == 8000


def test_the_options_read_back_as_the_same_values():
    """What a tab's bpstep parses from the served command is what `bpstep serve` parsed."""
    given = [
        "--preset=l2",
        "--lr=-0.1",
        "--l2=1e-05",
        "--batch-size=3",
        "--seed=7",
        "--data=-odd name.csv",
        "--layers=2,3,1",
    ]
    args = parse("serve", *given)
    again = parse(*served_argv(args))
    for name in ("preset", "lr", "l2", "batch_size", "seed", "data", "layers"):
        assert getattr(again, name) == getattr(args, name), name


def test_a_file_name_reaches_bpstep_as_typed_and_is_never_run_by_the_shell(tmp_path):
    nasty = "my grads $(touch PWNED); `touch PWNED2` 'it''s\" \\.py"
    command = served_command(parse("serve", "--grads", nasty))
    words = shlex.split(command)
    assert words[:4] == ["exec", sys.executable, "-m", "bpstep"]
    assert words[4:] == [f"--grads={nasty}"]
    # the shell textual-serve uses, running the same command with `echo` in place of python
    echo = command.replace(shlex.quote(sys.executable), "printf '%s\\n'", 1)
    out = subprocess.run(
        ["/bin/sh", "-c", echo], capture_output=True, text=True, cwd=tmp_path, timeout=10
    )
    assert out.stdout.splitlines() == ["-m", "bpstep", f"--grads={nasty}"]
    assert list(tmp_path.iterdir()) == []


# --- one-line errors before anything is served ---------------------------------------------


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = bpstep("serve", "--port", str(port))
    assert_usage_error(out, f"port {port} on 127.0.0.1 is already in use", "--port")


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--port", "70000"], ["--port", "0..65535"]),
        (["--port", "http"], ["--port", "0..65535"]),
        (["--host", "192.0.2.1"], ["'192.0.2.1' is not an address of this machine"]),
        (["--host", "a" * 64 + ".example"], ["cannot resolve it", "not a valid host name"]),
        (["--host", ""], ["--host is empty"]),
        (["--preset", "nope"], ["unknown preset 'nope'"]),
        (["--layers", "2,x"], ["comma-separated integers"]),
        (["--grads", "no-such-file.py"], ["no-such-file.py", "no such file"]),
        (["--load", "x.npz", "--preset", "xor"], ["cannot be combined with --preset"]),
    ],
)
def test_bad_options_are_one_line_and_exit_2_before_serving(argv, fragments):
    assert_usage_error(bpstep("serve", "--port", "0", *argv), *fragments)


def test_a_gradient_file_with_a_syntax_error_is_rejected_before_serving(tmp_path):
    bad = tmp_path / "mine.py"
    bad.write_text("def output_delta(a, y, z:\n    return a - y\n")
    assert_usage_error(bpstep("serve", "--port", "0", "--grads", str(bad)), "mine.py:1")


def test_without_the_serve_extra_it_names_the_extra(tmp_path):
    """As where textual-serve is not installed: a module of that name that cannot import."""
    shim = tmp_path / "textual_serve"
    shim.mkdir()
    (shim / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'textual_serve'\", name='textual_serve')\n"
    )
    out = bpstep("serve", env={"PYTHONPATH": str(tmp_path)})
    assert_usage_error(out, "serve extra", "textual_serve", "pip install 'bpstep[serve]'")


# --- a running server ----------------------------------------------------------------------


class Served:
    """``bpstep serve`` running in the background; its output read as it comes."""

    def __init__(self, *argv: str, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [str(BPSTEP), "serve", "--port", "0", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        for stream, lines in (
            (self.process.stdout, self.stdout),
            (self.process.stderr, self.stderr),
        ):
            threading.Thread(target=self._read, args=(stream, lines), daemon=True).start()
        line = self.wait_for(self.stdout, "the debugger is at http://")
        self.url = line.split("the debugger is at ", 1)[1].split()[0]
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            with self._changed:
                lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, lines: list[str], text: str, timeout: float = 20.0) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: (
                    next((x for x in lines if text in x), None) or self.process.poll() is not None
                ),
                timeout,
            )
            match = next((x for x in lines if text in x), None)
        assert found and match, f"{text!r} never came; stdout {self.stdout}, stderr {self.stderr}"
        return match

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


@pytest.fixture
def served():
    pytest.importorskip("textual_serve", reason="needs the serve extra: pip install -e '.[serve]'")
    running: list[Served] = []

    def start(*argv: str, cwd: Path | None = None) -> Served:
        running.append(Served(*argv, cwd=cwd))
        return running[-1]

    yield start
    for s in running:
        if s.process.poll() is None:
            s.process.kill()
            s.process.wait(10)


def test_loopback_serves_without_a_warning_and_ctrl_c_stops_it_cleanly(served):
    s = served("--preset", "digits")
    assert s.url.startswith("http://127.0.0.1:")
    assert s.stop(signal.SIGINT) == 0
    assert not any("warning" in x for x in s.stderr), s.stderr
    assert s.stderr[-1] == "bpstep serve: stopped (SIGINT)"
    assert not any("Traceback" in x for x in s.stdout + s.stderr)


def test_a_non_loopback_host_warns_in_one_line_that_others_can_run_your_code(served):
    s = served("--host", "0.0.0.0")
    warning = s.wait_for(s.stderr, "warning")
    assert warning.startswith("bpstep: warning: --host 0.0.0.0 ")
    assert "gradient files (and any code in them)" in warning
    assert s.url == f"http://{socket.gethostname()}:{s.port}/"
    assert s.stop(signal.SIGTERM) == 0
    assert [x for x in s.stderr if "warning" in x] == [warning]


def test_only_pages_of_this_server_may_open_a_session(served):
    """A web page elsewhere (another Origin) or a rebound DNS name (a Host that is not a loopback
    name) would otherwise drive the learner's debugger; both get 403 and no bpstep starts."""
    import aiohttp

    s = served()

    async def open_session(headers: dict[str, str]) -> int:
        async with aiohttp.ClientSession() as client:
            url = f"http://127.0.0.1:{s.port}/ws?width=80&height=24"
            try:
                async with client.ws_connect(url, headers=headers) as ws:
                    await ws.close()
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    here = f"127.0.0.1:{s.port}"
    assert asyncio.run(open_session({"Origin": "http://evil.example"})) == 403
    assert asyncio.run(open_session({"Host": f"evil.example:{s.port}"})) == 403
    rebound = {"Host": f"evil.example:{s.port}", "Origin": f"http://evil.example:{s.port}"}
    assert asyncio.run(open_session(rebound)) == 403
    assert asyncio.run(open_session({"Origin": f"http://{here}"})) == 101
    s.wait_for(s.stderr, "session 1 ended (0 running)")
    assert sum("refused a session" in x for x in s.stderr) == 3
    assert s.stop() == 0


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("localhost.evil.example", False),
        ("", False),
    ],
)
def test_which_host_names_count_as_loopback(host, loopback):
    web = pytest.importorskip("bpstep.commands.serve_web", reason="needs the serve extra")
    assert web.loopback_name(host) is loopback
