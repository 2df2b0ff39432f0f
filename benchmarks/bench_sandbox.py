"""What the sandbox costs: starting its child, and one call's round trip with a 784×100 array.

Run: ``python benchmarks/bench_sandbox.py``. Start-up is ``Sandbox.start()`` from the caller's
side: spawn a Python, import NumPy, import the learner's file (which imports NumPy too), reply;
``startup`` is the part the child measured from its first line to before the learner's file
(set-up and NumPy). For comparison, a bare
``python -c pass`` and ``python -c "import numpy"`` (with its BLAS threads, and with one as
the child has). The round trip is ``Sandbox.call`` of a
learner function ``2 * x`` on a 784×100 float64 array (627 KB each way: pickled, piped, checked,
unpickled), against calling it in-process, and a call with no array.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bpstep.checker.sandbox import Sandbox

LEARNER = """\
import numpy as np

def double(x):
    return 2 * x

def nothing():
    return None
"""


def call(module, name: str, *args):
    """The target the child runs (this file is importable there: the child has our sys.path)."""
    return getattr(module, name)(*args)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def show(label: str, seconds: list[float]) -> None:
    ms = [1000 * s for s in seconds]
    print(
        f"{label:<48} median {statistics.median(ms):8.2f} ms   "
        f"min {min(ms):8.2f}   max {max(ms):8.2f}   (n={len(ms)})"
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    path = folder / "learner.py"
    path.write_text(LEARNER)
    target = f"{Path(__file__).stem}:call"
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    one = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # as in the sandbox's child
    for code, env, note in [
        ("pass", None, ""),
        ("import numpy", None, ""),
        ("import numpy", one, ", 1 BLAS thread"),
    ]:
        run = [sys.executable, "-P", "-c", code]
        label = f"python -c {code!r}{note}"
        show(label, timed(lambda r=run, e=env: subprocess.run(r, check=True, env=e), 10))

    starts, inner = [], []
    for _ in range(10):
        with Sandbox(path) as box:
            begin = time.perf_counter()
            box.start()
            starts.append(time.perf_counter() - begin)
            inner.append(box.startup)
    show("Sandbox.start() (spawn + numpy + learner file)", starts)
    show("  of which in the child: set-up, NumPy import", inner)

    x = np.random.default_rng(0).normal(size=(784, 100))
    with Sandbox(path) as box:
        box.start()
        assert np.array_equal(box.call(target, "double", x), 2 * x)
        show(
            "call, 784×100 array there and back", timed(lambda: box.call(target, "double", x), 200)
        )
        show("call, no array", timed(lambda: box.call(target, "nothing"), 200))
    show("in-process 2 * x, 784×100 (for comparison)", timed(lambda: 2 * x, 200))


if __name__ == "__main__":
    main()
