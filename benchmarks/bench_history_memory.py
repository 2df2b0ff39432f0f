"""Memory and time of the stepping history on a 784-100-10 network.

Run: ``python benchmarks/bench_history_memory.py``. Steps through 1,100 stops (about 157
iterations of 7 stops), then measures with tracemalloc how much memory the session holds beyond
the network and data, how long stepping back 1,000 stops takes, and checks that stepping forward
again gives the same weights. Target: history of 1,000 stops under 64 MB.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from bpstep.datasets.synthetic import random_images
from bpstep.session import Session, SessionConfig


def make_session(optimizer: str) -> Session:
    d = random_images(2000)
    cfg = SessionConfig(
        data="random", layers=[784, 100, 10], batch_size=10, lr=0.1, optimizer=optimizer
    )
    return Session(cfg, dataset=d)


def main() -> None:
    for optimizer in ("sgd", "adam"):
        tracemalloc.start()
        s = make_session(optimizer)
        base, _ = tracemalloc.get_traced_memory()
        t = time.perf_counter()
        for _ in range(1100):
            s.step()
        t_step = (time.perf_counter() - t) / 1100
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ahead = s.network.weights[0].copy()
        backs = []
        for _ in range(1000):
            t = time.perf_counter()
            s.back()
            backs.append(time.perf_counter() - t)
        for _ in range(1000):
            s.step()
        same = np.array_equal(ahead, s.network.weights[0])
        print(
            f"{optimizer:5s} 784-100-10: history of 1,000 stops holds "
            f"{(held - base) / 2**20:6.1f} MB (peak {(peak - base) / 2**20:.1f} MB; "
            f"{len(s.checkpoints)} checkpoints, every {s.spacing} iteration(s), "
            f"{s.history_bytes() / 2**20:.1f} MB by count); "
            f"step {t_step * 1e3:.2f} ms, back median {statistics.median(backs) * 1e3:.2f} ms "
            f"max {max(backs) * 1e3:.1f} ms; forward again bit-identical: {same}"
        )


if __name__ == "__main__":
    main()
