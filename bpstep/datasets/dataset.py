"""The :class:`Dataset` every loader returns, and :func:`check_fits`.

The engine's convention is the lesson's: columns are samples. ``X_train`` has shape
(n_features, n_train), so ``X_train[:, i]`` is the input a⁰ = x of sample i, and ``Y_train`` has
shape (n_outputs, n_train): one-hot columns for k > 2 classes, a single 0/1 row for two classes
(a sigmoid output unit), the targets as given for regression.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpstep.engine.errors import DataError

__all__ = ["Dataset", "check_fits"]


@dataclass
class Dataset:
    """A training set, an optional test set, and what is needed to show them.

    ``labels_train``/``labels_test`` hold the class index (0..k-1) of each sample, ``classes`` the
    name of each class (``classes[labels_train[i]]``); all three are None for regression.
    ``image_shape`` is (rows, cols) when each sample is a flattened image (row-major), so that a
    screen can draw ``X_train[:, i].reshape(image_shape)``.
    """

    name: str
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    labels_train: np.ndarray | None
    labels_test: np.ndarray | None
    classes: list[str] | None
    image_shape: tuple[int, int] | None
    task: str

    def fingerprint(self) -> str:
        """A hash of the training and test arrays: a saved session checks it is given the same
        data back (a data file edited since, or another in-memory set, would not continue it)."""
        h = hashlib.blake2b(digest_size=16)
        for a in (self.X_train, self.Y_train, self.X_test, self.Y_test):
            if a is None:
                h.update(b"none")
            else:
                a = np.ascontiguousarray(a, dtype=np.float64)
                h.update(repr(a.shape).encode())
                h.update(a.data)
        return h.hexdigest()

    @property
    def n_features(self) -> int:
        """n_0, the size of the network's input layer."""
        return int(self.X_train.shape[0])

    @property
    def n_outputs(self) -> int:
        """n_L, the size of the network's output layer."""
        return int(self.Y_train.shape[0])

    @property
    def n_train(self) -> int:
        """Number of training samples (columns of ``X_train``)."""
        return int(self.X_train.shape[1])

    @property
    def n_test(self) -> int:
        """Number of test samples; 0 when there is no test set."""
        return 0 if self.X_test is None else int(self.X_test.shape[1])

    @property
    def n_classes(self) -> int | None:
        """k for classification, None for regression."""
        return None if self.classes is None else len(self.classes)

    def summary(self) -> str:
        """One line describing the data, e.g. for a status bar."""
        what = f"{self.n_classes} classes" if self.task == "classification" else "regression"
        test = f", {self.n_test} test" if self.n_test else ", no test set"
        shape = f", {self.image_shape[0]}×{self.image_shape[1]} images" if self.image_shape else ""
        return (
            f"{self.name}: {self.n_train} training samples{test}, "
            f"{self.n_features} features → {self.n_outputs} output{'s' * (self.n_outputs != 1)} "
            f"({what}{shape})"
        )


def check_fits(dataset: Dataset, sizes: Sequence[int]) -> None:
    """Refuse a network whose input or output layer does not match the data.

    The input layer must have n_0 = ``dataset.n_features`` units and the output layer
    n_L = ``dataset.n_outputs`` units (one per class for k > 2 classes, one for two classes).
    Raises :class:`DataError` naming both numbers.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise DataError(
            f"network sizes {sizes} need at least an input and an output layer "
            f"({dataset.n_features} inputs and {dataset.n_outputs} outputs for {dataset.name})"
        )
    if sizes[0] != dataset.n_features:
        raise DataError(
            f"{dataset.name} has {dataset.n_features} features but the network's input layer has "
            f"{sizes[0]} units; the first size must be {dataset.n_features}"
        )
    if sizes[-1] != dataset.n_outputs:
        kind = (
            f"{dataset.n_classes} classes"
            if dataset.task == "classification"
            else f"{dataset.n_outputs} regression targets"
        )
        raise DataError(
            f"{dataset.name} has {dataset.n_outputs} outputs ({kind}) but the network's output "
            f"layer has {sizes[-1]} units; the last size must be {dataset.n_outputs}"
        )
