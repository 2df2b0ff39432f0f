"""Loading a user's files (npz, csv, IDX, mnist.npz), and refusing each kind of broken file."""

import gzip
import struct

import numpy as np
import pytest

from bpstep.datasets import check_fits, load_dataset
from bpstep.engine.errors import DataError


def write_idx(path, array, type_byte=0x08, gz=False):
    array = np.asarray(array)
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0E: ">f8"}[type_byte]
    data = header + array.astype(dtype).tobytes()
    if gz:
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def small_images(n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 4, 3), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 3
    return images, labels


def refuses(spec, *fragments, **kw):
    """Load ``spec`` expecting a one-line DataError containing every fragment."""
    with pytest.raises(DataError) as e:
        load_dataset(str(spec), **kw)
    msg = str(e.value)
    assert "\n" not in msg
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


# ------------------------------------------------------------------------------------- npz


def test_npz_classification_three_classes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, (50, 4))
    y = np.array([10, 20, 30] * 16 + [10, 20])
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=y)
    ds = load_dataset(str(path), test_fraction=0.2, seed=3)
    assert ds.name == "d.npz"
    assert (ds.n_train, ds.n_test) == (40, 10)
    assert ds.classes == ["10", "20", "30"]
    assert ds.Y_train.shape == (3, 40)
    np.testing.assert_array_equal(np.argmax(ds.Y_train, axis=0), ds.labels_train)
    np.testing.assert_allclose(ds.X_train.mean(axis=1), 0.0, atol=1e-12)
    check_fits(ds, [4, 5, 3])
    # deterministic by seed
    np.testing.assert_array_equal(ds.X_test, load_dataset(str(path), seed=3).X_test)


