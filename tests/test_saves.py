"""Nothing lost: saves checked before the work, written whole or not at all, loaded with care.

Through the real command where a user meets it (``bpstep train --save``, ``--load``,
``export``), and through ``save_session``/``load_session`` for files a hostile user edited.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bpstep.engine.errors import DataError
from bpstep.session import Session, build_config, load_session, save_session

BPSTEP = Path(sys.executable).with_name("bpstep")


def bpstep(*args, cwd=None, preexec_fn=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run(
        [str(BPSTEP), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
        preexec_fn=preexec_fn,
    )


def refused(out, *fragments: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bpstep: error: "), out.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def file_size_limit(limit: int):
    """A child whose files cannot grow beyond ``limit`` bytes: writes fail with EFBIG ("File too
    large"), as a full disk fails them with ENOSPC (SIGXFSZ ignored, so the write just fails)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB file system (tmpfs), where it can be mounted (as root); else skipped."""
    mount = tmp_path / "disk"
    mount.mkdir()
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if out.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder that cannot be written to: a read-only tmpfs as root, chmod 555 otherwise."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if out.returncode != 0:
        pytest.skip("root, and cannot mount a read-only tmpfs: nothing here is read-only")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


# ------------------------------------------------------------------ --save checked first


LONG_RUN = ["train", "--preset", "digits", "--epochs", "300"]  # ~10 s or more of training


@pytest.mark.parametrize("case", ["missing folder", "folder", "fifo"])
def test_a_save_that_cannot_happen_is_refused_before_the_training(tmp_path, case):
    target = {
        "missing folder": tmp_path / "nofolder" / "s.npz",
        "folder": tmp_path,
        "fifo": tmp_path / "f.npz",
    }[case]
    if case == "fifo":
        os.mkfifo(target)
    t0 = time.monotonic()
    out = bpstep(*LONG_RUN, "--save", target)
    refused(out, "cannot save to")
    assert time.monotonic() - t0 < 5 and out.stdout == ""  # no table: nothing was trained
    if case == "folder":
        assert "it is a folder" in out.stderr and "session.npz" in out.stderr
        assert not (tmp_path.parent / f"{tmp_path.name}.npz").exists()


def test_a_save_into_a_read_only_folder_is_refused_before_the_training(read_only_folder):
    t0 = time.monotonic()
    out = bpstep(*LONG_RUN, "--save", read_only_folder / "s.npz")
    refused(out, "cannot be written to")
    assert time.monotonic() - t0 < 5 and out.stdout == ""


def test_a_full_disk_is_one_line_and_leaves_the_old_file_whole(tmp_path):
    save = tmp_path / "s.npz"
    assert bpstep("train", "--preset", "digits", "--save", save).returncode == 0
    before = save.read_bytes()
    # the digits session's file is ~200 KB; allow 10 KB
    out = bpstep("train", "--preset", "digits", "--save", save, preexec_fn=file_size_limit(10_000))
    refused(out, f"cannot save to {save}", "File too large", "nothing was written")
    assert save.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npz"]  # no temp file left


def test_a_really_full_disk(small_disk):
    save = small_disk / "s.npz"
    out = bpstep("train", "--preset", "digits", "--save", save)  # ~1.3 MB with its history
    refused(out, "No space left on device", "nothing was written")
    assert list(small_disk.iterdir()) == []


def test_save_adds_npz_says_so_and_the_advice_works(tmp_path):
    out = bpstep(
        "train", "--preset", "vanishing", "--watch", "delta:1<2e-3", "--save", "run", cwd=tmp_path
    )
    assert out.returncode == 1, out.stderr
    assert "saved the session to run.npz at the stop where the run stopped" in out.stdout
    assert "open it there with: bpstep --load run.npz" in out.stdout
    assert (tmp_path / "run.npz").exists() and not (tmp_path / "run").exists()
    assert bpstep("train", "--load", "run.npz", cwd=tmp_path).returncode in (0, 1)


def test_saving_through_a_symlink_updates_its_target(tmp_path):
    real = tmp_path / "real" / "s.npz"
    real.parent.mkdir()
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    out = bpstep("train", "--epochs", "3", "--save", link)
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and real.is_file()
    assert len(load_session(link).history) == 3
    bpstep("train", "--load", link, "--epochs", "2", "--save", link)
    assert link.is_symlink() and len(load_session(real).history) == 5


def test_a_relative_data_path_in_a_save_works_from_another_folder(tmp_path):
    data = tmp_path / "here"
    data.mkdir()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    np.savez(data / "d.npz", X=X, y=(X[:, 0] > 0).astype(int))
    out = bpstep("train", "--data", "d.npz", "--save", "s.npz", cwd=data)
    assert out.returncode == 0, out.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    more = bpstep("train", "--load", data / "s.npz", "--epochs", "2", cwd=elsewhere)
    assert more.returncode == 0, more.stderr


def test_temp_files_of_a_killed_save_are_cleaned_by_the_next_save(tmp_path):
    save = tmp_path / "s.npz"
    # a save killed (kill -9) halfway through writing: its temp file stays behind
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from bpstep.session.atomic import atomic_write; "
            "atomic_write(Path(sys.argv[1]), lambda fh: (fh.write(b'x' * 100), "
            "print('writing', flush=True), time.sleep(60)))",
            str(save),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().startswith("writing")
    writer.kill()
    writer.wait()
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".s.npz.") and left[0].endswith(".tmp")
    assert bpstep("train", "--save", save).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npz"]


