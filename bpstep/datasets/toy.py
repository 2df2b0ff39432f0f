"""Generated, seeded two-dimensional toy sets: xor, circles, moons, spiral, blobs.

Each ``make_*`` function returns raw ``(X, y)`` with rows as samples (X of shape (n, 2), y the
class index of each sample); the same seed always gives the same points. :func:`load_toy` turns
them into a :class:`~bpstep.datasets.dataset.Dataset` with a seeded, stratified train/test split.
The features are left unscaled (they already lie within a few units of 0), so a decision boundary
can be drawn in the data's own coordinates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpstep.datasets.dataset import Dataset
from bpstep.datasets.prepare import build_dataset, labels_to_targets
from bpstep.engine.errors import DataError

__all__ = [
    "TOY_DATASETS",
    "TOY_OPTIONS",
    "load_toy",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
]


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points (0,0), (0,1), (1,0), (1,1) with labels 0, 1, 1, 0 (x₁ XOR x₂).

    Not linearly separable: the smallest network that fits it needs a hidden layer (2-2-1).
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def make_circles(
    n: int = 300, noise: float = 0.08, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric rings: class 0 on the unit circle, class 1 on a circle of radius ``factor``.

    Angles are uniform, and each point gets Gaussian noise of standard deviation ``noise``.
    """
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t = rng.uniform(0.0, 2.0 * np.pi, n)
    r = np.concatenate([np.ones(n_out), np.full(n_in, factor)])
    X = np.column_stack([r * np.cos(t), r * np.sin(t)]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return X, y


def make_moons(n: int = 300, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the usual "moons").

    Class 0: (cos t, sin t) for t ∈ [0, π]; class 1: (1 − cos t, ½ − sin t); plus Gaussian noise.
    """
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
        ]
    )
    X = X + rng.normal(0.0, noise, X.shape)
    y = np.concatenate([np.zeros(n0, dtype=np.intp), np.ones(n1, dtype=np.intp)])
    return X, y


def make_spiral(
    n: int = 300, k: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` interleaved spiral arms, n/k points each (the CS231n spiral).

    Arm j: radius r ∈ [0, 1] evenly spaced, angle θ = 4(j + r) + noise·ε, point r (sin θ, cos θ).
    Not linearly separable: a linear classifier gets about 1/k of it right.
    """
    rng = np.random.default_rng(seed)
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    Xs, ys = [], []
    for j, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), m) + rng.normal(0.0, noise, m)
        Xs.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        ys.append(np.full(m, j, dtype=np.intp))
    return np.concatenate(Xs), np.concatenate(ys)


def make_blobs(
    n: int = 300, k: int = 3, noise: float = 0.7, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` Gaussian blobs, n/k points each, standard deviation ``noise``.

    Centres sit on a circle of radius 3 at evenly spaced angles (with a seeded rotation), so
    the blobs are well apart for the default noise.
    """
    rng = np.random.default_rng(seed)
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    phase = rng.uniform(0.0, 2.0 * np.pi)
    angles = phase + 2.0 * np.pi * np.arange(k) / k
    centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    Xs, ys = [], []
    for j, m in enumerate(sizes):
        Xs.append(centres[j] + rng.normal(0.0, noise, (m, 2)))
        ys.append(np.full(m, j, dtype=np.intp))
    return np.concatenate(Xs), np.concatenate(ys)


TOY_DATASETS: dict[str, str] = {
    "xor": "the 4 XOR points (0,0),(0,1),(1,0),(1,1) → 0,1,1,0; 2 inputs, 1 output, no test set",
    "circles": "300 points on two noisy concentric circles; 2 inputs, 2 classes (1 output)",
    "moons": "300 points on two interleaving half moons; 2 inputs, 2 classes (1 output)",
    "spiral": "300 points on 3 spiral arms; 2 inputs, 3 classes (one-hot)",
    "blobs": "300 points in 3 Gaussian blobs; 2 inputs, 3 classes (one-hot)",
}

# Options accepted in a spec such as "blobs:k=4,n=500" (name -> option -> type).
TOY_OPTIONS: dict[str, dict[str, type]] = {
    "xor": {},
    "circles": {"n": int, "noise": float, "factor": float},
    "moons": {"n": int, "noise": float},
    "spiral": {"n": int, "k": int, "noise": float},
    "blobs": {"n": int, "k": int, "noise": float},
}

_MAKERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circles": make_circles,
    "moons": make_moons,
    "spiral": make_spiral,
    "blobs": make_blobs,
}


def _check_options(name: str, options: dict) -> None:
    n = options.get("n")
    k = options.get("k", 2 if name in ("circles", "moons") else 3)
    if n is not None and n < 4:
        raise DataError(f"{name}: n={n} is too small; expected n >= 4")
    if "k" in options and not 2 <= k <= 50:
        raise DataError(f"{name}: k={k} is out of range; expected 2 <= k <= 50 classes")
    if n is not None and n < 2 * k:
        raise DataError(f"{name}: n={n} is too small for {k} classes; expected n >= {2 * k}")
    for key in ("noise", "factor"):
        if key in options and options[key] < 0:
            raise DataError(f"{name}: {key}={options[key]} is negative; expected {key} >= 0")


def load_toy(
    name: str,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    n_train: int | None = None,
    options: dict | None = None,
) -> Dataset:
    """A toy set by name, generated from ``seed`` and split with it.

    xor has no test set (its four points are the whole problem); ``n_train`` may still keep the
    first few of them. Two-class sets get Y of shape (1, n) with 0/1; k > 2 classes one-hot.
    """
    options = dict(options or {})
    _check_options(name, options)
    if name == "xor":
        X, y = make_xor()
        if n_train is not None:
            ds = build_dataset(
                "xor", X, y, seed=seed, test_fraction=0.0, n_train=n_train, scaling="none"
            )
            return ds
        return Dataset(
            name="xor",
            X_train=np.ascontiguousarray(X.T),
            Y_train=labels_to_targets(y, 2),
            X_test=None,
            Y_test=None,
            labels_train=y.astype(np.intp),
            labels_test=None,
            classes=["0", "1"],
            image_shape=None,
            task="classification",
        )
    X, y = _MAKERS[name](seed=seed, **options)
    k = int(y.max()) + 1
    return build_dataset(
        name if not options else f"{name}:" + ",".join(f"{a}={b}" for a, b in options.items()),
        X,
        y,
        seed=seed,
        test_fraction=test_fraction,
        n_train=n_train,
        scaling="none",
        classes=[str(j) for j in range(k)],
    )
