"""Key → screen of the real ``bpstep`` in a real terminal (tmux), as a learner meets it.

Run: ``python benchmarks/bench_terminal.py`` (a few minutes; ``--quick`` for fewer presses,
``--no-inapp`` to skip ``bench_keys.py``'s in-app figure printed beside it). Needs tmux and the
installed ``bpstep`` command (``pip install -e .``).

The command runs in a tmux pane of 140×45 on a tmux server of its own. A control-mode client
(``tmux -C``) sends the keys and reads the screen with ``capture-pane`` every ``POLL`` seconds
(about 0.05 ms a read, so the poll interval, not the read, bounds the resolution). For each key:

- **first change**: send-keys → the first read whose screen differs from the one before the key;
- **complete**: send-keys → the last change before the screen stays the same for ``SETTLE``
  seconds (the screen holding the key's new content).

Cases: xor (the default preset), digits, and 784-100-10 on 2,000 MNIST-like samples (a synthetic
``.npz`` of random 28×28 images, batch 32). Also:

- **first paint** of ``bpstep`` (xor): the command is typed into a waiting shell, so the times
  are from Enter to the first screen showing the debugger's frame (its panes' borders down to
  the last rows), to its first stop (the start message: every pane painted, keys answered) and
  to the screen settling; ``python -c print(…)`` and a bare Textual app (their first output)
  give the floors;
- **the key floor**: the same keys on a bare Textual app whose ``n`` and ``p`` change one
  number (``BARE_KEYS``): what Textual's input and output and tmux take, before any of bpstep;
- **held keys**: ``n`` sent 30 times a second for 5 s; at every read the stop shown is read off
  the network pane's position line (``epoch e · it. i/N · forward m=1 …``, any of its forms
  that names the stop) and compared with the presses sent.
  It reports the key → that stop shown latencies, the largest backlog (presses sent but not yet
  shown; goal ≤ 1) and whether the last screen is the right stop.

Every figure comes with the load average when it was taken: on a shared machine compare the
ratios and medians of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

POLL = 0.002  # seconds between screen reads
SETTLE = 0.4  # a key's screen is complete when unchanged this long
SIZE = (140, 45)
HELD_RATE = 30.0  # presses a second
HELD_SECONDS = 5.0
START_TEXT = "steps forward"  # in the debugger's first message: the first stop is painted
# the network pane's position line, in each of its forms (network_view.position): "epoch 1 ·
# iteration 2/63 · stop backward m=2 · batch of 32", "epoch 1 · it. 2/63 · backward m=2 · batch
# 32", "ep. 1 · it. 2/63 · backward m=2" (the shorter ones, for narrower panes, name no stop)
STOP_RE = re.compile(
    r"(?:epoch|ep\.) (\d+) · (?:iteration|it\.) (\d+)/(\d+) · (?:stop )?"
    r"(cost|(?:forward|backward|update)(?= m=(\d+)))"
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


class Pane:
    """A tmux pane on a server of its own, read and typed into by a control-mode client."""

    def __init__(self, command: str) -> None:
        self.tmux = shutil.which("tmux") or sys.exit("bench_terminal: tmux is not installed")
        self.server = f"bpstep-bench-{uuid.uuid4().hex[:8]}"
        w, h = SIZE
        # one command queue: the pane is kept (remain-on-exit) even if the command ends at once
        self._run(
            "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", str(w), "-y", str(h), command,
            ";", "set-option", "-t", "b", "remain-on-exit", "on",
        )  # fmt: skip
        self.client = subprocess.Popen(
            [self.tmux, "-L", self.server, "-C", "attach", "-t", "b"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.replies: queue.Queue[list[str]] = queue.Queue()
        threading.Thread(target=self._read_replies, daemon=True).start()
        self.replies.get(timeout=10)  # attach's own reply
        self.command("refresh-client -f no-output")  # no %output notifications: replies only

    def _run(self, *args: str) -> None:
        subprocess.run([self.tmux, "-L", self.server, *args], check=True, capture_output=True)

    def _read_replies(self) -> None:
        block: list[str] | None = None
        assert self.client.stdout is not None
        for line in self.client.stdout:
            line = line.rstrip("\n")
            if line.startswith("%begin"):
                block = []
            elif line.startswith(("%end", "%error")) and block is not None:
                self.replies.put(block)
                block = None
            elif block is not None:
                block.append(line)

    def command(self, text: str) -> list[str]:
        assert self.client.stdin is not None
        self.client.stdin.write(text + "\n")
        self.client.stdin.flush()
        return self.replies.get(timeout=10)

    def screen(self) -> str:
        return "\n".join(self.command("capture-pane -p -t b"))

    def send(self, key: str) -> float:
        """Send one key; the time just before it went."""
        t = time.perf_counter()
        self.command(f"send-keys -t b {key}")
        return t

    def close(self) -> None:
        try:
            self.command("kill-server")
        except (queue.Empty, BrokenPipeError, OSError):
            pass
        self.client.wait(timeout=5)
        # tmux leaves its socket behind: the server is gone, so is its socket
        Path(f"/tmp/tmux-{os.getuid()}/{self.server}").unlink(missing_ok=True)


def wait_for(pane: Pane, test, timeout: float = 30.0) -> tuple[float, str]:
    """(time, screen) of the first read whose screen passes ``test``."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        screen = pane.screen()
        if test(screen):
            return time.perf_counter(), screen
        time.sleep(POLL)
    raise SystemExit(f"bench_terminal: timed out; the screen was:\n{pane.screen()}")