def test_a_temp_file_of_a_save_still_running_is_left_alone(tmp_path):
    save = tmp_path / "s.npz"
    busy = tmp_path / f".s.npz.{os.getpid()}.abcdefgh.tmp"  # this process: alive
    busy.write_bytes(b"half")
    save_session(Session(build_config("xor")), save)
    assert busy.exists()


# ------------------------------------------------------------------ export


def test_export_onto_a_full_disk_leaves_no_partial_export(tmp_path):
    out_dir = tmp_path / "out"
    out = bpstep(
        "export", "--preset", "digits", "--to", out_dir, preexec_fn=file_size_limit(20_000)
    )
    refused(out, "cannot export to", "File too large", "nothing was exported")
    assert list(tmp_path.iterdir()) == []  # no folder, no temp folder


def test_export_over_an_earlier_export_replaces_it_whole(tmp_path):
    out_dir = tmp_path / "out"
    assert bpstep("export", "--to", out_dir).returncode == 0
    first = json.loads((out_dir / "manifest.json").read_text())
    out = bpstep(
        "export", "--preset", "digits", "--to", out_dir, preexec_fn=file_size_limit(20_000)
    )
    assert out.returncode == 2
    assert json.loads((out_dir / "manifest.json").read_text()) == first  # untouched
    assert bpstep("export", "--iterations", "2", "--to", out_dir).returncode == 0
    second = json.loads((out_dir / "manifest.json").read_text())
    assert second["stop"]["index"] == 14 and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_export_into_a_read_only_folder_is_refused_before_the_work(read_only_folder):
    refused(bpstep("export", "--to", read_only_folder / "out"), "cannot be written to")


# ------------------------------------------------------------------ loading checks


def saved_arrays(tmp_path: Path, **config) -> tuple[Session, dict[str, np.ndarray]]:
    s = Session(build_config("digits", **config))
    s.run_epochs(1)
    for _ in range(30):  # into iteration 149, before its cost stop
        s.step()
    save_session(s, tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as z:
        return s, {k: z[k] for k in z.files}


def edited(tmp_path: Path, data: dict, **changes) -> Path:
    path = tmp_path / "edited.npz"
    np.savez(path, **{**data, **changes})
    return path


def test_a_file_whose_parameters_are_not_those_of_its_stop_is_refused(tmp_path):
    """The defect ctrl+s during a run made: a stop recorded with another stop's weights."""
    s, data = saved_arrays(tmp_path)
    other = Session(build_config("digits"))
    other.run_to(s.index - 3 * s.stops_per_iteration)  # three iterations earlier
    with pytest.raises(DataError, match="not those of the stop it names"):
        load_session(edited(tmp_path, data, W1=other.network.weights[0]))


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d, k: {"W2": np.full_like(d["W2"], np.nan)}, "NaN or infinite"),
        (lambda d, k: {f"h{k}_W1": np.zeros((3, 3))}, "do not fit the network"),
        (lambda d, k: {f"h{k}_b2": np.zeros((10, 2))}, "do not fit the network"),
        (lambda d, k: {"history_keys": np.array([-1, k])}, "negative iteration"),
        (lambda d, k: {"iter_costs": np.array(json.dumps({"0": "abc"}))}, "not a number"),
        (
            lambda d, k: {
                "watches": np.array(
                    json.dumps({"norms": [{"tensor": "delta", "layer": 99, "below": 1}]})
                )
            },
            "m = 99",
        ),  # fmt: skip
        (lambda d, k: {"index": np.array(-5)}, "stop -5"),
        (
            lambda d, k: {
                "config": np.array(json.dumps({"data": "digits", "layers": [64, 10**9, 10]}))
            },
            "memory",
        ),  # fmt: skip
    ],
)
def test_damaged_or_hostile_files_are_refused_in_one_line(tmp_path, change, fragment):
    _, data = saved_arrays(tmp_path)
    k = int(data["history_keys"][len(data["history_keys"]) // 2])
    path = edited(tmp_path, data, **change(data, k))
    with pytest.raises(DataError) as info:
        load_session(path)
    assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_history_optimiser_state_of_the_wrong_shape_is_refused_not_met_stepping_back(
    tmp_path, optimizer
):
    s, data = saved_arrays(tmp_path, optimizer=optimizer)
    k = int(data["history_keys"][1])
    slot = "v" if optimizer == "momentum" else "m"
    # (1, 30) broadcasts into W2's (10, 30): once accepted, it changed the numbers silently
    path = edited(tmp_path, data, **{f"h{k}_opt_{slot}_W2": np.zeros((1, 30))})
    with pytest.raises(DataError, match=f"optimiser state {slot}_W2 of iteration {k}"):
        load_session(path)
    good = load_session(tmp_path / "good.npz")
    while good.can_back():  # the untouched file steps back all the way, bit for bit
        good.back()
        s.back()
    assert good.index == s.index
    np.testing.assert_array_equal(good.network.weights[0], s.network.weights[0])


def test_adams_step_count_must_match_its_iteration(tmp_path):
    _, data = saved_arrays(tmp_path, optimizer="adam")
    k = int(data["history_keys"][1])
    with pytest.raises(DataError, match=f"step count t of iteration {k} is 3"):
        load_session(edited(tmp_path, data, **{f"h{k}_opt_t": np.array(3)}))
