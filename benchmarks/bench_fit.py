"""One epoch of ``Network.fit`` against a lean NumPy mini-batch loop and torch (CPU, float64).

Run: ``python benchmarks/bench_fit.py`` (two to three minutes; ``--repeats N`` to change the number
of rounds). Torch is optional: ``pip install torch==2.13.0`` (a CPU build).

Cases: the lesson's 64-30-10 digits network (1,437 samples, batch 10, α = 3) and 784-100-10
(10,000 random samples, batch 32). Every implementation does the same maths: sigmoid layers,
quadratic cost, plain SGD, one shuffled epoch. In each round every implementation runs one epoch,
one after the other (interleaved, so a change in the machine's load falls on all of them); the
figures are the medians and p95 over the rounds, and the ratios are of the medians (each round
runs them in a new random order, and a pause separates two, so that none always runs in the
wake of another's threads). Targets
(issue 15): fit ≤ 0.9 × the lean loop and ≤ 0.7 × torch.

- **lean**: the loop a NumPy user would write: a per-batch gather ``X[:, idx]`` (no per-epoch
  copy), ``1/(1+exp(−z))``, ``delta @ a.T / n`` and ``W -= lr * gW``; no cost computed;
- **torch**: ``nn.Sequential`` of ``Linear``/``Sigmoid`` in float64, ``optim.SGD``, a per-epoch
  ``X[perm]``, with torch's own thread count and with one thread;
- BLAS threads: ``fit`` and the session's runs use one BLAS thread for networks this small
  (``bpstep.engine.blas``); the lean loop is timed with the process's default and with one
  thread, so both comparisons are there.

Also printed: the matmul peak of this machine in the same run (the median GFLOP/s of a
1024×1024 by 1024×1024 float64 product, default threads and one thread) and the 784-100-10
epoch's arithmetic (2 flops per multiply-add of W¹a⁰, δ¹(a⁰)ᵀ and the small layer) as a
fraction of it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from bpstep import Network
from bpstep.engine.blas import blas_threads

PAUSE = 0.3  # seconds between two timed epochs (OpenMP threads spin up to 0.2 s after work)


def lean_epoch(weights, biases, X, Y, batch_size, lr, rng) -> None:
    """A lean vectorised mini-batch SGD epoch: sigmoid layers, quadratic cost."""
    n = X.shape[1]
    order = rng.permutation(n)
    L = len(weights)
    for s in range(0, n, batch_size):
        idx = order[s : s + batch_size]
        x = X[:, idx]
        y = Y[:, idx]
        acts = [x]
        for W, b in zip(weights, biases, strict=True):
            acts.append(1.0 / (1.0 + np.exp(-(W @ acts[-1] + b))))
        a = acts[-1]
        delta = (a - y) * a * (1 - a)
        k = x.shape[1]
        for m in range(L - 1, -1, -1):
            gW = delta @ acts[m].T / k
            gb = delta.mean(axis=1, keepdims=True)
            if m:
                delta = (weights[m].T @ delta) * acts[m] * (1 - acts[m])
            weights[m] -= lr * gW
            biases[m] -= lr * gb


def torch_epoch(model, X, Y, batch_size, lr, torch) -> None:
    """The same epoch in torch; X and Y here are (samples, features), torch's layout."""
    n = X.shape[0]
    perm = torch.randperm(n)
    Xt, Yt = X[perm], Y[perm]
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for s in range(0, n, batch_size):
        opt.zero_grad()
        out = model(Xt[s : s + batch_size])
        loss = 0.5 * ((out - Yt[s : s + batch_size]) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def stats(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return f"{statistics.median(times) * 1e3:8.1f} ms (p95 {p95 * 1e3:7.1f})"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def matmul_peak(threads: int | None, repeats: int = 7) -> float:
    """GFLOP/s of a 1024³ float64 matrix product (median; None: the default threads)."""
    rng = np.random.default_rng(0)
    A, B = rng.random((1024, 1024)), rng.random((1024, 1024))
    with blas_threads(threads):
        A @ B  # warm up
        best = statistics.median(timed(lambda: A @ B) for _ in range(repeats))
    return 2 * 1024**3 / best / 1e9


def epoch_flops(sizes: list[int], n: int) -> float:
    """2 flops a multiply-add: forward W^m a^{m−1}, δ^m (a^{m−1})ᵀ, and (W^{m+1})ᵀ δ^{m+1}."""
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    per_sample = sum(4 * a * b for a, b in pairs) + sum(2 * a * b for a, b in pairs[1:])
    return float(per_sample * n)


def torch_runner(sizes, X, Y, batch_size, lr):
    """One torch epoch with its default threads and with one, as callables (None without)."""
    try:
        import torch
    except ImportError:
        return None, "torch: not installed (pip install torch==2.13.0)"
    torch.manual_seed(0)
    layers: list = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T))
    Yt = torch.from_numpy(np.ascontiguousarray(Y.T))
    threads = torch.get_num_threads()
    about = f"torch {torch.__version__}, {threads} threads by default"

    def run(n: int) -> None:
        torch.set_num_threads(n)
        try:
            torch_epoch(model, Xt, Yt, batch_size, lr, torch)
        finally:
            torch.set_num_threads(threads)

    return {
        f"torch, {threads} threads (default)": lambda: run(threads),
        "torch, 1 thread": lambda: run(1),
    }, about


