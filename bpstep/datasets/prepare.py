"""From raw arrays (rows are samples) to a :class:`Dataset` (columns are samples).

Every loader ends here, so that all data goes through the same steps in the same order:

1. targets: integer (or integral, or string) labels become a classification task with the labels
   remapped to 0..k-1 (the original values kept as class names); a two-class task gets one 0/1
   output row (a sigmoid unit), k > 2 classes one-hot columns (a softmax layer); float targets
   that are not all whole numbers are a regression task, kept as given, shape (n_targets, n).
2. split: a seeded train/test split, stratified by class (each class keeps its share of the test
   set), with n_test = ⌈test_fraction · n⌉ (1,797 digits at 0.2 → 360 test, 1,437 train).
3. ``n_train``: a seeded, stratified subset of the training set (the test set is unchanged, so a
   small-training-set run is compared on the same test samples).
4. scaling, from TRAINING statistics only (the test set must stay unseen):
   ``"standardise"`` x ← (x − μ) / σ per feature, ``"divide"`` x ← x / s for images (s the
   maximum pixel value), or ``"none"``.
"""

from __future__ import annotations

import math

import numpy as np

from bpstep.datasets.dataset import Dataset
from bpstep.engine.errors import ConfigError, DataError

__all__ = [
    "build_dataset",
    "encode_targets",
    "labels_to_targets",
    "stratified_split",
]

SCALINGS = ("standardise", "divide", "none")


def labels_to_targets(labels: np.ndarray, k: int) -> np.ndarray:
    """Target matrix for class indices ``labels`` (n,) in 0..k-1.

    k == 2 gives one row y ∈ {0, 1} (shape (1, n)); k > 2 gives one-hot columns, y_j = 1 for the
    sample's class j and 0 elsewhere (shape (k, n)).
    """
    labels = np.asarray(labels, dtype=np.intp)
    n = labels.shape[0]
    if k == 2:
        return labels.astype(np.float64).reshape(1, n)
    Y = np.zeros((k, n), dtype=np.float64)
    Y[labels, np.arange(n)] = 1.0
    return Y


