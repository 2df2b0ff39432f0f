"""`bpstep check FILE` through the real console script, as a learner or an autograder runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BPSTEP = Path(sys.executable).with_name("bpstep")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

RESULT_KEYS = {
    "function",
    "layer",
    "status",
    "iteration",
    "expected_shape",
    "rel_error",
    "fd_rel_error",
    "band",
    "first_wrong",
    "hint",
    "message",
    "warnings",
    # added by issue 11
    "quantity",
    "slip",
    "follows",
    "part",
    "slip_details",
    "l2",
    "tolerance",
    "worst",
    "notes",
}
TOP_KEYS = {
    "schema",
    "ok",
    "file",
    "iterations",
    "threshold",
    "network",
    "defined",
    "fallbacks",
    "summary",
    "results",
    # added by issue 11
    "shape",
    "origin",
    "untested",
    "conventions",
    "skipped",
    "also_recognised",
    "notes",
}


def bpstep(*args: str):
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run(
        [str(BPSTEP), "check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def assert_usage_error(out, *fragments: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bpstep: error:"), out.stderr
    for f in fragments:
        assert f in out.stderr, (f, out.stderr)


def test_correct_module_exits_0():
    out = bpstep(EXAMPLES / "grads_correct.py")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all agree" in out.stdout and "disagree" not in out.stdout
    assert "\x1b[" not in out.stdout  # a pipe gets plain text
    for name in ("output_delta", "hidden_delta", "weight_grad", "bias_grad"):
        assert name in out.stdout


@pytest.mark.parametrize(
    "example, options, hint",
    [
        ("grads_bug_missing_fprime.py", [], "missing f′(z)"),
        ("grads_bug_transpose.py", [], "a missing or extra transpose"),
        ("grads_bug_sum.py", [], "sum instead of mean"),
        ("grads_bug_l2_bias.py", ["--l2", "0.1"], "L2 on biases"),
        ("grads_bug_sign.py", [], "wrong sign"),
        ("grads_bug_missing_l2.py", ["--l2", "0.1"], "missing L2 term"),
    ],
)
def test_each_buggy_example_exits_1_with_its_hint(example, options, hint):
    out = bpstep(EXAMPLES / example, *options)
    assert out.returncode == 1, out.stdout + out.stderr
    hints = [line for line in out.stdout.splitlines() if line.strip().startswith("hint:")]
    assert hints and all(hint in " ".join(h.split()) for h in hints)
    assert "disagree or fail" in out.stdout and out.stderr == ""


def test_first_wrong_entry_is_printed_with_both_values():
    out = bpstep(EXAMPLES / "grads_bug_sign.py")
    row = next(line for line in out.stdout.splitlines() if "output_delta" in line and "δ²" in line)
    cell = row.split()[-4:]
    assert cell[0] == "[1,1]" and cell[2] == "/"
    assert float(cell[1]) == pytest.approx(-float(cell[3]))


def test_users_code_failing_exits_1_and_names_their_line(tmp_path):
    path = write(
        tmp_path,
        """
        def bias_grad(delta):
            return delta.mean(axis=1, keepdims=True) / undefined_name
    """,
    )
    out = bpstep(path)
    assert out.returncode == 1 and "Traceback" not in out.stdout + out.stderr
    assert f"{path}:3: NameError" in out.stdout.replace("\n", "")


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("def output_delta(z, a, y):\n    return (a - y).T\n", "returned shape (4, 1), expected"),
        ("def bias_grad(delta):\n    delta.mean()\n", "returned None"),
        ("def bias_grad(deltas):\n    return deltas\n", "unknown argument 'deltas'"),
        ("def bias_grad(*args):\n    return args\n", "passed by name only"),
    ],
)
def test_wrong_results_and_arguments_exit_1(tmp_path, source, fragment):
    out = bpstep(write(tmp_path, source))
    assert out.returncode == 1, out.stdout + out.stderr
    assert fragment in " ".join(out.stdout.split())


def test_only_some_functions_defined(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(axis=1, keepdims=True)\n")
    out = bpstep(path)
    assert out.returncode == 0
    assert "not defined (the engine's are used): output_delta, hidden_delta, weight_grad" in (
        out.stdout
    )


def test_usage_errors_exit_2_with_one_line(tmp_path):
    assert_usage_error(bpstep(tmp_path / "missing.py"), "no such file")
    bad = write(tmp_path, "import numpy\ndef bias_grad(delta):\n    return delta +\n")
    assert_usage_error(bpstep(bad), f"{bad}:3: syntax error")
    write(tmp_path, "raise RuntimeError('at import')\n", "helper_boom.py")
    boom = write(
        tmp_path,
        "import helper_boom\ndef bias_grad(delta):\n    return helper_boom.mean(delta)\n",
        "boom.py",
    )
    assert_usage_error(
        bpstep(boom),
        "bias_grad needs helper_boom, which cannot be imported",
        "RuntimeError: at import",
    )
    good = EXAMPLES / "grads_correct.py"
    assert_usage_error(bpstep(good, "--lr", "-1"), "--lr")
    assert_usage_error(bpstep(good, "--iterations", "0"), "--iterations")
    assert_usage_error(bpstep(good, "--preset", "nope"), "nope")


def test_json_for_autograders(tmp_path):
    out = bpstep(EXAMPLES / "grads_bug_sign.py", "--json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert set(doc) == TOP_KEYS and doc["schema"] == 1 and doc["threshold"] == 1e-6
    assert doc["ok"] is False and doc["defined"] == ["output_delta"]
    assert doc["network"] == {
        "sizes": [2, 3, 1],
        "activations": ["sigmoid", "sigmoid"],
        "cost": "quadratic",
        "l2": 0.0,
        "batch_size": 4,
        "data": "xor",
    }
    assert doc["summary"] == {"agree": 0, "disagree": 1, "error": 0}
    (r,) = doc["results"]
    assert set(r) == RESULT_KEYS
    assert r["function"] == "output_delta" and r["layer"] == 2 and r["status"] == "disagree"
    assert r["first_wrong"]["index"] == [0, 0]  # 0-based in JSON
    assert r["first_wrong"]["yours"] == pytest.approx(-r["first_wrong"]["reference"])
    assert "wrong sign" in r["hint"] and r["expected_shape"] == [1, 4] and r["band"] == "wrong"


def test_json_of_a_correct_module_over_several_iterations():
    out = bpstep(EXAMPLES / "grads_correct.py", "--json", "--iterations", "2", "--l2", "0.1")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["ok"] and doc["iterations"] == 2 and doc["fallbacks"] == []
    assert [(r["function"], r["layer"]) for r in doc["results"]] == [
        ("output_delta", 2),
        ("weight_grad", 2),
        ("bias_grad", 2),
        ("hidden_delta", 1),
        ("weight_grad", 1),
        ("bias_grad", 1),
    ]
    for r in doc["results"]:
        assert r["status"] == "agree" and r["rel_error"] < 1e-6 and r["fd_rel_error"] < 1e-6
        assert r["first_wrong"] is None and r["hint"] is None and r["iteration"] in (0, 1)


def test_json_stdout_stays_clean_when_their_code_prints(tmp_path):
    path = write(
        tmp_path,
        """
        print("loading my module")
        def bias_grad(delta):
            print("debug", delta.shape)
            return delta.mean(axis=1, keepdims=True)
    """,
    )
    out = bpstep(path, "--json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["ok"] is True and "debug" in out.stderr
    # a top-level print is not run (only what the check needs is): it is listed as skipped
    assert "loading my module" not in out.stderr
    assert [s["code"] for s in doc["skipped"]] == ['print("loading my module")']


def test_error_results_in_json(tmp_path):
    path = write(tmp_path, "def weight_grad(delta, a_prev):\n    return a_prev @ delta.T\n")
    doc = json.loads(bpstep(path, "--json").stdout)
    assert doc["summary"] == {"agree": 0, "disagree": 0, "error": 2}
    for r in doc["results"]:
        assert r["status"] == "error" and r["rel_error"] is None and r["band"] is None
        assert "must be shaped like W" in r["message"] and "transpose" in r["hint"]


def test_an_endless_loop_exits_1_within_the_time_limit(tmp_path):
    loop = write(tmp_path, "def bias_grad(delta):\n    while True:\n        pass\n")
    out = bpstep(loop, "--time-limit", "0.5", "--json")
    assert out.returncode == 1, out.stderr
    messages = [r["message"] for r in json.loads(out.stdout)["results"]]
    where = re.escape(str(loop)) + r":[23]: still running after 0\.5 s \(an endless loop\?\)"
    assert any(re.match(where, m) for m in messages), messages
    assert any(m.startswith("not run again") for m in messages)
    for bad in ("-1", "soon", "inf"):
        assert_usage_error(bpstep(loop, "--time-limit", bad), "--time-limit", bad)


def test_a_function_that_reads_l2_checked_at_l2_0_only_says_so(tmp_path):
    """--l2 0 given: no other λ is tried, and the report says the λ term was not tested."""
    out = bpstep(EXAMPLES / "grads_bug_l2_bias.py", "--l2", "0", "--json")
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and doc["ok"]
    assert doc["untested"] == [
        "λ term not tested in bias_grad: it reads l2, and λ = 0 only was tried"
    ]
    out = bpstep(EXAMPLES / "grads_bug_l2_bias.py", "--json")  # the default tries λ = 0.1
    doc = json.loads(out.stdout)
    assert out.returncode == 1 and doc["untested"] == []
    assert doc["origin"]["slip"] == "l2_on_bias" and "λ = 0.1" in doc["conventions"]["l2"]


def test_l2_bias_with_zero_initial_biases_fails(tmp_path):
    """Issue 11: with --init he (or xavier) b = 0 at the first iteration; the default two
    iterations reach b ≠ 0, where λb shows."""
    for init in ("he", "xavier"):
        out = bpstep(EXAMPLES / "grads_bug_l2_bias.py", "--l2", "0.1", "--init", init)
        assert out.returncode == 1, out.stdout
        assert "L2 on biases" in out.stdout


@pytest.mark.parametrize(
    "body, kind",
    [("import sys\n    sys.exit(0)", "sys.exit(0)"), ("import os\n    os._exit(0)", "os._exit(0)")],
)
def test_a_learner_that_exits_0_is_a_failure_not_a_pass(tmp_path, body, kind):
    out = bpstep(write(tmp_path, f"def bias_grad(delta):\n    {body}\n"), "--json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and all(kind in r["message"] for r in doc["results"])


def test_an_unknown_shape_is_a_usage_error():
    assert_usage_error(
        bpstep(EXAMPLES / "grads_correct.py", "--shape", "keras"),
        "unknown shape 'keras'",
        "nielsen",
    )


def test_a_fifo_as_the_learners_file_is_refused_at_once(tmp_path):
    """A FIFO would block the read forever: one line, exit 2, in check and in the debugger."""
    fifo = tmp_path / "mine.py"
    os.mkfifo(fifo)
    for args in (["check", str(fifo)], ["--grads", str(fifo)]):
        out = subprocess.run([BPSTEP, *args], capture_output=True, text=True, timeout=20)
        assert out.returncode == 2
        assert out.stderr.count("\n") == 1 and "not a regular file" in out.stderr
