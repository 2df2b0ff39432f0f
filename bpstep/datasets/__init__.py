"""Data for bpstep: built-in sets and a user's own files, as columns-are-samples arrays.

``load_dataset(spec)`` takes a built-in name or a file path and returns a :class:`Dataset` whose
``X_train`` has shape (n_features, n_train) and ``Y_train`` shape (n_outputs, n_train), the
lesson's convention (a⁰ = x is a column). See ``prepare.py`` for the split and scaling rules.

Built-in sets (``BUILTIN_DATASETS``): the generated, seeded toy sets xor, circles, moons, spiral
and blobs (options in the spec, e.g. ``"blobs:k=4,n=500"``, ``"spiral:noise=0.1"``), and two
real sets shipped in ``bpstep/datasets/data``:

- digits: UCI Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak, 1998),
  licence CC BY 4.0 (https://doi.org/10.24432/C50P49); 1,797 8×8 images.
- iris: UCI Iris (R. A. Fisher, 1936), licence CC BY 4.0 (https://doi.org/10.24432/C56C76);
  150 flowers, 4 measurements, 3 species.

User files: ``.npz`` (X, y), ``mnist.npz``, ``.csv``, and MNIST IDX files (see ``files.py``).
"""

from __future__ import annotations

from typing import Any

from bpstep.datasets.builtin import load_digits, load_iris
from bpstep.datasets.dataset import Dataset, check_fits
from bpstep.datasets.paths import expand_user, stat_or_none
from bpstep.datasets.prepare import labels_to_targets
from bpstep.datasets.toy import TOY_DATASETS, TOY_OPTIONS, load_toy
from bpstep.engine.errors import DataError

__all__ = [
    "BUILTIN_DATASETS",
    "DataError",
    "Dataset",
    "check_fits",
    "labels_to_targets",
    "load_dataset",
]

BUILTIN_DATASETS: dict[str, str] = {
    **TOY_DATASETS,
    "digits": "1,797 8×8 handwritten digits (UCI); 64 inputs in [0, 1], 10 classes (one-hot); "
    "1,437 train / 360 test",
    "iris": "150 iris flowers (UCI); 4 standardised measurements, 3 species (one-hot)",
}


def _parse_options(name: str, text: str) -> dict:
    accepted = TOY_OPTIONS.get(name, {})
    expected = ", ".join(f"{k}=<{t.__name__}>" for k, t in accepted.items()) or "no options"
    options: dict = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in accepted:
            raise DataError(f"{name}: unknown option {item!r}; accepted: {expected}")
        try:
            options[key] = accepted[key](value.strip())
        except ValueError:
            raise DataError(
                f"{name}: option {key}={value.strip()!r} is not a valid {accepted[key].__name__}; "
                f"accepted: {expected}"
            ) from None
    return options


def load_dataset(
    spec: str,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    n_train: int | None = None,
    label_column: int | str = -1,
) -> Dataset:
    """A built-in set by name, or a user's file by path.

    ``spec``: one of ``BUILTIN_DATASETS`` (optionally with toy options after a colon, e.g.
    ``"blobs:k=4"``), or a path to a ``.npz``, ``.csv``, ``mnist.npz``, an IDX images file or a
    directory of MNIST IDX files. An existing file wins over a built-in name of the same spelling.
    ``seed`` fixes the generated points, the split and the ``n_train`` subset; ``test_fraction``
    of the samples form the test set (unless the file brings its own, as MNIST does);
    ``n_train`` keeps only that many training samples (stratified); ``label_column`` picks the
    CSV column holding the label (an index, or a header name).
    Raises :class:`DataError` for an unknown name or a bad file.
    """
    spec = str(spec).strip()
    if not spec:
        raise DataError(
            f"no dataset given; expected one of {', '.join(BUILTIN_DATASETS)} or a path"
        )
    base, colon, opts = spec.partition(":")
    key = base.strip().lower()
    path = expand_user(spec)
    if key in BUILTIN_DATASETS and stat_or_none(path) is None:
        kw: dict[str, Any] = {"seed": seed, "test_fraction": test_fraction, "n_train": n_train}
        if key in TOY_DATASETS:
            options = _parse_options(key, opts) if colon else {}
            return load_toy(key, options=options, **kw)
        if colon and opts.strip():
            raise DataError(f"{key}: unknown option {opts.strip()!r}; accepted: no options")
        return load_digits(**kw) if key == "digits" else load_iris(**kw)
    # the file readers (gzip, zipfile, struct) only for a file: the built-in sets start faster
    from bpstep.datasets.files import ACCEPTED_FILES, load_file

    looks_like_path = (
        stat_or_none(path) is not None or "/" in spec or "\\" in spec or "." in path.name
    )
    if not looks_like_path:
        raise DataError(
            f"unknown dataset {spec!r}; expected a built-in name ({', '.join(BUILTIN_DATASETS)}) "
            f"or a path to a data file: {'; '.join(ACCEPTED_FILES)}"
        )
    return load_file(
        path, seed=seed, test_fraction=test_fraction, n_train=n_train, label_column=label_column
    )