def case(name, sizes, X, Y, batch_size, lr, repeats) -> dict[str, float]:
    """Interleaved one-epoch timings; returns the medians in seconds."""
    import bpstep.engine.blas as blas

    net = Network(sizes, seed=0)
    W, b = net.get_params()
    rng = np.random.default_rng(0)
    default_net = Network(sizes, seed=0)

    def fit_default_threads() -> None:
        small, blas.SMALL_PRODUCT = blas.SMALL_PRODUCT, 0  # no network counts as small
        try:
            default_net.fit(X, Y, epochs=1, batch_size=batch_size, lr=lr)
        finally:
            blas.SMALL_PRODUCT = small

    def lean_one_thread() -> None:
        with blas_threads(1):
            lean_epoch(W, b, X, Y, batch_size, lr, rng)

    runs: dict[str, Callable[[], object]] = {
        "fit": lambda: net.fit(X, Y, epochs=1, batch_size=batch_size, lr=lr),
        "fit, default BLAS threads": fit_default_threads,
        "lean, default BLAS threads": lambda: lean_epoch(W, b, X, Y, batch_size, lr, rng),
        "lean, 1 BLAS thread": lean_one_thread,
    }
    torch_runs, about = torch_runner(sizes, X, Y, batch_size, lr)
    runs |= torch_runs or {}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for fn in runs.values():  # warm-up: first-touch of memory, torch's and threadpoolctl's set-up
        fn()
    order = np.random.default_rng(7)
    for _ in range(repeats):
        # a new order each round, so that none always runs after the same one (torch's OpenMP
        # threads spin on after it returns), and a pause longer than their spin between two
        for k in order.permutation(list(runs)):
            time.sleep(PAUSE)
            times[k].append(timed(runs[k]))
    print(f"{name}: n = {X.shape[1]}, batch {batch_size}, {repeats} rounds ({load()}); {about}")
    for k, ts in times.items():
        print(f"  {k:27s} {stats(ts)}")
    med = {k: statistics.median(ts) for k, ts in times.items()}
    line = (
        f"  fit / lean: {med['fit'] / med['lean, 1 BLAS thread']:.2f} (both 1 BLAS thread), "
        f"{med['fit'] / med['lean, default BLAS threads']:.2f} (lean with the default)"
    )
    for k in torch_runs or {}:
        line += f";  fit / {k}: {med['fit'] / med[k]:.2f}"
    print(line + "   targets: ≤ 0.90 and ≤ 0.70", flush=True)
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="rounds (default 15)")
    opts = parser.parse_args()
    from bpstep.datasets import load_dataset

    print(f"numpy {np.__version__}, {os.cpu_count()} cores, {load()}")
    peak = {t: matmul_peak(t) for t in (None, 1)}
    print(
        f"matmul peak (1024³ float64, median): {peak[None]:.1f} GFLOP/s default threads, "
        f"{peak[1]:.1f} GFLOP/s one thread  ({load()})"
    )
    d = load_dataset("digits")
    case("64-30-10", [64, 30, 10], d.X_train, d.Y_train, 10, 3.0, opts.repeats)
    rng = np.random.default_rng(1)
    X = rng.random((784, 10_000))
    Y = np.eye(10)[:, rng.integers(0, 10, 10_000)]
    med = case("784-100-10", [784, 100, 10], X, Y, 32, 0.5, opts.repeats)
    flops = epoch_flops([784, 100, 10], X.shape[1])
    rate = flops / med["fit"] / 1e9
    print(
        f"784-100-10 epoch: {flops / 1e9:.2f} GFLOP in {med['fit'] * 1e3:.0f} ms = {rate:.1f} "
        f"GFLOP/s: {rate / peak[None]:.0%} of the default-threads peak, {rate / peak[1]:.0%} "
        f"of the one-thread peak ({load()})"
    )


if __name__ == "__main__":
    main()
