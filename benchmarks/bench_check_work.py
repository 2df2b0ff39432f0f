"""``bpstep check`` on the default xor and on digits: its work beyond start-up.

Run: ``python benchmarks/bench_check_work.py`` (about half a minute; ``--repeats N``). Times the
real command (``bpstep check examples/grads_correct.py``, and with ``--preset digits``) beside
``bpstep check --help`` (the same start-up: Python, the command line, no work), in interleaved
rounds; "work" is the median of a check minus the median of --help. Target (issue 15): ≤ 1 s of
work. Then a profile (cProfile, in this process) of each check names the costliest calls.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADS = ROOT / "examples" / "grads_correct.py"
BPSTEP = Path(sys.executable).with_name("bpstep")

RUNS = {
    "--help (start-up)": ["check", "--help"],
    "check (xor)": ["check", str(GRADS)],
    "check (digits)": ["--preset", "digits", "check", str(GRADS)],
}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def wall(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([str(BPSTEP), *args], capture_output=True, check=False)
    return time.perf_counter() - t


def profile(args: list[str], top: int = 12) -> str:
    from bpstep.cli import main

    prof = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        prof.enable()
        main(args)
        prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"bpstep", top)
    lines = [ln for ln in out.getvalue().splitlines() if "bpstep" in ln or "ncalls" in ln]
    return "\n".join(lines[: top + 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()
    if not BPSTEP.exists():
        sys.exit("bench_check: the bpstep command is not installed (pip install -e .)")
    times: dict[str, list[float]] = {k: [] for k in RUNS}
    for _ in range(opts.repeats):
        for name, args in RUNS.items():
            times[name].append(wall(args))
    start = statistics.median(times["--help (start-up)"])
    print(f"bpstep check, {opts.repeats} interleaved runs each ({load()}):")
    for name, ts in times.items():
        ts.sort()
        med, p95 = statistics.median(ts), ts[int(0.95 * (len(ts) - 1))]
        work = "" if name.startswith("--help") else f"; work beyond start-up {med - start:.2f} s"
        print(f"  {name:18s} median {med:.2f} s, p95 {p95:.2f} s{work}  (target: work ≤ 1 s)")
    for name in ("check (xor)", "check (digits)"):
        print(f"profile of {name} in-process (cumulative; bpstep's own calls):")
        print(profile(RUNS[name][:]))


if __name__ == "__main__":
    main()
