"""Hostile or unlucky inputs through the real command: each is refused at once with exit 2 and
one line saying what was wrong and what is accepted; nothing blocks, nothing is allocated first.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

BPSTEP = Path(sys.executable).with_name("bpstep")
LONG = "a" * 5000


def bpstep(*args: str, env: dict | None = None, timeout: float = 60, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run(
        [str(BPSTEP), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**full_env, **(env or {})},
        cwd=cwd,
    )


def refused(out, *fragments: str) -> None:
    """Exit 2, one line on stderr (not too long to read), no traceback, the fragments in it."""
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bpstep: error: "), out.stderr[-2000:]
    assert len(lines[0]) < 400, lines[0]
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def idx_bytes(values: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, values.ndim]) + struct.pack(f">{values.ndim}I", *values.shape)
    return header + values.astype(np.uint8).tobytes()


# ------------------------------------------------------------------ not regular files


@pytest.mark.parametrize("name", ["d.csv", "d.npz", "train-images-idx3-ubyte"])
def test_a_fifo_as_data_is_refused_at_once(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    if name.startswith("train"):
        (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(1)))
    t0 = time.monotonic()
    refused(bpstep("train", "--data", fifo, timeout=20), "FIFO", "not a regular file")
    assert time.monotonic() - t0 < 10


def test_a_fifo_as_labels_beside_images_is_refused(tmp_path):
    (tmp_path / "a-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((2, 2, 2))))
    os.mkfifo(tmp_path / "a-labels-idx1-ubyte")
    refused(bpstep("train", "--data", tmp_path / "a-images-idx3-ubyte", timeout=20), "FIFO")


def test_a_fifo_as_a_saved_session_is_refused_at_once(tmp_path):
    fifo = tmp_path / "s.npz"
    os.mkfifo(fifo)
    refused(bpstep("train", "--load", fifo, timeout=20), "FIFO")


@pytest.mark.parametrize("name", ["zero.csv", "zero.csv.gz", "t-images-idx3-ubyte", "zero.npz"])
def test_dev_zero_linked_as_a_data_file_is_refused(tmp_path, name):
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    refused(bpstep("train", "--data", link, timeout=20), "a device", "not a regular file")


# ------------------------------------------------------------------ sizes


def test_an_npy_header_claiming_a_trillion_entries_is_refused_from_the_header(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    )
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as z:
        z.writestr("X.npy", header.getvalue() + bytes(64))
        z.writestr("y.npy", npy_bytes(np.zeros(3)))
    out = bpstep("train", "--data", tmp_path / "big.npz")
    refused(out, "big.npz: its arrays would take about", "TB of memory", "half of this machine's")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("X.npy", npy_bytes(np.zeros((400_000, 64), dtype=np.uint8)))  # 25.6 MB
        z.writestr("y.npy", npy_bytes(np.zeros(400_000, dtype=np.uint8)))
    assert bomb.stat().st_size < 200_000
    out = bpstep("train", "--data", bomb, env={"BPSTEP_MEMORY_LIMIT": "64M"})
    refused(out, "bomb.npz: its arrays would take about", "BPSTEP_MEMORY_LIMIT=64M")


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb-images-idx3-ubyte.gz"])
def test_a_gzip_bomb_is_refused_without_unpacking_it_all(tmp_path, name):
    if name.endswith("csv.gz"):  # 200 MB of "0,0,…" text
        line = b"0," * 63 + b"1\n"
        text = line * (200 * 2**20 // len(line))
        fragment = "unpacks to more than"
    else:  # a header honest about 200 MB of pixels
        text = idx_bytes(np.zeros((1, 1, 1))).replace(b"\x00\x00\x00\x01" * 3, b"")
        text = bytes([0, 0, 8, 3]) + struct.pack(">3I", 800_000, 16, 16) + bytes(800_000 * 256)
        (tmp_path / "bomb-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(800_000)))
        fragment = "800000 × 16 × 16 values would take about"
    path = tmp_path / name
    path.write_bytes(gzip.compress(text, compresslevel=1))
    t0 = time.monotonic()
    refused(bpstep("train", "--data", path, env={"BPSTEP_MEMORY_LIMIT": "64M"}), fragment)
    assert time.monotonic() - t0 < 20


def test_a_gzipped_idx_file_longer_than_its_header_says_is_refused(tmp_path):
    images = tmp_path / "x-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(idx_bytes(np.zeros((2, 2, 2))) + bytes(10_000)))
    (tmp_path / "x-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(2)))
    refused(bpstep("train", "--data", images), "unexpected bytes after the IDX data")


def test_an_idx_header_with_255_dimensions_is_refused(tmp_path):
    path = tmp_path / "img-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 255]) + struct.pack(">255I", *[1] * 255) + b"\0")
    (tmp_path / "img-idx1-ubyte").write_bytes(idx_bytes(np.zeros(1)))
    refused(bpstep("train", "--data", path), "255 dimensions", "expected 1 (labels), 2")


@pytest.mark.parametrize(
    "layers, data",
    [("2,1000000000,1", None), ("784,1000000,10", "wide.npz"), ("2,100000,100000,1", None)],
)
def test_a_network_too_big_for_memory_is_refused_before_it_is_allocated(tmp_path, layers, data):
    args = ["train", "--layers", layers]
    if data:
        rng = np.random.default_rng(0)
        np.savez(tmp_path / data, X=rng.normal(size=(20, 784)), y=np.arange(20) % 10)
        args += ["--data", tmp_path / data]
    t0 = time.monotonic()
    out = bpstep(*args, env={"BPSTEP_MEMORY_LIMIT": "4G"})
    refused(out, f"the network {layers.replace(',', '-')} would take about", "GB of memory")
    assert time.monotonic() - t0 < 10


def test_a_csv_bigger_than_memory_allows_is_refused_from_its_size(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"1,2,0\n" * 2_000_000)  # 12 MB
    refused(bpstep("train", "--data", path, env={"BPSTEP_MEMORY_LIMIT": "16M"}), "of text")


def test_a_bad_memory_limit_setting_is_a_usage_error():
    refused(bpstep("train", env={"BPSTEP_MEMORY_LIMIT": "lots"}), "BPSTEP_MEMORY_LIMIT", "4G")


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--data", LONG + ".csv"],
        ["train", "--data", LONG + ".npz"],
        ["train", "--data", LONG],
        ["train", "--load", LONG + ".npz"],
        ["train", "--save", LONG + ".npz"],
        ["export", "--to", LONG],
        ["train", "--data", "~nouser_bpstep/x.csv"],
        ["train", "--load", "~nouser_bpstep/s.npz"],
        ["train", "--save", "~nouser_bpstep/s.npz"],
        ["export", "--to", "~nouser_bpstep/out"],
    ],
)
def test_unusable_file_names_are_usage_errors(tmp_path, args):
    out = bpstep(*args, cwd=tmp_path)
    refused(out)
    assert "internal error" not in out.stderr
    if any("~nouser" in a for a in args):
        assert "no such user" in out.stderr


@pytest.mark.parametrize(
    "arrays, fragment",
    [
        ({"x_train": 0, "y_train": 0, "x_test": 0, "y_test": 0}, "single number"),
        (
            {
                "x_train": np.zeros((6, 4)),
                "y_train": np.arange(6) % 2,
                "x_test": np.zeros((0, 4)),
                "y_test": np.zeros(0),
            },
            None,
        ),
        (
            {
                "x_train": np.zeros((6, 4)),
                "y_train": np.arange(6) % 2,
                "x_test": np.zeros((3, 4)),
                "y_test": np.zeros((3, 2)),
            },
            "test labels have shape (3, 2)",
        ),
        (
            {
                "x_train": np.zeros((6, 2, 2)),
                "y_train": np.arange(6) % 2,
                "x_test": np.zeros(3),
                "y_test": np.zeros(3),
            },
            "test samples have 1 features",
        ),
    ],
)
def test_mnist_style_npz_edge_cases(tmp_path, arrays, fragment):
    np.savez(tmp_path / "m.npz", **arrays)
    out = bpstep("train", "--data", tmp_path / "m.npz")
    if fragment is None:  # an empty test set: the training set alone is fine
        assert out.returncode == 0, out.stderr
    else:
        refused(out, fragment)


# ------------------------------------------------------------------ what the data and network say


def test_finite_but_extreme_features_are_standardised_not_blamed_on_the_learning_rate(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], size=(40, 2)) * rng.uniform(0.5, 1.0, size=(40, 2)) * 1e308
    np.savez(tmp_path / "huge.npz", X=X, y=(X[:, 0] > 0).astype(int))
    out = bpstep("train", "--data", tmp_path / "huge.npz", "--epochs", "5", "--lr", "1e-9")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no NumPy warnings, no learning-rate advice


def test_regression_targets_too_large_for_any_cost_say_so(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "t.npz", X=rng.normal(size=(40, 2)), y=rng.normal(size=(40, 2)) * 1e200)
    out = bpstep("train", "--data", tmp_path / "t.npz", "--lr", "1e-9")
    refused(out, "regression targets y reach", "rescale them")
    assert "smaller learning rate" not in out.stderr


def test_a_watch_on_a_layer_the_network_lacks_is_refused():
    refused(bpstep("train", "--watch", "delta:99<1"), "m = 99", "m = 1..2")
    refused(bpstep("train", "--watch", "grad_W:3>10"), "m = 3", "m = 1..2")
    assert bpstep("train", "--watch", "delta:2<1e-9").returncode == 0


def test_softmax_on_a_one_unit_output_is_refused():
    refused(
        bpstep("train", "--activation", "sigmoid,softmax"),
        "single output unit is always 1",
        "use sigmoid",
    )