def settle(pane: Pane, before: str, timeout: float = 10.0) -> tuple[float | None, float, str]:
    """(first change, last change, final screen) after a key, as perf_counter times."""
    first = None
    last = time.perf_counter()
    screen = before
    deadline = last + timeout
    while time.perf_counter() < deadline:
        now_screen = pane.screen()
        now = time.perf_counter()
        if now_screen != screen:
            first = first or now
            last, screen = now, now_screen
        elif first is not None and now - last >= SETTLE:
            break
        elif first is None and now - last >= 3.0:  # the key changed nothing
            break
        time.sleep(POLL)
    return first, last, screen


def stats(times: list[float]) -> str:
    if not times:
        return "no data"
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return f"median {statistics.median(times) * 1e3:6.1f} ms, p95 {p95 * 1e3:6.1f} ms"


def stop_shown(screen: str) -> tuple[int, int, int, str, int | None] | None:
    """(epoch, iteration, iterations an epoch, phase, layer) the network pane names, or None."""
    # the pane is the first one on each row; its text wraps, so its rows are joined first
    rows = [line.split("│")[1] for line in screen.splitlines() if line.count("│") >= 2]
    m = STOP_RE.search(" ".join(" ".join(rows).split()))
    if not m:
        return None
    layer = int(m[5]) if m[5] else None
    return int(m[1]), int(m[2]), int(m[3]), m[4], layer


def stop_index(shown, L: int) -> int:
    """The session's stop number of a ``stop_shown``: 3L + 1 stops an iteration."""
    epoch, it, per_epoch, phase, m = shown
    k = {
        "forward": lambda: m - 1,
        "cost": lambda: L,
        "backward": lambda: L + (L - m) + 1,
        "update": lambda: 2 * L + m,
    }[phase]()
    return ((epoch - 1) * per_epoch + it - 1) * (3 * L + 1) + k + 1


# ---------------------------------------------------------------------------- the measurements
def bpstep_command(args: list[str]) -> str:
    exe = Path(sys.executable).with_name("bpstep")
    if not exe.exists():
        sys.exit("bench_terminal: the bpstep command is not installed (pip install -e .)")
    return " ".join([str(exe), *args])


def waiting(command: str) -> str:
    """A shell that runs ``command`` when Enter is pressed (so that start-up can be timed)."""
    return f"bash --norc --noprofile -c {shlex.quote('read -r _; exec ' + command)}"


def framed(screen: str) -> bool:
    """The debugger's frame is on the screen: its panes' borders reach the last rows."""
    return sum(1 for line in screen.splitlines() if line.strip()) >= SIZE[1] - 2


