"""Built-in data sets, the shared split/scale pipeline and check_fits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpstep.datasets import BUILTIN_DATASETS, Dataset, check_fits, labels_to_targets, load_dataset
from bpstep.datasets.prepare import build_dataset, stratified_split
from bpstep.datasets.toy import make_blobs, make_circles, make_moons, make_spiral
from bpstep.engine.errors import BpstepError, ConfigError, DataError

TOYS = ["circles", "moons", "spiral", "blobs"]


def assert_consistent(ds: Dataset) -> None:
    """Shapes, dtypes and labels agree with each other (columns are samples)."""
    assert ds.X_train.dtype == np.float64 and ds.Y_train.dtype == np.float64
    assert ds.X_train.shape == (ds.n_features, ds.n_train)
    assert ds.Y_train.shape == (ds.n_outputs, ds.n_train)
    assert np.all(np.isfinite(ds.X_train))
    if ds.X_test is not None:
        assert ds.X_test.shape == (ds.n_features, ds.n_test)
        assert ds.Y_test.shape == (ds.n_outputs, ds.n_test)
    if ds.task == "classification":
        k = len(ds.classes)
        for Y, labels in ((ds.Y_train, ds.labels_train), (ds.Y_test, ds.labels_test)):
            if Y is None:
                continue
            assert labels.shape == (Y.shape[1],)
            if k == 2:
                assert ds.n_outputs == 1
                np.testing.assert_array_equal(Y[0], labels)
            else:
                assert ds.n_outputs == k
                np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
                np.testing.assert_array_equal(np.argmax(Y, axis=0), labels)


# ------------------------------------------------------------------------------------- toys


def test_xor_is_exactly_the_four_points():
    ds = load_dataset("xor")
    np.testing.assert_array_equal(ds.X_train, [[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_array_equal(ds.Y_train, [[0, 1, 1, 0]])
    assert ds.Y_train.shape == (1, 4)
    assert ds.X_test is None and ds.Y_test is None and ds.n_test == 0
    assert ds.task == "classification" and ds.classes == ["0", "1"]
    assert_consistent(ds)


@pytest.mark.parametrize("name", TOYS)
def test_toy_shapes_split_and_determinism(name):
    a = load_dataset(name, seed=1)
    b = load_dataset(name, seed=1)
    c = load_dataset(name, seed=2)
    assert_consistent(a)
    assert 200 <= a.n_train + a.n_test <= 400
    assert a.n_test == int(np.ceil(0.2 * (a.n_train + a.n_test)))
    assert a.n_features == 2
    expected_outputs = 1 if name in ("circles", "moons") else 3
    assert a.n_outputs == expected_outputs
    for attr in ("X_train", "Y_train", "X_test", "Y_test"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("maker", [make_circles, make_moons, make_spiral, make_blobs])
def test_toy_generators_are_balanced_and_seeded(maker):
    X, y = maker(n=90, seed=5)
    X2, y2 = maker(n=90, seed=5)
    assert X.shape == (90, 2) and y.shape == (90,)
    np.testing.assert_array_equal(X, X2)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_circles_radii_and_blobs_k():
    X, y = make_circles(n=200, noise=0.0, factor=0.5)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.5)
    ds = load_dataset("blobs:k=5,n=100")
    assert ds.n_outputs == 5 and ds.n_train + ds.n_test == 100
    assert_consistent(ds)
    two = load_dataset("blobs:k=2")
    assert two.n_outputs == 1


def test_toy_options_refused():
    with pytest.raises(DataError, match="unknown option 'colour=red'.*accepted: n=<int>"):
        load_dataset("moons:colour=red")
    with pytest.raises(DataError, match="k='x' is not a valid int"):
        load_dataset("blobs:k=x")
    with pytest.raises(DataError, match="k=1 is out of range"):
        load_dataset("spiral:k=1")
    with pytest.raises(DataError, match="no options"):
        load_dataset("xor:n=5")


# ------------------------------------------------------------------------------------- digits


def test_digits_counts_ranges_and_labels():
    ds = load_dataset("digits")
    assert ds.n_train + ds.n_test == 1797
    assert (ds.n_train, ds.n_test) == (1437, 360)
    assert ds.n_features == 64 and ds.n_outputs == 10
    assert ds.image_shape == (8, 8)
    assert ds.classes == [str(j) for j in range(10)]
    assert ds.X_train.min() == 0.0 and ds.X_train.max() == 1.0
    # pixels were 0..16, so every value is a multiple of 1/16
    np.testing.assert_array_equal(ds.X_train * 16, np.round(ds.X_train * 16))
    assert_consistent(ds)
    # stratified: every digit has 35-37 test images
    assert set(np.bincount(ds.labels_test, minlength=10)) <= {35, 36, 37}


def test_digits_first_image_matches_the_file():
    import gzip
    from importlib import resources

    raw = resources.files("bpstep.datasets").joinpath("data", "digits.csv.gz").read_bytes()
    first = np.array(gzip.decompress(raw).decode().splitlines()[0].split(","), dtype=float)
    ds = load_dataset("digits", test_fraction=0.0)
    assert ds.X_test is None and ds.n_train == 1797
    cols = np.flatnonzero(np.all(ds.X_train == (first[:64] / 16)[:, None], axis=0))
    assert cols.size >= 1
    assert ds.labels_train[cols[0]] == int(first[64])


def test_digits_seeds_and_n_train():
    a, b = load_dataset("digits", seed=0), load_dataset("digits", seed=1)
    assert not np.array_equal(a.labels_test, b.labels_test)
    np.testing.assert_array_equal(a.X_test, load_dataset("digits", seed=0).X_test)
    small = load_dataset("digits", n_train=100)
    assert small.n_train == 100 and small.n_test == 360
    np.testing.assert_array_equal(small.X_test, a.X_test)  # same test set, fewer training samples
    assert np.all(np.bincount(small.labels_train, minlength=10) == 10)
    assert_consistent(small)


def test_iris():
    ds = load_dataset("iris")
    assert (ds.n_train, ds.n_test) == (120, 30)
    assert ds.classes == ["setosa", "versicolor", "virginica"]
    assert ds.n_features == 4 and ds.n_outputs == 3
    np.testing.assert_allclose(ds.X_train.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=1), 1.0)
    assert_consistent(ds)


def test_builtin_names_are_all_loadable():
    for name in BUILTIN_DATASETS:
        assert_consistent(load_dataset(name))
        assert_consistent(load_dataset(name.upper()))


def test_unknown_builtin_lists_names():
    with pytest.raises(DataError) as e:
        load_dataset("mnistt")
    msg = str(e.value)
    assert "unknown dataset 'mnistt'" in msg
    for name in BUILTIN_DATASETS:
        assert name in msg
    assert "\n" not in msg


# ------------------------------------------------------------------------------------- pipeline


def test_labels_to_targets():
    np.testing.assert_array_equal(labels_to_targets(np.array([1, 0, 1]), 2), [[1, 0, 1]])
    Y = labels_to_targets(np.array([2, 0, 1]), 3)
    np.testing.assert_array_equal(Y, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


@given(
    counts=st.lists(st.integers(1, 30), min_size=2, max_size=6),
    fraction=st.floats(0.05, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_partitions_and_keeps_proportions(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    n = labels.size
    n_pick = int(np.ceil(fraction * n))
    rest, picked = stratified_split(n, labels, n_pick, np.random.default_rng(seed))
    assert picked.size == n_pick
    np.testing.assert_array_equal(np.sort(np.concatenate([rest, picked])), np.arange(n))
    got = np.bincount(labels[picked], minlength=len(counts))
    quota = n_pick * np.array(counts) / n
    assert np.all(np.abs(got - quota) < 1.0 + 1e-9)


def test_standardise_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, (100, 3))
    X[:, 2] = 7.0  # a constant feature stays finite (0)
    y = rng.normal(size=100)
    ds = build_dataset("t", X, y, seed=0)
    assert ds.task == "regression" and ds.classes is None and ds.labels_train is None
    np.testing.assert_allclose(ds.X_train[:2].mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train[:2].std(axis=1), 1.0)
    np.testing.assert_array_equal(ds.X_train[2], 0.0)
    # the test set is NOT re-centred on its own mean
    assert np.all(np.abs(ds.X_test[:2].mean(axis=1)) > 1e-6)
    assert ds.Y_train.shape == (1, 80)


def test_regression_targets_kept_as_given():
    X = np.arange(20.0).reshape(10, 2)
    Y = np.column_stack([np.linspace(0.5, 1.5, 10), np.linspace(-1.25, 2, 10)])
    ds = build_dataset("r", X, Y, test_fraction=0.0)
    assert ds.Y_train.shape == (2, 10)
    order = np.argsort(ds.X_train[0])
    np.testing.assert_array_equal(ds.Y_train[:, order], Y.T)


def test_bad_options():
    with pytest.raises(ConfigError, match="test fraction 1.5 is out of range"):
        load_dataset("moons", test_fraction=1.5)
    with pytest.raises(ConfigError, match=r"n_train 5000 is out of range.*1\.\.1437"):
        load_dataset("digits", n_train=5000)
    with pytest.raises(ConfigError, match="n_train 0"):
        load_dataset("digits", n_train=0)


# ------------------------------------------------------------------------------------- check_fits


def test_check_fits():
    ds = load_dataset("digits")
    check_fits(ds, [64, 30, 10])
    with pytest.raises(DataError, match="64 features.*input layer has 2 units"):
        check_fits(ds, [2, 30, 10])
    with pytest.raises(DataError, match="10 outputs.*output layer has 1 units"):
        check_fits(ds, [64, 30, 1])
    xor = load_dataset("xor")
    check_fits(xor, (2, 2, 1))
    with pytest.raises(BpstepError, match="the last size must be 1"):
        check_fits(xor, (2, 2, 2))
