"""Loading a user's own data: ``.npz``, ``.csv``, MNIST IDX files and ``mnist.npz``.

Each reader returns raw arrays (rows are samples) after checking the file thoroughly, and
:func:`load_file` passes them to :func:`~bpstep.datasets.prepare.build_dataset`. Every problem is
a :class:`DataError` whose one-line message names the file and says what was expected.

Accepted inputs:

- ``.npz`` with arrays ``X`` (samples × features, or samples × rows × cols for images) and ``y``
  (labels, or targets of shape (samples,) / (samples, n_targets));
- the common ``mnist.npz`` (any ``.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``);
- ``.csv`` (also ``.csv.gz``): one sample a line, the label in the last column unless
  ``label_column`` says otherwise; a header line is detected (a cell that is not a number) and
  skipped; ``,`` ``;`` tab or spaces as separators; blank lines and ``#`` lines ignored;
- MNIST IDX: a directory holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``
  (and optionally ``t10k-*``), each possibly ``.gz``; or one ``…idx3-ubyte`` images file with its
  ``…idx1-ubyte`` labels file beside it.

Generic features are standardised with the training set's statistics; images are divided by the
maximum pixel value (255 for 8-bit images).
"""

from __future__ import annotations

import gzip
import math
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from bpstep.datasets.dataset import Dataset
from bpstep.datasets.limits import check_memory, format_bytes, memory_limit
from bpstep.datasets.paths import expand_user, require_regular, shown, stat_or_none
from bpstep.datasets.prepare import build_dataset
from bpstep.engine.errors import DataError

__all__ = [
    "ACCEPTED_FILES",
    "load_file",
    "read_csv",
    "read_idx",
    "read_npz",
]

ACCEPTED_FILES = (
    ".npz (arrays X and y)",
    "mnist.npz (x_train, y_train, x_test, y_test)",
    ".csv or .csv.gz",
    "MNIST IDX files (…-idx3-ubyte images, …-idx1-ubyte labels, optionally .gz, "
    "or a directory holding them)",
)

_IDX_TYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.int16,
    0x0C: np.int32,
    0x0D: np.float32,
    0x0E: np.float64,
}


def _accepted() -> str:
    return "; ".join(ACCEPTED_FILES)


# ----------------------------------------------------------------------------------- bytes

# bytes of memory per byte of CSV text: the text, its lines, the parsed float64 values (up to 4
# bytes per byte of "0,0,…") and their copies in build_dataset
CSV_MEMORY_FACTOR = 8
GZIP_MAGIC = b"\x1f\x8b"


def data_estimate(stored_bytes: int, count: int) -> int:
    """Memory to load arrays of ``count`` entries held in ``stored_bytes`` bytes: the arrays as
    read, a copy in their own type, and two float64 copies (the rows picked, then columns)."""
    return 2 * stored_bytes + 2 * 8 * count


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        gz = fh.read(2) == GZIP_MAGIC
    if not gz and path.name.lower().endswith(".gz"):
        raise DataError(f"{shown(path)}: not gzip data (bad magic number); expected a .gz file")
    return gz


def _open(path: Path) -> BinaryIO:
    """The file's bytes as a stream, gunzipped on the fly when it starts with gzip's magic
    number (so a gzip bomb is never unpacked further than it is read)."""
    if _is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read(fh: BinaryIO, n: int, path: Path) -> bytes:
    """Up to ``n`` bytes; a corrupt gzip stream is a DataError."""
    try:
        return fh.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{shown(path)}: corrupt gzip data ({_one_line(exc)}); expected a complete .gz file"
        ) from None


def _read_text_bytes(path: Path) -> bytes:
    """A text file's bytes (gunzipped), refused before reading when they would take more memory
    than bpstep allows (``limits``)."""
    info = require_regular(path, _accepted())
    if not _is_gzip(path):
        check_memory(
            info.st_size * CSV_MEMORY_FACTOR,
            f"{shown(path)}: {format_bytes(info.st_size)} of text",
        )
        return path.read_bytes()
    limit, why = memory_limit()
    most = limit // CSV_MEMORY_FACTOR
    with _open(path) as fh:
        data = _read(fh, most + 1, path)
    if len(data) > most:
        raise DataError(
            f"{shown(path)}: unpacks to more than {format_bytes(most)} of text, which would "
            f"take more than {format_bytes(limit)} of memory, more than bpstep allows ({why})"
        )
    return data


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# ----------------------------------------------------------------------------------- npz