def test_npz_two_classes_and_regression(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    np.savez(tmp_path / "two.npz", X=X, y=np.array([-1, 1] * 10))
    ds = load_dataset(str(tmp_path / "two.npz"))
    assert ds.Y_train.shape == (1, 16) and set(np.unique(ds.Y_train)) == {0.0, 1.0}
    assert ds.classes == ["-1", "1"]
    np.savez(tmp_path / "reg.npz", X=X, y=np.linspace(0, 1, 20) + 0.01)
    reg = load_dataset(str(tmp_path / "reg.npz"), test_fraction=0.25)
    assert reg.task == "regression" and reg.Y_train.shape == (1, 15) and reg.Y_test.shape == (1, 5)
    assert reg.Y_train.min() >= 0.01 and reg.Y_train.max() <= 1.01  # targets are not scaled


def test_npz_images_are_divided_by_255(tmp_path):
    images, labels = small_images(30)
    np.savez(tmp_path / "img.npz", X=images, y=labels)
    ds = load_dataset(str(tmp_path / "img.npz"), n_train=12)
    assert ds.image_shape == (4, 3) and ds.n_features == 12
    assert ds.n_train == 12 and ds.n_test == 6
    assert 0.0 <= ds.X_train.min() and ds.X_train.max() <= 1.0
    np.testing.assert_allclose(ds.X_train * 255, np.round(ds.X_train * 255), atol=1e-9)


def test_mnist_npz_keeps_its_test_set(tmp_path):
    x_train, y_train = small_images(24)
    x_test, y_test = small_images(9, seed=1)
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    ds = load_dataset(str(path))
    assert (ds.n_train, ds.n_test) == (24, 9)
    assert ds.image_shape == (4, 3) and ds.n_outputs == 3
    # the test set is the file's, in its order, scaled by 255
    np.testing.assert_allclose(ds.X_test, x_test.reshape(9, -1).T / 255.0)
    np.testing.assert_array_equal(ds.labels_test, y_test)
    assert load_dataset(str(path), n_train=6).n_train == 6


# ------------------------------------------------------------------------------------- csv


def test_csv_without_and_with_header(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5},{i % 2}" for i in range(10))
    (tmp_path / "plain.csv").write_text(rows + "\n")
    (tmp_path / "head.csv").write_text("a,b,label\n" + rows + "\n")
    plain = load_dataset(str(tmp_path / "plain.csv"), test_fraction=0.0)
    head = load_dataset(str(tmp_path / "head.csv"), test_fraction=0.0)
    assert plain.n_train == head.n_train == 10
    np.testing.assert_array_equal(plain.X_train, head.X_train)
    assert plain.n_features == 2 and plain.n_outputs == 1 and plain.classes == ["0", "1"]


def test_csv_label_column_index_and_name(tmp_path):
    (tmp_path / "d.csv").write_text("kind;x;y\n" + "\n".join(f"{i % 3};{i};{-i}" for i in range(9)))
    ds = load_dataset(str(tmp_path / "d.csv"), label_column=0, test_fraction=0.0)
    assert ds.n_features == 2 and ds.n_outputs == 3
    by_name = load_dataset(str(tmp_path / "d.csv"), label_column="kind", test_fraction=0.0)
    np.testing.assert_array_equal(ds.Y_train, by_name.Y_train)
    refuses(tmp_path / "d.csv", "label column 5 is out of range", "3 columns", label_column=5)
    refuses(tmp_path / "d.csv", "no column named 'z'", "kind, x, y", label_column="z")


def test_csv_gz_and_whitespace(tmp_path):
    body = "\n".join(f"{i} {i * i} {i % 2}" for i in range(8)).encode()
    (tmp_path / "w.csv.gz").write_bytes(gzip.compress(body))
    ds = load_dataset(str(tmp_path / "w.csv.gz"), test_fraction=0.25)
    assert (ds.n_train, ds.n_test) == (6, 2)


def test_iris_style_csv_header(tmp_path):
    # a first line of counts and names with a different width than the data is skipped too
    (tmp_path / "i.csv").write_text("4,2,red,blue\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    assert load_dataset(str(tmp_path / "i.csv"), test_fraction=0.0).n_train == 4


# ------------------------------------------------------------------------------------- idx


@pytest.mark.parametrize("gz", [False, True])
def test_idx_directory_with_test_files(tmp_path, gz):
    x_train, y_train = small_images(15)
    x_test, y_test = small_images(6, seed=2)
    ext = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{ext}", x_train, gz=gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{ext}", y_train, gz=gz)
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}", x_test, gz=gz)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{ext}", y_test, gz=gz)
    ds = load_dataset(str(tmp_path))
    assert (ds.n_train, ds.n_test) == (15, 6) and ds.image_shape == (4, 3)
    np.testing.assert_allclose(ds.X_test, x_test.reshape(6, -1).T / 255.0)
    np.testing.assert_array_equal(ds.labels_test, y_test)


def test_idx_single_images_file_finds_labels_beside_it(tmp_path):
    x, y = small_images(20)
    images = write_idx(tmp_path / "train-images.idx3-ubyte", x)
    write_idx(tmp_path / "train-labels.idx1-ubyte", y)
    ds = load_dataset(str(images))
    assert (ds.n_train, ds.n_test) == (16, 4)
    # directory without t10k: split from the training files
    assert load_dataset(str(tmp_path)).n_test == 4


def test_idx_other_types(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 2, 2))
    write_idx(tmp_path / "f-images-idx3-double", x, type_byte=0x0E)
    write_idx(tmp_path / "f-labels-idx1-double", np.arange(10) % 2, type_byte=0x0C)
    ds = load_dataset(str(tmp_path / "f-images-idx3-double"), test_fraction=0.0)
    assert np.abs(ds.X_train).max() == pytest.approx(1.0)  # ÷ the training set's largest |value|


# ------------------------------------------------------------------------------------- refusals


def test_missing_file_and_unknown_extension(tmp_path):
    refuses(tmp_path / "nope.npz", "nope.npz", "no such file")
    refuses(tmp_path / "nope.csv", "no such file")
    (tmp_path / "d.xlsx").write_text("x")
    refuses(tmp_path / "d.xlsx", "unknown file type .xlsx", ".npz", ".csv", "IDX")


