"""``bpstep check`` on each shape's default network: the time a learner waits (goal < 2 s).

Run: ``python benchmarks/bench_check.py``. For each learner file of tests/learners_checker/
(one per shape, correct) it times the whole command as a learner runs it, ``bpstep check FILE``
in a fresh process (start-up, loading the file, two batches, finite differences, the report),
and prints the median of several runs and the slowest, then the same in-process (the check
alone, without the interpreter's start-up), so that the two can be told apart.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = ROOT / "tests" / "learners_checker"
BPSTEP = Path(sys.executable).with_name("bpstep")
FILES = [
    ("bpstep's four functions", ROOT / "examples" / "grads_correct.py"),
    ("Nielsen network.py", LEARNERS / "nielsen_network.py"),
    ("CS231n TwoLayerNet", LEARNERS / "cs231n_two_layer_net.py"),
    ("dlai two-layer (notebook)", LEARNERS / "dlai_planar.ipynb"),
    ("dlai L-layer", LEARNERS / "dlai_L_layer.py"),
    ("dlai gradient checking", LEARNERS / "dlai_gradcheck_course_bugs.py"),
    ("Ng ex4 nnCostFunction", LEARNERS / "ng_ex4.py"),
]
REPEATS = 5
GOAL = 2.0  # seconds


def command_time(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BPSTEP), "check", str(path)], capture_output=True, check=False)
    return time.perf_counter() - start


def in_process_time(path: Path) -> float:
    from bpstep.session.usergrads import check_session, load_user_module, session_for

    start = time.perf_counter()
    code = load_user_module(path)
    check_session(code, session_for(code), 2)
    code.close()
    return time.perf_counter() - start


def main() -> None:
    print(f"bpstep check, default network of each shape, {REPEATS} runs (goal < {GOAL:g} s)")
    print(f"{'shape':28} {'command median':>15} {'slowest':>8} {'in-process':>11}")
    worst = 0.0
    for label, path in FILES:
        runs = [command_time(path) for _ in range(REPEATS)]
        inner = statistics.median(in_process_time(path) for _ in range(REPEATS))
        worst = max(worst, max(runs))
        print(f"{label:28} {statistics.median(runs):14.2f}s {max(runs):7.2f}s {inner:10.3f}s")
    verdict = "within" if worst < GOAL else "OVER"
    print(f"slowest command: {worst:.2f} s, {verdict} the {GOAL:g} s goal")


if __name__ == "__main__":
    main()
