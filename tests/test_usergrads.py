"""Checking a learner's gradient module: every outcome, in the library and via `bpstep check`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bpstep.engine.errors import UserCodeError
from bpstep.session import Session, build_config
from bpstep.session.usergrads import check_session, load_user_module

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BPSTEP = Path(sys.executable).with_name("bpstep")


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def check(path, preset="xor", **kw):
    return check_session(load_user_module(path), Session(build_config(preset, **kw)))


def bpstep(*args: str):
    return subprocess.run([str(BPSTEP), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("preset", ["xor", "digits", "vanishing"])
def test_correct_module_agrees_everywhere(preset):
    report = check(EXAMPLES / "grads_correct.py", preset)
    assert report.ok
    worst = report.worst()
    assert {f.function for f in worst} == {
        "output_delta",
        "hidden_delta",
        "weight_grad",
        "bias_grad",
    }
    for f in worst:
        assert f.fd_rel_error is not None and f.fd_rel_error < 1e-6, (f.function, f.layer)


def test_correct_module_with_l2_and_cross_entropy():
    assert check(EXAMPLES / "grads_correct.py", "xor", l2=0.1, cost="cross_entropy").ok


@pytest.mark.parametrize(
    "example, options, function, hint",
    [
        ("grads_bug_missing_fprime.py", {}, "hidden_delta", "missing f′(z)"),
        ("grads_bug_transpose.py", {}, "weight_grad", "transpose"),
        ("grads_bug_sum.py", {}, "bias_grad", "sum instead of mean"),
        ("grads_bug_l2_bias.py", {"l2": 0.1}, "bias_grad", "L2 on biases"),
        ("grads_bug_sign.py", {}, "output_delta", "wrong sign"),
    ],
)
def test_each_buggy_example_is_caught_with_its_hint(example, options, function, hint):
    report = check(EXAMPLES / example, **options)
    assert not report.ok
    bad = [f for f in report.worst() if not f.ok]
    assert bad and all(f.function == function for f in bad)
    assert all(hint in (f.hint or "") for f in bad)


def test_one_wrong_formula_is_reported_where_it_is_wrong(tmp_path):
    # a wrong output δ must not make the hidden δ or the gradients wrong: each function gets
    # the engine's own inputs
    path = write(
        tmp_path,
        """
        import numpy as np
        def output_delta(a, y):
            return 2 * (a - y)
        def hidden_delta(z, W_next, delta_next):
            s = 1 / (1 + np.exp(-z))
            return s * (1 - s) * (W_next.T @ delta_next)
        def bias_grad(delta):
            return delta.mean(axis=1, keepdims=True)
    """,
    )
    report = check(path)
    status = {(f.function, f.layer): f.status for f in report.worst()}
    assert status == {
        ("output_delta", 2): "disagree",
        ("hidden_delta", 1): "agree",
        ("bias_grad", 2): "agree",
        ("bias_grad", 1): "agree",
    }


def test_missing_output_delta_fprime_gets_its_hint(tmp_path):
    path = write(tmp_path, "def output_delta(a, y):\n    return a - y\n")
    (f,) = check(path).worst()
    assert f.status == "disagree" and "missing f′(z)" in f.hint
    idx, yours, ref = f.first_wrong
    assert yours != ref


def test_code_that_raises_names_the_users_file_and_line(tmp_path):
    path = write(
        tmp_path,
        """
        def bias_grad(delta):
            x = 1
            return delta.mean(axis=1, keepdims=True) / undefined_name
    """,
    )
    (f, *_) = check(path).worst()
    assert f.status == "error"
    assert f"{path}:4" in f.message and "NameError" in f.message


def test_wrong_shape_says_what_was_expected_and_why(tmp_path):
    path = write(tmp_path, "def output_delta(z, a, y):\n    return (a - y)[:, :2]\n", "b.py")
    (f,) = check(path).worst()
    assert "returned shape (1, 2), expected (1, 4): δ² must be shaped like z²" in f.message


def test_none_and_wrong_type_are_findings(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    pass\n")
    assert all("returned None" in f.message for f in check(path).worst())
    path = write(tmp_path, "def bias_grad(delta):\n    return 'ten'\n", "b.py")
    assert all("not numbers" in f.message for f in check(path).worst())


def test_unknown_argument_name_lists_the_accepted_ones(tmp_path):
    path = write(tmp_path, "def bias_grad(deltas):\n    return deltas\n")
    (f, *_) = check(path).worst()
    assert f.status == "error" and "'deltas'" in f.message and "delta_next" in f.message


def test_only_some_functions_defined_fall_back_to_the_engine(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(axis=1, keepdims=True)\n")
    um = load_user_module(path)
    assert um.defined == ["bias_grad"]
    assert um.fallbacks == ["output_delta", "hidden_delta", "weight_grad"]
    assert check(path).ok


def test_syntax_error_and_missing_file_are_usage_errors(tmp_path):
    path = write(tmp_path, "def bias_grad(delta)\n    return delta\n")
    with pytest.raises(UserCodeError, match=r"mine\.py:1: syntax error"):
        load_user_module(path)
    with pytest.raises(UserCodeError, match="no such file"):
        load_user_module(tmp_path / "nope.py")
    empty = write(tmp_path, "x = 1\n", "empty.py")
    with pytest.raises(UserCodeError, match="defines none of"):
        load_user_module(empty)


# ---------------------------------------------------------------- through the command


def test_check_command_exit_codes():
    assert bpstep("check", str(EXAMPLES / "grads_correct.py")).returncode == 0
    out = bpstep("check", str(EXAMPLES / "grads_bug_sum.py"))
    assert out.returncode == 1
    assert "sum instead of mean" in out.stdout and "first wrong entry" in out.stdout
    out = bpstep("check", str(EXAMPLES / "grads_bug_l2_bias.py"), "--l2", "0.1")
    assert out.returncode == 1 and "L2 on biases" in out.stdout


def test_check_command_usage_errors(tmp_path):
    out = bpstep("check", str(tmp_path / "missing.py"))
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    bad = write(tmp_path, "def bias_grad(delta):\n    return delta +\n")
    out = bpstep("check", str(bad))
    assert out.returncode == 2 and f"{bad}:2: syntax error" in out.stderr
    out = bpstep("check", str(EXAMPLES / "grads_correct.py"), "--lr", "-1")
    assert out.returncode == 2


def test_check_json_for_autograders():
    out = bpstep("check", str(EXAMPLES / "grads_bug_sign.py"), "--json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and doc["defined"] == ["output_delta"]
    (r,) = doc["results"]
    assert r["function"] == "output_delta" and r["status"] == "disagree"
    assert r["first_wrong"]["yours"] == pytest.approx(-r["first_wrong"]["reference"])
    assert "wrong sign" in r["hint"] and r["expected_shape"] == [1, 4]
