"""One epoch of ``Network.fit`` against a plain vectorised NumPy mini-batch loop (and torch).

Run: ``python benchmarks/bench_fit.py``. Prints the median of several repeats and the ratios
fit / plain (goal ≤ 1.0, never above 1.25) and fit / torch (goal < 1) on the lesson's 64-30-10
digits network (1,437 samples, batch 10) and on 784-100-10 (10,000 random samples, batch 32).
The plain loop does the same maths (sigmoid, quadratic cost, SGD) with nothing around it.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bpstep import Network

REPEATS = 9  # medians of this many one-epoch runs


def plain_epoch(weights, biases, X, Y, batch_size, lr, rng):
    """A plain vectorised mini-batch SGD epoch, sigmoid layers and quadratic cost."""
    n = X.shape[1]
    order = rng.permutation(n)
    X = X[:, order]
    Y = Y[:, order]
    L = len(weights)
    for s in range(0, n, batch_size):
        x = X[:, s : s + batch_size]
        y = Y[:, s : s + batch_size]
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


def torch_epoch(model, X, Y, batch_size, lr, torch):
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


def median_time(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def case(name, sizes, X, Y, batch_size, lr=0.5):
    net = Network(sizes, seed=0)
    t_fit = median_time(lambda: net.fit(X, Y, epochs=1, batch_size=batch_size, lr=lr))
    W, b = net.get_params()
    rng = np.random.default_rng(0)
    t_plain = median_time(lambda: plain_epoch(W, b, X, Y, batch_size, lr, rng))
    line = (
        f"{name:12s} n={X.shape[1]:6d} batch {batch_size:3d}   fit {t_fit * 1e3:8.1f} ms   "
        f"plain numpy {t_plain * 1e3:8.1f} ms   "
        f"fit/plain {t_fit / t_plain:5.2f}"
    )
    try:
        import torch
    except ImportError:
        line += "   torch: not installed"
    else:
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.Sigmoid()]
        model = torch.nn.Sequential(*layers)
        Xt = torch.from_numpy(np.ascontiguousarray(X.T))
        Yt = torch.from_numpy(np.ascontiguousarray(Y.T))
        t_torch = median_time(lambda: torch_epoch(model, Xt, Yt, batch_size, lr, torch))
        line += (
            f"   torch {t_torch * 1e3:8.1f} ms   fit/torch {t_fit / t_torch:5.2f}"
            f" ({torch.__version__}, {torch.get_num_threads()} threads)"
        )
    print(line, flush=True)
    return t_fit / t_plain


def main() -> None:
    from bpstep.datasets import load_dataset

    d = load_dataset("digits")
    print(f"numpy {np.__version__}; median of {REPEATS} one-epoch runs")
    case("64-30-10", [64, 30, 10], d.X_train, d.Y_train, 10, lr=3.0)
    rng = np.random.default_rng(1)
    X = rng.random((784, 10_000))
    Y = np.eye(10)[:, rng.integers(0, 10, 10_000)]
    case("784-100-10", [784, 100, 10], X, Y, 32)


if __name__ == "__main__":
    main()