def _npy_header(fh: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from an .npy member's header, without reading its data."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:  # 2.0, and 3.0 (the same with a UTF-8 header: ASCII here)
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(int(n) for n in shape), dtype


def npz_headers(path: Path, expected: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The shape and dtype of each array of an .npz archive, read from the .npy headers alone,
    with the memory needed to load them checked (``limits``) before anything is loaded.

    ``expected`` says what the file should have been, for the messages. DataError for anything
    that is not a regular file holding a zip archive of .npy arrays of numbers.
    """
    info = require_regular(path, expected)
    if info.st_size == 0:
        raise DataError(f"{shown(path)}: the file is empty; expected {expected}")
    with path.open("rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x93NUMPY"):
        raise DataError(
            f"{shown(path)}: is a single .npy array, not an .npz archive; expected {expected}"
        )
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise DataError(
            f"{shown(path)}: not an .npz (zip) archive (bad magic number {magic[:4].hex()}); "
            f"expected {expected}"
        )
    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if not member.filename.endswith(".npy"):
                    continue
                with archive.open(member) as fh:
                    headers[member.filename[:-4]] = _npy_header(fh)  # type: ignore[arg-type]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise DataError(
            f"{shown(path)}: not a valid .npz (zip) archive (truncated or corrupt: "
            f"{_one_line(exc)}); expected {expected}"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"{shown(path)}: cannot be read as .npz (truncated or corrupt: {_one_line(exc)}); "
            f"expected {expected}"
        ) from None
    stored = count = 0
    for key, (shape, dtype) in headers.items():
        if dtype.hasobject:
            raise DataError(
                f"{shown(path)}: array {key!r} holds Python objects (a pickle), which bpstep "
                f"never loads; expected {expected}"
            )
        n = math.prod(shape)
        stored, count = stored + n * dtype.itemsize, count + n
    check_memory(data_estimate(stored, count), f"{shown(path)}: its arrays")
    return headers


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` file, refusing a bad zip, pickled (object) arrays, or arrays
    that would take more memory than bpstep allows (judged from their headers first)."""
    expected = "an .npz archive with arrays X and y (np.savez(path, X=X, y=y))"
    npz_headers(path, expected)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataError(
            f"{shown(path)}: not a valid .npz (zip) archive ({_one_line(exc)}); "
            "expected a file written by np.savez"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"{shown(path)}: cannot be read as .npz ({_one_line(exc)}); "
            "expected numeric arrays X and y written by np.savez"
        ) from None
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise DataError(
                f"{shown(path)}: member {key!r} is not a .npy array; "
                "expected a file written by np.savez"
            )
    return arrays


def _image_shape(X: np.ndarray) -> tuple[int, int] | None:
    if X.ndim == 3:
        return int(X.shape[1]), int(X.shape[2])
    return None


def _pixel_max(X: np.ndarray) -> float | None:
    """255 for 8-bit images, else None (the training set's maximum is used)."""
    return 255.0 if X.dtype == np.uint8 else None


def _check_numeric(path: Path, key: str, a: np.ndarray) -> None:
    if a.dtype.kind not in "biuf":
        raise DataError(f"{shown(path)}: array {key} has dtype {a.dtype}; expected numbers")


def _load_npz(path: Path, name: str, **kw) -> Dataset:
    arrays = read_npz(path)
    mnist_keys = ("x_train", "y_train", "x_test", "y_test")
    if all(k in arrays for k in mnist_keys):
        return _mnist_npz(path, name, arrays, **kw)
    missing = [k for k in ("X", "y") if k not in arrays]
    if missing:
        found = ", ".join(sorted(arrays)) or "none"
        raise DataError(
            f"{shown(path)}: no array {' or '.join(missing)} (found: {found}); expected arrays X "
            "(samples × features) and y (labels or targets), or mnist.npz's x_train, y_train, "
            "x_test, y_test"
        )
    X, y = arrays["X"], arrays["y"]
    _check_numeric(path, "X", X)
    if X.ndim == 0 or X.shape[0] == 0 or X.size == 0:
        raise DataError(f"{shown(path)}: X is empty (shape {X.shape}); expected samples × features")
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        ny = 0 if y.ndim == 0 else y.shape[0]
        raise DataError(
            f"{shown(path)}: X has {X.shape[0]} samples but y has {ny}; "
            "expected one label per sample"
        )
    image = _image_shape(X)
    return build_dataset(
        name,
        X,
        y,
        scaling="divide" if image else "standardise",
        scale_value=_pixel_max(X) if image else None,
        image_shape=image,
        source=str(path),
        **kw,
    )


def _mnist_npz(path: Path, name: str, arrays, **kw) -> Dataset:
    x_tr, y_tr, x_te, y_te = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    for key in ("x_train", "y_train", "x_test", "y_test"):
        _check_numeric(path, key, arrays[key])
        if arrays[key].ndim == 0:
            raise DataError(
                f"{shown(path)}: {key} is a single number (shape ()); expected one row per sample "
                "(images n × rows × cols, vectors n × features, labels n)"
            )
    if x_tr.shape[0] == 0:
        raise DataError(f"{shown(path)}: x_train is empty; expected training images")
    if x_tr.shape[0] != y_tr.shape[0]:
        raise DataError(
            f"{shown(path)}: x_train has {x_tr.shape[0]} samples but y_train has {y_tr.shape[0]}; "
            "expected one label per image"
        )
    image = _image_shape(x_tr)
    kw.pop("test_fraction", None)  # the file brings its own test set
    return build_dataset(
        name,
        x_tr,
        y_tr,
        test=(x_te, y_te),
        scaling="divide",
        scale_value=_pixel_max(x_tr),
        image_shape=image,
        source=str(path),
        **kw,
    )


# ----------------------------------------------------------------------------------- csv


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _split(line: str, delimiter: str | None) -> list[str]:
    return [c.strip() for c in (line.split(delimiter) if delimiter else line.split())]


def read_csv(path: Path, label_column: int | str = -1):
    """Features (n, d), labels (n,) and the header (or None) of a CSV file.

    ``label_column`` is a column index (negative counts from the end) or, when the file has a
    header, a column name.
    """
    raw = _read_text_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            f"{shown(path)}: not a text file (not UTF-8); expected comma-separated numbers"
        ) from None
    lines = [
        (i + 1, line)
        for i, line in enumerate(text.splitlines())
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise DataError(f"{shown(path)}: the file is empty; expected one sample a line")
    first = lines[0][1]
    delimiter = next((d for d in (",", ";", "\t") if d in first), None)
    header = None
    first_cells = _split(first, delimiter)
    if all(first_cells) and not all(_is_number(c) for c in first_cells):
        header = _split(first, delimiter)
        lines = lines[1:]
        if not lines:
            raise DataError(
                f"{shown(path)}: only a header line, no data; expected one sample a line"
            )
        delimiter = next((d for d in (",", ";", "\t") if d in lines[0][1]), delimiter)
    try:
        data = np.loadtxt(
            [line for _, line in lines], delimiter=delimiter, dtype=np.float64, ndmin=2
        )
    except ValueError as exc:
        _diagnose_csv(path, lines, delimiter)
        raise DataError(
            f"{shown(path)}: cannot be parsed ({_one_line(exc)}); expected numbers"
        ) from None
    n_cols = data.shape[1]
    if header is not None and len(header) != n_cols:
        header = None  # a descriptive first line (like iris.csv's counts), not column names
    if data.shape[0] == 0:
        raise DataError(f"{shown(path)}: no data rows; expected one sample a line")
    if n_cols < 2:
        raise DataError(
            f"{shown(path)}: has only {n_cols} column; expected features then a label column"
        )
    finite = np.isfinite(data)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise DataError(
            f"{shown(path)}: line {lines[r][0]}, column {c + 1} is {data[r, c]}; "
            "expected finite numbers"
        )
    col = _label_index(path, label_column, n_cols, header)
    y = data[:, col]
    X = np.delete(data, col, axis=1)
    return X, y, header


def _label_index(path: Path, label_column: int | str, n_cols: int, header) -> int:
    if isinstance(label_column, str) and not re.fullmatch(r"-?\d+", label_column.strip()):
        if header is None or label_column not in header:
            names = ", ".join(header) if header else "no header line"
            raise DataError(
                f"{shown(path)}: no column named {label_column!r}; expected one of: {names}"
            )
        return header.index(label_column)
    col = int(label_column)
    if not -n_cols <= col < n_cols:
        raise DataError(
            f"{shown(path)}: label column {col} is out of range; the file has {n_cols} columns "
            f"(expected {-n_cols}..{n_cols - 1})"
        )
    return col % n_cols


def _diagnose_csv(path: Path, lines, delimiter) -> None:
    """Find the first ragged row or non-numeric cell and raise a DataError naming it."""
    width = len(_split(lines[0][1], delimiter))
    first_no = lines[0][0]
    for lineno, line in lines:
        cells = _split(line, delimiter)
        if len(cells) != width:
            raise DataError(
                f"{shown(path)}: line {lineno} has {len(cells)} columns but line {first_no} has "
                f"{width}; expected every row to have the same number of columns"
            )
        for j, cell in enumerate(cells):
            if not _is_number(cell):
                cell_text = cell if len(cell) <= 20 else cell[:17] + "..."
                raise DataError(
                    f"{shown(path)}: line {lineno}, column {j + 1} is {cell_text!r}, not a number; "
                    "expected numeric cells only (a header is allowed on the first line)"
                )


def _load_csv(path: Path, name: str, label_column: int | str = -1, **kw) -> Dataset:
    X, y, _ = read_csv(path, label_column)
    return build_dataset(name, X, y, scaling="standardise", source=str(path), **kw)


# ----------------------------------------------------------------------------------- idx


IDX_MAX_DIMENSIONS = 3  # labels (idx1), vectors (idx2), images (idx3)


def read_idx(path: Path) -> np.ndarray:
    """An IDX array (MNIST's format): magic 0x00 0x00 <type> <ndim>, ndim big-endian uint32
    sizes, then the values big-endian, row-major.

    The header is read and checked first (at most 3 dimensions, the memory its sizes need, the
    file's length against them) and only then the data, streamed: a header claiming more than
    the file holds, or a .gz that unpacks to more than it says, is never read further.
    """
    info = require_regular(path, "an IDX file")
    if info.st_size == 0:
        raise DataError(f"{shown(path)}: the file is empty; expected an IDX file")
    with _open(path) as fh:
        head = _read(fh, 4, path)
        if (
            len(head) < 4
            or head[0] != 0
            or head[1] != 0
            or head[2] not in _IDX_TYPES
            or head[3] == 0
        ):
            raise DataError(
                f"{shown(path)}: bad IDX magic number {head[:4].hex()}; expected 0000 then a type "
                "byte (08 for unsigned bytes) and the number of dimensions (e.g. 00000803 for "
                "images)"
            )
        ndim = head[3]
        if ndim > IDX_MAX_DIMENSIONS:
            raise DataError(
                f"{shown(path)}: its IDX header says {ndim} dimensions; expected 1 (labels), "
                "2 (vectors) or 3 (images)"
            )
        header = 4 + 4 * ndim
        raw_dims = _read(fh, 4 * ndim, path)
        if len(raw_dims) < 4 * ndim:
            raise DataError(
                f"{shown(path)}: truncated IDX header ({4 + len(raw_dims)} bytes); expected "
                f"{header} header bytes"
            )
        dims = struct.unpack(f">{ndim}I", raw_dims)
        dtype = np.dtype(_IDX_TYPES[head[2]]).newbyteorder(">")
        count = math.prod(dims)
        size = count * dtype.itemsize
        sizes = " × ".join(map(str, dims))
        check_memory(data_estimate(size, count), f"{shown(path)}: its {sizes} values")
        if isinstance(fh, gzip.GzipFile):  # its length is known only by unpacking it
            data = _read(fh, size + 1, path)
            got = len(data)
        else:  # its length is known before reading it
            got = info.st_size - header
            data = _read(fh, size, path) if got == size else b""
    if got < size:
        raise DataError(
            f"{shown(path)}: truncated IDX file: {header + got} bytes but its header "
            f"({sizes}) needs {header + size}; expected a complete file"
        )
    if got > size:
        extra = f"{got - size} unexpected bytes" if not data else "unexpected bytes"
        raise DataError(
            f"{shown(path)}: {extra} after the IDX data ({sizes}); "
            f"expected exactly {header + size} bytes"
        )
    arr = np.frombuffer(data, dtype=dtype, count=count).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def _idx_pair(images_path: Path, labels_path: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels, checked against each other; with ``labels_path`` None the labels file
    is looked for beside the images (after the images file itself has been checked)."""
    images = read_idx(images_path)
    if labels_path is None:
        labels_path = _labels_beside(images_path)
    labels = read_idx(labels_path)
    if images.ndim not in (2, 3):
        raise DataError(
            f"{shown(images_path)}: IDX array has {images.ndim} dimensions; expected images "
            "(n × rows × cols, idx3) or vectors (n × features, idx2)"
        )
    if labels.ndim != 1:
        raise DataError(
            f"{shown(labels_path)}: IDX array has {labels.ndim} dimensions; expected labels (idx1)"
        )
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{shown(images_path)}: {images.shape[0]} images but {labels_path.name} has "
            f"{labels.shape[0]} labels; expected one label per image"
        )
    if images.shape[0] == 0:
        raise DataError(f"{shown(images_path)}: no images; expected at least one")
    return images, labels


def _find(directory: Path, prefix: str, kind: str) -> Path | None:
    """``train-images-idx3-ubyte`` and friends, allowing ``.`` for ``-`` and a ``.gz``."""
    what, idx = kind.split("-")
    pattern = re.compile(rf"^{prefix}[-.]{what}[-.]{idx}[-.]ubyte(\.gz)?$", re.IGNORECASE)
    hits = sorted(p for p in directory.iterdir() if pattern.match(p.name))
    return hits[0] if hits else None


def _labels_beside(images_path: Path) -> Path:
    name = images_path.name
    candidates = []
    for a, b in (("images", "labels"), ("idx3", "idx1")):
        name = re.sub(a, b, name, flags=re.IGNORECASE)
    candidates.append(images_path.with_name(name))
    if name.lower().endswith(".gz"):
        candidates.append(images_path.with_name(name[:-3]))
    else:
        candidates.append(images_path.with_name(name + ".gz"))
    for c in candidates:
        if c.exists():
            return c
    raise DataError(
        f"{shown(images_path)}: no labels file beside it; expected {candidates[0].name} "
        "in the same directory"
    )


def _load_idx(path: Path, name: str, **kw) -> Dataset:
    test = None
    if stat_or_none(path) is not None and path.is_dir():
        tr_img = _find(path, "train", "images-idx3")
        tr_lab = _find(path, "train", "labels-idx1")
        if tr_img is None or tr_lab is None:
            raise DataError(
                f"{shown(path)}: no MNIST IDX files in this directory; expected "
                "train-images-idx3-ubyte and train-labels-idx1-ubyte (optionally .gz, "
                "with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte for a test set)"
            )
        X, y = _idx_pair(tr_img, tr_lab)
        te_img = _find(path, "t10k", "images-idx3")
        te_lab = _find(path, "t10k", "labels-idx1")
        if (te_img is None) != (te_lab is None):
            present = te_img if te_img is not None else te_lab
            assert present is not None
            raise DataError(
                f"{shown(path)}: {present.name} has no partner; expected both "
                "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, or neither"
            )
        if te_img is not None:
            test = _idx_pair(te_img, te_lab)
    else:
        X, y = _idx_pair(path, None)
    if test is not None:
        kw.pop("test_fraction", None)
    return build_dataset(
        name,
        X,
        y,
        test=test,
        scaling="divide",
        scale_value=_pixel_max(X),
        image_shape=_image_shape(X),
        source=str(path),
        **kw,
    )


# ----------------------------------------------------------------------------------- dispatch


def _is_idx_name(name: str) -> bool:
    return re.search(r"idx\d", name, re.IGNORECASE) is not None or name.lower().endswith(
        (".idx", ".idx.gz")
    )


def load_file(
    path: str | Path,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    n_train: int | None = None,
    label_column: int | str = -1,
) -> Dataset:
    """Load a user's data file (or IDX directory) by its name; see the module docstring."""
    p = expand_user(path)
    kw = {"seed": seed, "test_fraction": test_fraction, "n_train": n_train}
    lower = p.name.lower()
    info = stat_or_none(p)
    if info is not None and stat.S_ISDIR(info.st_mode):
        return _load_idx(p, p.name, **kw)
    if lower.endswith(".npz"):
        return _load_npz(p, p.name, **kw)
    if lower.endswith((".csv", ".csv.gz")):
        return _load_csv(p, p.name, label_column=label_column, **kw)
    if info is None:
        raise DataError(f"{shown(p)}: no such file; expected {_accepted()}")
    if _is_idx_name(lower):
        return _load_idx(p, p.name, **kw)
    raise DataError(
        f"{shown(p)}: unknown file type {p.suffix or '(no extension)'}; expected {_accepted()}"
    )
