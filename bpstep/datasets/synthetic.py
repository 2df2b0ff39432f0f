"""Random image-like data of any size, for benchmarks and tests of big networks (784-100-10)."""

from __future__ import annotations

import numpy as np

from bpstep.datasets.dataset import Dataset


def random_images(n: int = 2000, side: int = 28, classes: int = 10, seed: int = 0) -> Dataset:
    """n random side×side images in [0, 1) with random labels (one-hot), no test set.

    Nothing to learn here: it gives a network of MNIST's shape (side² inputs) real-sized tensors.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    return Dataset(
        name=f"random {side}×{side}",
        X_train=rng.random((side * side, n)),
        Y_train=np.eye(classes)[:, labels],
        X_test=None,
        Y_test=None,
        labels_train=labels,
        labels_test=None,
        classes=[str(i) for i in range(classes)],
        image_shape=(side, side),
        task="classification",
    )