def test_npz_refusals(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    refuses(tmp_path / "empty.npz", "empty.npz", "empty")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 this is not really a zip")
    refuses(tmp_path / "bad.npz", "bad.npz", "not a valid .npz")
    np.savez(tmp_path / "noy.npz", X=np.zeros((3, 2)))
    refuses(tmp_path / "noy.npz", "noy.npz", "no array y", "found: X")
    np.savez(tmp_path / "mismatch.npz", X=np.zeros((5, 2)), y=np.arange(4))
    refuses(tmp_path / "mismatch.npz", "X has 5 samples but y has 4")
    np.savez(tmp_path / "noX.npz", X=np.zeros((0, 2)), y=np.zeros(0))
    refuses(tmp_path / "noX.npz", "X is empty")
    X = np.ones((6, 2))
    X[3, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X=X, y=np.arange(6) % 2)
    refuses(tmp_path / "nan.npz", "non-finite", "sample 3, feature 1")
    np.savez(tmp_path / "one.npz", X=np.ones((6, 2)), y=np.full(6, 7))
    refuses(tmp_path / "one.npz", "same label (7)", "at least 2 classes")
    np.savez(tmp_path / "obj.npz", X=np.array([[1, "a"]], dtype=object), y=np.array([1]))
    refuses(tmp_path / "obj.npz", "obj.npz")


def test_csv_refusals(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    refuses(tmp_path / "empty.csv", "empty.csv", "empty")
    (tmp_path / "head.csv").write_text("a,b,c\n")
    refuses(tmp_path / "head.csv", "only a header line")
    (tmp_path / "ragged.csv").write_text("1,2,0\n3,4,1\n5,6\n")
    refuses(tmp_path / "ragged.csv", "ragged.csv", "line 3 has 2 columns but line 1 has 3")
    (tmp_path / "word.csv").write_text("1,2,0\n3,x,1\n")
    refuses(tmp_path / "word.csv", "line 2, column 2 is 'x', not a number")
    (tmp_path / "inf.csv").write_text("1,2,0\n3,inf,1\n")
    refuses(tmp_path / "inf.csv", "line 2, column 2 is inf", "finite")
    (tmp_path / "one.csv").write_text("1,0\n2,0\n3,0\n")
    refuses(tmp_path / "one.csv", "same label", "at least 2 classes")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x01")
    refuses(tmp_path / "bin.csv", "not a text file")
    (tmp_path / "single.csv").write_text("1\n2\n")
    refuses(tmp_path / "single.csv", "only 1 column")
    (tmp_path / "bad.csv.gz").write_bytes(gzip.compress(b"1,2,0\n3,4,1\n")[:-6])
    refuses(tmp_path / "bad.csv.gz", "bad.csv.gz", "corrupt gzip")
    (tmp_path / "plain.csv.gz").write_text("1,2,0\n")
    refuses(tmp_path / "plain.csv.gz", "not gzip data")


def test_idx_refusals(tmp_path):
    x, y = small_images(5)
    write_idx(tmp_path / "a-images-idx3-ubyte", x)
    write_idx(tmp_path / "a-labels-idx1-ubyte", y)
    # bad magic
    (tmp_path / "b-images-idx3-ubyte").write_bytes(b"\x12\x34\x08\x03" + bytes(100))
    write_idx(tmp_path / "b-labels-idx1-ubyte", y)
    refuses(tmp_path / "b-images-idx3-ubyte", "bad IDX magic number 12340803")
    # truncated data
    full = (tmp_path / "a-images-idx3-ubyte").read_bytes()
    (tmp_path / "c-images-idx3-ubyte").write_bytes(full[:-7])
    write_idx(tmp_path / "c-labels-idx1-ubyte", y)
    refuses(tmp_path / "c-images-idx3-ubyte", "truncated IDX file", "5 × 4 × 3")
    # truncated header
    (tmp_path / "d-images-idx3-ubyte").write_bytes(full[:9])
    refuses(tmp_path / "d-images-idx3-ubyte", "truncated IDX header")
    # label count mismatch
    write_idx(tmp_path / "e-images-idx3-ubyte", x)
    write_idx(tmp_path / "e-labels-idx1-ubyte", y[:4])
    refuses(tmp_path / "e-images-idx3-ubyte", "5 images but e-labels-idx1-ubyte has 4 labels")
    # no labels beside
    write_idx(tmp_path / "f-images-idx3-ubyte", x)
    refuses(tmp_path / "f-images-idx3-ubyte", "no labels file beside it", "f-labels-idx1-ubyte")
    # corrupt gzip
    (tmp_path / "g-images-idx3-ubyte.gz").write_bytes(gzip.compress(full)[:20])
    write_idx(tmp_path / "g-labels-idx1-ubyte.gz", y, gz=True)
    refuses(tmp_path / "g-images-idx3-ubyte.gz", "corrupt gzip")
    # empty
    (tmp_path / "h-images-idx3-ubyte").write_bytes(b"")
    write_idx(tmp_path / "h-labels-idx1-ubyte", y)
    refuses(tmp_path / "h-images-idx3-ubyte", "empty")
    # a directory without MNIST files
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    refuses(empty_dir, "no MNIST IDX files", "train-images-idx3-ubyte")


def test_idx_directory_with_half_a_test_set(tmp_path):
    x, y = small_images(5)
    write_idx(tmp_path / "train-images-idx3-ubyte", x)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", x)
    refuses(tmp_path, "t10k-images-idx3-ubyte has no partner")


def test_mnist_npz_refusals(tmp_path):
    x, y = small_images(6)
    np.savez(tmp_path / "m.npz", x_train=x, y_train=y[:5], x_test=x, y_test=y)
    refuses(tmp_path / "m.npz", "x_train has 6 samples but y_train has 5")
    np.savez(tmp_path / "n.npz", x_train=x, y_train=y, x_test=x[:, :2], y_test=y)
    refuses(tmp_path / "n.npz", "test samples have 6 features but training samples 12")


def test_check_fits_on_a_file(tmp_path):
    X = np.random.default_rng(0).normal(size=(12, 3))
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(12) % 4)
    ds = load_dataset(str(tmp_path / "d.npz"))
    with pytest.raises(DataError, match=r"d\.npz has 3 features but the network's input layer"):
        check_fits(ds, [2, 4])
    with pytest.raises(DataError, match=r"4 outputs \(4 classes\) but the network's output layer"):
        check_fits(ds, [3, 3])


def test_more_npz_and_csv_corruptions(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    (tmp_path / "a.npy").rename(tmp_path / "single.npz")
    refuses(tmp_path / "single.npz", "single .npy array, not an .npz archive")
    (tmp_path / "text.npz").write_text("hello")
    refuses(tmp_path / "text.npz", "not an .npz (zip) archive", "bad magic number 68656c6c")
    np.savez(tmp_path / "whole.npz", X=np.zeros((50, 3)), y=np.arange(50) % 2)
    data = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    refuses(tmp_path / "cut.npz", "cut.npz", "not a valid .npz")
    (tmp_path / "hole.csv").write_text("1,,0\n2,3,1\n")
    refuses(tmp_path / "hole.csv", "line 1, column 2 is '', not a number")


def test_npz_label_encodings(tmp_path):
    X = np.arange(24.0).reshape(12, 2)
    np.savez(tmp_path / "s.npz", X=X, y=np.array(["cat", "dog", "emu"] * 4))
    s = load_dataset(str(tmp_path / "s.npz"), test_fraction=0.0)
    assert s.classes == ["cat", "dog", "emu"] and s.n_outputs == 3
    onehot = np.eye(4)[np.arange(12) % 4]
    np.savez(tmp_path / "o.npz", X=X, y=onehot)
    o = load_dataset(str(tmp_path / "o.npz"), test_fraction=0.0)
    assert o.task == "classification" and o.n_outputs == 4
    np.testing.assert_array_equal(o.Y_train, onehot[np.argsort(np.argsort(o.X_train[0]))].T)
    np.savez(tmp_path / "f.npz", X=X, y=(np.arange(12) % 3).astype(float))
    f = load_dataset(str(tmp_path / "f.npz"))
    assert f.task == "classification" and f.classes == ["0", "1", "2"]
    y = np.arange(12.0)
    y[4] = np.inf
    np.savez(tmp_path / "inf.npz", X=X, y=y)
    refuses(tmp_path / "inf.npz", "y has a non-finite value", "sample 4")
    assert "12 training samples, no test set, 2 features → 4 outputs (4 classes)" in o.summary()
