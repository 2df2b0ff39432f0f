"""The headless commands through the real console script, as a shell user meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpstep.session import load_session

BPSTEP = Path(sys.executable).with_name("bpstep")


def bpstep(*args: str, env: dict | None = None, cwd: Path | None = None):
    full_env = {**os.environ, **(env or {})}
    full_env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [str(BPSTEP), *args], capture_output=True, text=True, timeout=120, env=full_env, cwd=cwd
    )


def assert_usage_error(out, *fragments: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, out.stderr
    assert lines[0].startswith("bpstep: error:")
    for f in fragments:
        assert f in out.stderr, (f, out.stderr)


def table_rows(stdout: str) -> list[list[str]]:
    return [
        line.split()
        for line in stdout.splitlines()
        if line.split()[:1] and line.split()[0].isdigit()
    ]


def test_help_works():
    out = bpstep("--help")
    assert out.returncode == 0 and "train" in out.stdout and "--preset" in out.stdout


def test_train_prints_a_table_and_saves_a_session_that_continues(tmp_path):
    save = tmp_path / "xor.npz"
    out = bpstep("train", "--epochs", "5", "--save", str(save))
    assert out.returncode == 0, out.stderr
    rows = table_rows(out.stdout)
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert save.exists()
    more = bpstep("train", "--load", str(save), "--epochs", "2")
    assert more.returncode == 0, more.stderr
    rows = table_rows(more.stdout)
    assert [r[0] for r in rows] == ["6", "7"]
    # the same 7 epochs in one go give the same final cost
    once = bpstep("train", "--epochs", "7")
    assert once.stdout.splitlines()[-1].split()[1] == more.stdout.splitlines()[-1].split()[1]


def test_train_digits_reaches_a_useful_accuracy():
    out = bpstep("train", "--preset", "digits", "--epochs", "3")
    assert out.returncode == 0
    last = out.stdout.strip().splitlines()[-1].split()
    assert float(last[-1].rstrip("%")) > 85.0


def test_train_stops_on_a_non_finite_cost_with_exit_1():
    out = bpstep(
        "train", "--data", "blobs", "--activation", "identity", "--lr", "1e6", "--epochs", "50"
    )
    assert out.returncode == 1
    assert "non-finite" in out.stderr and "smaller learning rate" in out.stderr
    assert "epoch" in out.stderr and "m=" in out.stderr
    assert "Traceback" not in out.stderr


def test_output_has_no_colour_codes_in_pipes_or_with_no_color():
    for env in ({}, {"NO_COLOR": "1"}):
        out = bpstep("train", "--epochs", "2", env=env)
        assert "\x1b[" not in out.stdout
        out = bpstep("trace", env=env)
        assert "\x1b[" not in out.stdout


def test_trace_prints_every_stop_of_an_iteration():
    out = bpstep("trace")
    assert out.returncode == 0
    for text in (
        "forward m=1",
        "forward m=2",
        "cost",
        "backward m=2",
        "backward m=1",
        "update m=1",
        "update m=2",
        "δ² = f′(z²) ⊙ ∂C/∂a²",
        "δ¹ = f′(z¹) ⊙ (W²)ᵀ δ²",
        # each tensor named in the lesson's notation, with its layer
        "a⁰ (2×4)",
        "z² (1×4)",
        "Cᵢ (1×4)",
        "f′(z¹) (3×4)",
        "δ¹ (3×4)",
        "∂J/∂W² (1×3)",  # J: λ = 0
        "W¹ before (3×2)",
        "b² after (1×1)",
    ):
        assert text in out.stdout, text
    assert "a_prev" not in out.stdout and "grad_W" not in out.stdout


def test_trace_json_is_one_object_per_stop():
    out = bpstep("trace", "--json", "--iterations", "2")
    assert out.returncode == 0
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 2 * 7
    assert [r["phase"] for r in records[:7]] == [
        "forward",
        "forward",
        "cost",
        "backward",
        "backward",
        "update",
        "update",
    ]
    b = records[3]
    assert b["layer"] == 2 and b["tensors"]["delta"]["shape"] == [1, 4]
    assert len(b["tensors"]["delta"]["values"][0]) == 4
    assert records[7]["iteration"] == 1 and records[7]["epoch"] == 2


def test_trace_into_a_closed_pipe_exits_quietly():
    p = subprocess.run(
        f"'{BPSTEP}' trace --json --iterations 50 | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in p.stderr
    json.loads(p.stdout)


def test_export_writes_tensors_that_match_the_session(tmp_path):
    out = bpstep("export", "--to", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    files = {p.name for p in (tmp_path / "out").iterdir()}
    for name in (
        "W1.npy",
        "W1.csv",
        "b2.npy",
        "z1.npy",
        "a2.npy",
        "delta1.npy",
        "grad_W2.npy",
        "manifest.json",
    ):
        assert name in files, name
    from bpstep.session import Session, build_config

    s = Session(build_config("xor"))
    s.run_iteration()
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "W1.npy"), s.network.weights[0])
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "delta1.npy"), s.tensors(1)["delta"])
    np.testing.assert_allclose(
        np.loadtxt(tmp_path / "out" / "W1.csv", delimiter=","), s.network.weights[0], rtol=0, atol=0
    )


def test_export_to_a_file_is_refused(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    assert_usage_error(bpstep("export", "--to", str(f)), "is a file")


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--layers", "2,x,1", "train"], ["layer sizes"]),
        (["train", "--layers", "2,0,1"], ["positive integers"]),
        (["train", "--layers", "2"], ["at least two"]),
        (["train", "--activation", "swish"], ["swish", "accepted"]),
        (["train", "--cost", "hinge"], ["hinge", "accepted"]),
        (["train", "--optimizer", "rmsprop"], ["rmsprop", "accepted"]),
        (["train", "--cost", "cross_entropy", "--activation", "tanh"], ["sigmoid or softmax"]),
        (["train", "--lr", "0"], ["--lr"]),
        (["train", "--lr", "nan"], ["finite"]),
        (["train", "--lr", "abc"], ["number"]),
        (["train", "--batch-size", "0"], ["--batch-size"]),
        (["train", "--epochs", "0"], ["--epochs"]),
        (["train", "--l2", "-1"], ["--l2"]),
        (["train", "--preset", "nope"], ["nope", "xor"]),
        (["frobnicate"], ["frobnicate"]),
        (["train", "--data", "/no/such/file.csv"], ["/no/such/file.csv"]),
        (["train", "--data", "nope"], ["nope"]),
        (["train", "--load", "/no/such.npz"], ["no such file"]),
        (["train", "--load", "x.npz", "--lr", "1"], ["--load", "--lr"]),
    ],
)
def test_bad_options_exit_2_with_one_clear_line(args, fragments):
    assert_usage_error(bpstep(*args), *fragments)


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("empty.csv", "", "empty"),
        ("ragged.csv", "1,2,0\n3,1\n", "ragged"),
        ("nan.csv", "1,nan,0\n3,4,1\n", "finite"),
        ("text.csv", "1,2,0\n3,x,1\n", ""),
        ("corrupt.npz", "not a zip", ""),
    ],
)
def test_bad_data_files_exit_2(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_text(content)
    out = bpstep("train", "--data", str(path))
    assert_usage_error(out, fragment)


def test_data_with_the_wrong_number_of_features_for_the_layers(tmp_path):
    path = tmp_path / "d.csv"
    rows = "\n".join(f"{i},{i + 1},{i % 2}" for i in range(20))
    path.write_text(rows)
    assert_usage_error(bpstep("train", "--data", str(path), "--layers", "3,4,1"), "features")
    assert bpstep("train", "--data", str(path), "--layers", "2,4,1").returncode == 0


def test_a_corrupt_session_file_exits_2(tmp_path):
    bad = tmp_path / "s.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert_usage_error(bpstep("train", "--load", str(bad)), "cannot load")
    foreign = tmp_path / "f.npz"
    np.savez(foreign, a=np.zeros(2))
    assert_usage_error(bpstep("train", "--load", str(foreign)), "not a saved bpstep session")


def test_train_with_l2_shows_the_data_cost_beside_the_regularised_one():
    out = bpstep("train", "--preset", "l2", "--epochs", "2")
    assert out.returncode == 0, out.stderr
    header = next(line.split() for line in out.stdout.splitlines() if "epoch" in line)
    assert header[:7] == ["epoch", "train", "cost", "test", "cost", "train", "J"]
    assert "J: without it" in out.stdout
    for row in table_rows(out.stdout):
        train_hat, test_hat, train_j, test_j = map(float, row[1:5])
        # the same λ term is added to both sets
        assert train_j < train_hat and test_hat - test_j == pytest.approx(
            train_hat - train_j, abs=2e-6
        )
    plain = bpstep("train", "--epochs", "1")
    assert "train J" not in plain.stdout


def test_train_watch_stops_saves_where_it_fired_and_the_debugger_opens_there(tmp_path):
    save = tmp_path / "v.npz"
    out = bpstep(
        "train", "--preset", "vanishing", "--epochs", "3", "--watch", "delta:1<2e-3",
        "--save", str(save),
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "‖δ¹‖" in out.stderr and "fell below 0.002 (vanishing)" in out.stderr
    assert "(epoch 1, iteration 1)" in out.stderr
    assert f"bpstep --load {save}" in out.stdout
    from bpstep.session import Phase

    s = load_session(save)
    assert s.stop.id.phase is Phase.BACKWARD and s.stop.id.layer == 1
    assert s.stop.global_iteration == 0


def test_train_watch_cost_and_bad_watches():
    # α = 50 on xor overshoots: the training cost rises at some epoch boundary
    out = bpstep("train", "--lr", "50", "--epochs", "30", "--watch", "cost")
    assert out.returncode == 1 and "training cost rose from" in out.stderr
    assert_usage_error(bpstep("train", "--watch", "delta<<3"), "a watch is like", "delta<<3")
