"""The two real data sets shipped inside the package: 8×8 digits and iris.

Both are read with :mod:`importlib.resources` (so they work from a wheel or a zip) and parsed
once per process; every :func:`load_digits`/:func:`load_iris` call then only splits and scales.

- ``data/digits.csv.gz``: 1,797 images, one a line: 64 pixel values 0..16 (row-major 8×8),
  then the label 0..9. UCI Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak,
  1998), CC BY 4.0.
- ``data/iris.csv``: a header line ``150,4,setosa,versicolor,virginica`` (samples, features,
  class names), then 4 measurements (cm) and the class index. UCI Iris (R. A. Fisher, 1936),
  CC BY 4.0.
"""

from __future__ import annotations

import gzip
import io
from functools import lru_cache
from importlib import resources

import numpy as np

from bpstep.datasets.dataset import Dataset
from bpstep.datasets.prepare import build_dataset
from bpstep.engine.errors import DataError

__all__ = ["digits_arrays", "iris_arrays", "load_digits", "load_iris"]

DIGIT_PIXEL_MAX = 16.0


def _read_resource(filename: str) -> bytes:
    try:
        return resources.files("bpstep.datasets").joinpath("data", filename).read_bytes()
    except (OSError, FileNotFoundError) as exc:  # a broken installation
        raise DataError(
            f"built-in data file bpstep/datasets/data/{filename} is missing ({exc}); "
            "reinstall bpstep"
        ) from None


@lru_cache(maxsize=1)
def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Raw digits: pixels (1797, 64) float64 in 0..16 and labels (1797,) int, read-only."""
    raw = gzip.decompress(_read_resource("digits.csv.gz"))
    data = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64, ndmin=2)
    X = data[:, :64].astype(np.float64)
    y = data[:, 64].astype(np.intp)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


@lru_cache(maxsize=1)
def iris_arrays() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Raw iris: features (150, 4) in cm, labels (150,) int and the 3 species names."""
    text = _read_resource("iris.csv").decode("utf-8")
    header, _, body = text.partition("\n")
    fields = [f.strip() for f in header.split(",")]
    n, d = int(fields[0]), int(fields[1])
    classes = fields[2:]
    data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
    if data.shape != (n, d + 1):
        raise DataError(
            f"built-in iris.csv has shape {data.shape}, its header says {(n, d + 1)}; "
            "reinstall bpstep"
        )
    X = data[:, :d].copy()
    y = data[:, d].astype(np.intp)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y, classes


def load_digits(
    *, seed: int = 0, test_fraction: float = 0.2, n_train: int | None = None
) -> Dataset:
    """The 8×8 digits: 64 pixels scaled to [0, 1] (÷ 16), one-hot over the 10 classes "0".."9".

    At the default test fraction 0.2 the stratified split gives 1,437 training and 360 test
    images (36 of each digit in the test set, give or take one).
    """
    X, y = digits_arrays()
    return build_dataset(
        "digits",
        X,
        y,
        seed=seed,
        test_fraction=test_fraction,
        n_train=n_train,
        scaling="divide",
        scale_value=DIGIT_PIXEL_MAX,
        image_shape=(8, 8),
        classes=[str(j) for j in range(10)],
    )


def load_iris(*, seed: int = 0, test_fraction: float = 0.2, n_train: int | None = None) -> Dataset:
    """Iris: 4 measurements standardised with the training set's mean and standard deviation,
    one-hot over setosa, versicolor, virginica."""
    X, y, classes = iris_arrays()
    return build_dataset(
        "iris",
        X,
        y,
        seed=seed,
        test_fraction=test_fraction,
        n_train=n_train,
        scaling="standardise",
        classes=classes,
    )