def first_paint(command: str, frame=framed) -> tuple[float, float, float]:
    """Enter → (the frame shown, the first stop shown and keys answered, the screen settled).

    ``frame`` tells a screen with the frame on it; the first stop is the start message (the
    debugger shows it once every pane is painted and its keys work).
    """
    pane = Pane(waiting(command))
    try:
        time.sleep(0.3)  # the shell is waiting
        t0 = pane.send("Enter")
        t_frame, _ = wait_for(pane, frame)
        t_ready, screen = wait_for(pane, lambda s: START_TEXT in s)
        _, last, _ = settle(pane, screen)
        pane.send("q")
        return t_frame - t0, t_ready - t0, max(last, t_ready) - t0
    finally:
        pane.close()


def open_at_start(command: str) -> tuple[Pane, str]:
    pane = Pane(command)
    _, screen = wait_for(pane, lambda s: START_TEXT in s)
    _, _, screen = settle(pane, screen)
    return pane, screen


def keys(pane: Pane, screen: str, presses: int) -> tuple[list[float], list[float], str]:
    """Five steps forward and one back, repeated: key → first change and → complete."""
    first, complete = [], []
    for i in range(presses):
        key = "p" if i % 6 == 5 else "n"
        t = pane.send(key)
        t_first, t_last, screen = settle(pane, screen)
        if t_first is None:
            raise SystemExit(f"bench_terminal: {key!r} changed nothing on the screen:\n{screen}")
        first.append(t_first - t)
        complete.append(t_last - t)
    return first, complete, screen


def held(pane: Pane, screen: str, L: int) -> str:
    """``n`` held: HELD_RATE presses a second for HELD_SECONDS; how far the screen fell behind."""
    shown = stop_shown(screen)
    if shown is None:
        return "held keys: the stop could not be read off the screen"
    base = stop_index(shown, L)
    n = int(HELD_RATE * HELD_SECONDS)
    sent: list[float] = []
    reached: dict[int, float] = {}  # press k shown at this time
    backlog_before_send: list[int] = []
    current = base
    t0 = time.perf_counter()
    while len(sent) < n or current < base + n:
        now = time.perf_counter()
        if len(sent) < n and now >= t0 + len(sent) / HELD_RATE:
            backlog_before_send.append(len(sent) - (current - base))
            sent.append(pane.send("n"))
        s = stop_shown(pane.screen())
        t = time.perf_counter()
        if s is not None:
            current = stop_index(s, L)
            for k in range(1, current - base + 1):
                reached.setdefault(k, t)
        if t - t0 > HELD_SECONDS + 10:
            break
        time.sleep(POLL)
    _, _, screen = settle(pane, pane.screen())
    s = stop_shown(screen)
    end = stop_index(s, L) if s else None
    lags = [reached[k] - sent[k - 1] for k in sorted(reached) if k <= n]
    right = "the right stop" if end == base + n else f"stop {end}, not {base + n}: WRONG"
    return (
        f"held n ({n} at {HELD_RATE:.0f}/s): key → its stop shown {stats(lags)}, max "
        f"{max(lags) * 1e3:.0f} ms; largest backlog {max(backlog_before_send)} presses "
        f"(goal ≤ 1); ended on {right}"
    )


# ---------------------------------------------------------------------------- the run
BARE_TEXTUAL = """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    BINDINGS = [("q", "quit", "quit")]

    def compose(self):
        yield Static("n or → steps forward")  # START_TEXT; the footer has FRAME_TEXT
        yield Footer()

Bare().run()
"""


# the floor for keys: a Textual app whose n and p only change one number on the screen
BARE_KEYS = """
from textual.app import App
from textual.widgets import Footer, Static

class Keys(App):
    BINDINGS = [("n", "step(1)", "step"), ("p", "step(-1)", "back"), ("q", "quit", "quit")]
    stop = 0

    def compose(self):
        yield Static("n or → steps forward")  # START_TEXT
        yield Static("stop 0", id="stop")
        yield Footer()

    def action_step(self, by):
        self.stop += by
        self.query_one("#stop", Static).update(f"stop {self.stop}")

Keys().run()
"""


def mnist_like(folder: Path, n: int = 2000) -> Path:
    """A .npz of n random 28×28 8-bit images and labels 0..9 (what ``--data`` reads)."""
    rng = np.random.default_rng(0)
    path = folder / "mnist-like.npz"
    X = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    np.savez(path, X=X, y=rng.integers(0, 10, n))
    return path