def _class_name(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def encode_targets(y: np.ndarray, source: str):
    """Decide the task from ``y`` and encode it.

    Returns ``(task, labels, classes, targets)``: for classification ``labels`` (n,) int in
    0..k-1, ``classes`` the k original values as strings, ``targets`` None; for regression
    ``labels``/``classes`` None and ``targets`` (n, n_targets) float64.
    """
    y = np.asarray(y)
    n = y.shape[0]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim > 2 or y.ndim == 0:
        raise DataError(
            f"{source}: y has shape {y.shape}; expected labels (n,) or targets (n, n_targets)"
        )
    if y.dtype.kind in "US":  # class names given as strings
        classes_raw, labels = np.unique(y, return_inverse=True)
        return _classification(labels, [str(c) for c in classes_raw], source)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{source}: y has dtype {y.dtype}; expected numbers or class-name strings")
    yf = y.astype(np.float64)
    if not np.all(np.isfinite(yf)):
        bad = int(np.argwhere(~np.isfinite(yf))[0][0])
        raise DataError(
            f"{source}: y has a non-finite value (NaN or inf) at sample {bad}; "
            "expected finite numbers"
        )
    if y.ndim == 2:
        is_one_hot = np.all((yf == 0) | (yf == 1)) and np.all(yf.sum(axis=1) == 1)
        if is_one_hot:
            k = y.shape[1]
            return _classification(
                np.argmax(yf, axis=1), [str(j) for j in range(k)], source, k_declared=k
            )
        return "regression", None, None, _regression_targets(yf.reshape(n, -1), source)
    if y.dtype.kind in "biu" or np.all(yf == np.round(yf)):
        classes_raw, labels = np.unique(yf if y.dtype.kind == "f" else y, return_inverse=True)
        return _classification(labels, [_class_name(c) for c in classes_raw], source)
    return "regression", None, None, _regression_targets(yf.reshape(n, 1), source)


# regression targets beyond this make the squared error (a − y)² overflow a float64 (~1.8e308)
TARGET_LIMIT = 1e150


def _regression_targets(targets: np.ndarray, source: str) -> np.ndarray:
    """Regression targets, refused when they are too large for any cost to be computed."""
    peak = float(np.max(np.abs(targets))) if targets.size else 0.0
    if peak > TARGET_LIMIT:
        raise DataError(
            f"{source}: the regression targets y reach {peak:.3g}; their squared errors would "
            f"overflow float64 (NaN costs at any learning rate): expected targets within "
            f"±{TARGET_LIMIT:.0e} (rescale them, e.g. divide by their largest value)"
        )
    return targets


def _classification(labels, classes, source, k_declared=None):
    k = k_declared if k_declared is not None else len(classes)
    present = np.unique(labels).size
    if present < 2:
        only = classes[int(labels[0])] if len(labels) else "?"
        raise DataError(
            f"{source}: every sample has the same label ({only}); "
            "classification needs at least 2 classes"
        )
    if k < 2:
        raise DataError(f"{source}: only one class; classification needs at least 2 classes")
    return "classification", np.asarray(labels, dtype=np.intp).reshape(-1), classes, None


def _test_count(n: int, test_fraction: float, source: str) -> int:
    if not (0.0 <= test_fraction < 1.0) or isinstance(test_fraction, bool):
        raise ConfigError(
            f"test fraction {test_fraction!r} is out of range; expected a number in [0, 1)"
        )
    n_test = math.ceil(test_fraction * n - 1e-9) if test_fraction > 0 else 0
    if n_test and n - n_test < 1:
        raise DataError(
            f"{source}: only {n} samples, too few to split off a test set of {test_fraction:g}; "
            "expected at least 2 samples (or a test fraction of 0)"
        )
    return n_test


def stratified_split(
    n: int, labels: np.ndarray | None, n_pick: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices 0..n-1 into (rest, picked) with ``len(picked) == n_pick``.

    With ``labels``, each class c of size n_c contributes ⌊n_pick · n_c / n⌋ samples, and the few
    left over go to the classes with the largest remainders (ties to the lower class index), so
    the picked set has the same class proportions as the whole. Both index arrays come back in a
    seeded random order, so classes are mixed.
    """
    if labels is None:
        perm = rng.permutation(n)
        return perm[n_pick:], perm[:n_pick]
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    quota = n_pick * counts / n
    take = np.floor(quota).astype(np.intp)
    left = n_pick - int(take.sum())
    if left > 0:
        order = sorted(range(len(classes)), key=lambda j: (-(quota[j] - take[j]), j))
        for j in order[:left]:
            take[j] += 1
    picked, rest = [], []
    for c, t in zip(classes, take, strict=True):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(idx.size)]
        picked.append(idx[:t])
        rest.append(idx[t:])
    picked_a = np.concatenate(picked)
    rest_a = np.concatenate(rest)
    return rest_a[rng.permutation(rest_a.size)], picked_a[rng.permutation(picked_a.size)]


def _columns(rows: np.ndarray) -> np.ndarray:
    """Rows-are-samples (any numeric dtype) → a new C-contiguous float64 (features, samples)."""
    out = np.empty((rows.shape[1], rows.shape[0]), dtype=np.float64)
    out[...] = rows.T
    return out


def _scale(X_train, X_test, scaling, scale_value, source: str) -> None:
    """Scale columns-are-samples arrays in place with the TRAINING set's statistics.

    When a feature's mean or σ overflows (values beyond ~1e154: their squares, or their sum, do
    not fit in a float64) it is standardised as x / s_j, s_j the feature's largest |x| in the
    training set, which gives the same (x − μ)/σ for finite data of any size (even ±1e308);
    DataError when a scaled value is still not finite (a test value far outside the training
    set's range, or a divisor of 0).
    """
    if scaling == "none":
        return
    if scaling == "divide":
        s = scale_value if scale_value is not None else float(np.max(np.abs(X_train)))
        if s <= 0:
            s = 1.0
        for X in (X_train, X_test):
            if X is not None:
                X /= s
    else:
        with np.errstate(all="ignore"):  # overflow is looked for, not warned about
            mu, sigma = _statistics(X_train)
            if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
                peak = np.max(np.abs(X_train), axis=1, keepdims=True)
                peak[peak == 0] = 1.0
                for X in (X_train, X_test):
                    if X is not None:
                        X /= peak
                mu, sigma = _statistics(X_train)
            for X in (X_train, X_test):
                if X is not None:
                    X -= mu
                    X /= sigma
    for X, which in ((X_train, "training"), (X_test, "test")):
        if X is not None and not np.isfinite(X).all():
            feature = int(np.argwhere(~np.isfinite(X))[0][0])
            raise DataError(
                f"{source}: feature {feature} of the {which} set cannot be scaled to finite "
                f"numbers ({scaling}: values too far outside the training set's range); "
                "expected values of a similar size in the training and test sets"
            )


def _statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """μ and σ of each feature (row); σ = 1 for a constant feature, which then stays 0."""
    mu = X.mean(axis=1, keepdims=True)
    sigma = X.std(axis=1, keepdims=True)
    sigma[sigma < 1e-12] = 1.0
    return mu, sigma


def _check_finite(X: np.ndarray, source: str, what: str = "X") -> None:
    if X.dtype.kind != "f":  # integers and booleans are always finite
        return
    finite = np.isfinite(X)
    if not finite.all():
        i, *j = np.argwhere(~finite)[0]
        where = f"sample {i}" + (f", feature {j[0]}" if j else "")
        raise DataError(
            f"{source}: {what} has a non-finite value (NaN or inf) at {where}; "
            "expected finite numbers"
        )


def build_dataset(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    n_train: int | None = None,
    scaling: str = "standardise",
    scale_value: float | None = None,
    image_shape: tuple[int, int] | None = None,
    classes: list[str] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    source: str | None = None,
) -> Dataset:
    """Turn ``X`` (n, n_features) and ``y`` (n,) or (n, n_targets) into a :class:`Dataset`,
    by the steps of the module docstring: targets, split, ``n_train``, scaling.

    ``test`` is a ready-made (X_test, y_test) pair (MNIST's t10k files); otherwise
    ``test_fraction`` of the samples are split off with ``seed``. ``classes`` names the classes
    when ``y`` holds indices 0..k-1 (e.g. iris' species, or class indices absent from the data).
    ``scale_value`` is the divisor for ``scaling="divide"`` (e.g. 16 for digits, 255 for uint8
    images); None means the training set's largest absolute value. Raises :class:`DataError`.
    """
    source = source or name
    if scaling not in SCALINGS:
        raise ConfigError(f"unknown scaling {scaling!r}; expected one of {', '.join(SCALINGS)}")
    X, y = _samples(X, y, source)
    X_all, y_all, n_given_test = _join_given_test(X, y, test, source)
    task, labels, found_classes, targets = encode_targets(y_all, source)
    if task == "classification" and classes is not None:
        labels, found_classes = _named_classes(y_all, labels, found_classes, classes)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    class_labels = labels if task == "classification" else None
    if test is not None:
        train_idx = np.arange(n)[rng.permutation(n)]
        test_idx = np.arange(n, n + n_given_test)
    else:
        n_test = _test_count(n, test_fraction, source)
        train_idx, test_idx = stratified_split(n, class_labels, n_test, rng)
    if n_train is not None:
        train_idx = _subset(train_idx, class_labels, n_train, name, rng)
    Xtr = _columns(X_all[train_idx])
    Xte = _columns(X_all[test_idx]) if test_idx.size else None
    _scale(Xtr, Xte, scaling, scale_value, source)
    if task == "classification":
        k = len(found_classes)
        l_tr, l_te = labels[train_idx], labels[test_idx] if test_idx.size else None
        Ytr = labels_to_targets(l_tr, k)
        Yte = labels_to_targets(l_te, k) if l_te is not None else None
    else:
        l_tr = l_te = None
        Ytr = np.ascontiguousarray(targets[train_idx].T)
        Yte = np.ascontiguousarray(targets[test_idx].T) if test_idx.size else None
    return Dataset(name, Xtr, Ytr, Xte, Yte, l_tr, l_te, found_classes, image_shape, task)


def _samples(X: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """X as (n, n_features) numbers, all finite, and y with one entry per sample."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    n = X.shape[0]
    if n == 0 or X.size == 0:
        raise DataError(f"{source}: no samples; expected at least one row of features")
    X = X.reshape(n, -1)
    if X.dtype.kind not in "biuf":
        raise DataError(f"{source}: X has dtype {X.dtype}; expected numbers")
    y = np.asarray(y)
    if y.shape[0] != n:
        raise DataError(
            f"{source}: X has {n} samples but y has {y.shape[0]}; expected one label per sample"
        )
    _check_finite(X, source)
    return X, y


def _join_given_test(X, y, test, source: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(X and the given test samples below it, the same for y, the number of test samples)."""
    if test is None:
        return X, y, 0
    Xt, yt = np.asarray(test[0]), np.asarray(test[1])
    if Xt.ndim == 0 or yt.ndim == 0:
        raise DataError(f"{source}: the test set is a single number; expected one row per sample")
    if Xt.dtype.kind not in "biuf":
        raise DataError(f"{source}: X_test has dtype {Xt.dtype}; expected numbers")
    if Xt.shape[0] != yt.shape[0]:
        raise DataError(
            f"{source}: the test set has {Xt.shape[0]} samples but {yt.shape[0]} labels; "
            "expected one label per sample"
        )
    if not Xt.shape[0]:
        return X, y, 0
    Xt = Xt.reshape(Xt.shape[0], -1)
    if Xt.shape[1] != X.shape[1]:
        raise DataError(
            f"{source}: test samples have {Xt.shape[1]} features but training samples "
            f"{X.shape[1]}; expected the same"
        )
    if _squeezed(yt).shape[1:] != _squeezed(y).shape[1:]:
        raise DataError(
            f"{source}: the test labels have shape {yt.shape} but the training labels "
            f"{y.shape}; expected labels (or targets) of the same form"
        )
    _check_finite(Xt, source, "X_test")
    return np.concatenate([X, Xt]), np.concatenate([_squeezed(y), _squeezed(yt)]), Xt.shape[0]


def _squeezed(y: np.ndarray) -> np.ndarray:
    """Labels of shape (n, 1) as (n,): both are one label per sample."""
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y


def _named_classes(y_all, labels, found, classes: list[str]):
    """y held class indices: keep the caller's names (labels are then y itself, 0..k-1)."""
    idx_values = np.unique(y_all).astype(np.intp)
    if idx_values.min() >= 0 and idx_values.max() < len(classes):
        return np.asarray(y_all, dtype=np.intp).reshape(-1), list(classes)
    return labels, found


def _subset(train_idx, labels, n_train, name: str, rng: np.random.Generator) -> np.ndarray:
    """A seeded, stratified subset of ``n_train`` of the training indices."""
    available = train_idx.size
    if isinstance(n_train, bool) or not isinstance(n_train, int | np.integer):
        raise ConfigError(f"n_train {n_train!r} is not a whole number; expected 1..{available}")
    if not 1 <= n_train <= available:
        raise ConfigError(
            f"n_train {n_train} is out of range for {name}; "
            f"expected 1..{available} (its training samples)"
        )
    if n_train == available:
        return train_idx
    sub_labels = labels[train_idx] if labels is not None else None
    _, keep = stratified_split(available, sub_labels, int(n_train), rng)
    return train_idx[keep]
