"""Training inside the debugger (``t`` N epochs) against headless training, on digits and
784-100-10.

Run: ``python benchmarks/bench_tui_train.py`` (about two minutes; ``--rounds N``). Needs tmux and
the installed ``bpstep`` command.

- **headless**: what ``bpstep train --epochs N`` does, in this process: a fresh session and
  ``run_epochs(1)`` N times, without a progress bar (its fastest form);
- **debugger**: the real ``bpstep`` in tmux (140×45): ``t``, N, Enter; the times are the one the
  debugger reports when the run ends ("done: N epochs in X s", from the Enter to the run's
  end) and Enter → that message on the screen (the final repaint and the terminal included);
  the screen is read every 20 ms meanwhile to count the progress-bar and cost-curve updates a
  learner saw.

Rounds alternate the two; the figures are medians, the ratio headless / debugger (target ≥ 0.90:
training in the debugger at 90% of headless speed or better).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_terminal import bpstep_command, load, mnist_like, open_at_start, wait_for

from bpstep.session import Session, build_config

DONE_RE = re.compile(r"done: (\d+) epochs? in ([\d.]+) s")
PERCENT_RE = re.compile(r"(\d+)%")


def headless(config_args: dict, epochs: int) -> float:
    """Seconds for ``epochs`` epochs as ``bpstep train`` runs them (one run_epochs(1) each)."""
    session = Session(build_config(**config_args))
    t = time.perf_counter()
    for _ in range(epochs):
        session.run_epochs(1)
    return time.perf_counter() - t


def in_debugger(args: list[str], epochs: int) -> tuple[float, float, int]:
    """(seconds the debugger reports, Enter → its "done" on the screen, screens seen)."""
    pane, screen = open_at_start(bpstep_command(args))
    try:
        pane.send("t")
        wait_for(pane, lambda s: "Train how many epochs?" in s)
        typed = re.compile(rf"▊\s+{epochs}\s")
        for _ in range(5):  # the prompt's input may take a moment to have the keys
            # clear the suggested number (the cursor is after it); then the number, a moment
            # later (keys right after a control key were sometimes lost)
            pane.command("send-keys -t b" + " BSpace" * 8)
            time.sleep(0.1)
            pane.command(f"send-keys -t b -l {epochs}")
            time.sleep(0.2)
            if typed.search(pane.screen()):
                break
        t0 = pane.send("Enter")
        screens, seen = 0, None
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            screen = pane.screen()
            if screen != seen:
                screens, seen = screens + 1, screen
            done = DONE_RE.search(" ".join(screen.split()))
            if done:
                return float(done[2]), time.perf_counter() - t0, screens
            time.sleep(0.02)
        raise SystemExit(f"bench_tui_train: the run never ended; the screen was:\n{screen}")
    finally:
        pane.close()


def case(name: str, config_args: dict, args: list[str], epochs: int, rounds: int) -> None:
    ours, walls, theirs, updates = [], [], [], []
    for _ in range(rounds):
        theirs.append(headless(config_args, epochs))
        seconds, wall, screens = in_debugger(args, epochs)
        ours.append(seconds)
        walls.append(wall)
        updates.append(screens)
    h, d, w = statistics.median(theirs), statistics.median(ours), statistics.median(walls)
    print(
        f"{name:11s} {epochs} epochs (medians of {rounds}): headless {h:5.2f} s; debugger "
        f"{d:5.2f} s as it reports, {w:5.2f} s Enter → result on the screen; headless / debugger"
        f" = {h / d:.2f} and {h / w:.2f} (target ≥ 0.90); {statistics.median(updates):.0f} "
        f"screens seen during a run ({load()})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (default 3)")
    parser.add_argument(
        "--longer",
        type=int,
        default=1,
        help="runs this many times as long (the debugger's fixed cost, the prompt closing and "
        "the last repaint, then weighs less: what is left is the rate of training)",
    )
    opts = parser.parse_args()
    print(f"bench_tui_train ({load()})")
    with tempfile.TemporaryDirectory() as tmp:
        npz = mnist_like(Path(tmp))
        case("digits", {"preset": "digits"}, ["--preset", "digits"], 100 * opts.longer, opts.rounds)
        big = {"preset": "xor", "data": str(npz), "layers": [784, 100, 10], "batch_size": 32}
        big_args = ["--data", str(npz), "--layers", "784,100,10", "--batch-size", "32"]
        case("784-100-10", big, big_args, 50 * opts.longer, opts.rounds)


if __name__ == "__main__":
    main()