def paint_report(folder: Path, repeats: int) -> None:
    """First paint of bpstep (xor) beside the floors, repetitions interleaved."""
    bare = folder / "bare_textual.py"
    bare.write_text(BARE_TEXTUAL)
    py = sys.executable
    commands = {
        "python -c print": f"{py} -c {shlex.quote(f'print({START_TEXT!r})')}",
        "bare Textual app": f"{py} {bare}",
        "bpstep (xor)": bpstep_command([]),
    }
    times: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
    loads = []
    for _ in range(repeats):
        for name, command in commands.items():
            # the floors' frame is their first output
            frame = framed if name.startswith("bpstep") else (lambda s: bool(s.strip()))
            times[name].append(first_paint(command, frame))
        loads.append(os.getloadavg()[0])
    print(
        f"first paint, Enter → screen ({repeats} runs each, interleaved; 1-min load "
        f"{min(loads):.2f}–{max(loads):.2f}):"
    )
    for name in commands:
        frame, ready, settled = zip(*times[name], strict=True)
        print(
            f"  {name:17s} frame {stats(list(frame))} | first stop {stats(list(ready))} | "
            f"settled {stats(list(settled))}"
        )
    ours = [t[0] for t in times["bpstep (xor)"]]
    floor = [t[0] for t in times["bare Textual app"]]
    print(
        f"  bpstep / bare Textual app (frame, medians): "
        f"{statistics.median(ours) / statistics.median(floor):.2f}; target: bpstep frame ≤ 0.5 s"
    )


def floor_report(folder: Path, presses: int) -> None:
    """The same keys on BARE_KEYS: what Textual and tmux take before bpstep does anything."""
    bare = folder / "bare_keys.py"
    bare.write_text(BARE_KEYS)
    pane, screen = open_at_start(f"{sys.executable} {bare}")
    try:
        first, complete, screen = keys(pane, screen, presses)
        print(
            f"{'floor':11s} key → first change {stats(first)} | key → complete "
            f"{stats(complete)}  (a bare Textual app changing one number; {load()})",
            flush=True,
        )
    finally:
        pane.close()


def case_report(name: str, args: list[str], presses: int, held_keys: bool) -> None:
    pane, screen = open_at_start(bpstep_command(args))
    try:
        first, complete, screen = keys(pane, screen, presses)
        print(
            f"{name:11s} key → first change {stats(first)} | key → complete "
            f"{stats(complete)}  ({presses} keys, {load()})",
            flush=True,
        )
        if held_keys:
            print(f"{'':11s} {held(pane, screen, L=2)}  ({load()})", flush=True)
    finally:
        pane.close()


def inapp(npz: Path) -> None:
    """bench_keys.py's in-app figure on the same three cases, for comparison."""
    import asyncio

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_keys

    from bpstep.session import Session, build_config
    from bpstep.session.config import SessionConfig

    big = SessionConfig(data=str(npz), layers=[784, 100, 10], batch_size=32)
    print(f"in-app (bench_keys.py: Key event → last compositor refresh, {load()}):")
    for label, config in (
        ("xor", build_config("xor")),
        ("digits", build_config("digits")),
        ("784-100-10", big),
    ):
        asyncio.run(bench_keys.measure(label, Session(config)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer presses and repetitions")
    parser.add_argument("--no-inapp", action="store_true", help="skip bench_keys' figure")
    opts = parser.parse_args()
    presses, repeats = (12, 3) if opts.quick else (36, 7)
    print(
        f"bench_terminal: tmux {SIZE[0]}×{SIZE[1]}, poll {POLL * 1e3:.0f} ms, settle "
        f"{SETTLE * 1e3:.0f} ms; {os.cpu_count()} cores, {load()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        npz = mnist_like(Path(tmp))
        paint_report(Path(tmp), repeats)
        print(
            "keys (five n, one p, repeated); targets: complete median ≤ 20 ms on xor and "
            "digits, ≤ 50 ms on 784-100-10:"
        )
        floor_report(Path(tmp), presses)
        case_report("xor", [], presses, True)
        case_report("digits", ["--preset", "digits"], presses, True)
        big = ["--data", str(npz), "--layers", "784,100,10", "--batch-size", "32"]
        case_report("784-100-10", big, presses, True)
        if not opts.no_inapp:
            inapp(npz)


if __name__ == "__main__":
    main()
