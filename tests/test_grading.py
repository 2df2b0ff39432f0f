"""``bpstep.check(source, **options)``, the autograder API, as a teacher's script or a notebook
calls it (issue 16 §2): every kind of source, the options, one-line errors, the in-process box
and what it cannot stop, the report in a notebook, and no drift from ``bpstep check``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import bpstep
from bpstep import BpstepError, ConfigError, UserCodeError
from bpstep.checker import LearnerFailure, load_object
from bpstep.checker.inprocess import NOTE
from bpstep.checker.loader import exec_module
from bpstep.checker.sandbox import SandboxError

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = ROOT / "tests" / "learners"
EXAMPLES = ROOT / "examples"
BPSTEP = Path(sys.executable).with_name("bpstep")
MANIFEST = {e["file"]: e for e in json.loads((LEARNERS / "manifest.json").read_text())}
# one or two files of each shape, right and wrong, including options and a notebook
PARITY = [
    "bpstep4/missing_fprime.py",
    "bpstep4/l2_on_bias.py",
    "nielsen/network2.py",
    "nielsen/network_transpose.py",
    "cs231n/neural_net.py",
    "cs231n/neural_net_reg_on_bias.py",
    "dlai/deep_nn_transpose.py",
    "dlai/gradient_checking_no_relu_mask.py",
    "ng_ex4/nnCostFunction_sign.py",
    "notebooks/two_layer_net.ipynb",
]


def loaded(name: str):
    """The learner's file as a module of this process (the loader's tolerant import)."""
    module, _ = exec_module(LEARNERS / name)
    return module


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def summary(report) -> list[tuple]:
    """What a report says, result by result (without where the code lives)."""
    return [
        (r["function"], r["layer"], r["quantity"], r["status"], r["slip"], r["follows"])
        for r in report.results
    ]


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text, text
    return text


# ---------------------------------------------------------------------------- sources


@pytest.mark.parametrize("name", PARITY)
def test_code_in_this_process_is_judged_as_its_file_is(name):
    entry = MANIFEST[name]
    from_file = bpstep.check(LEARNERS / name, **entry["options"])
    in_process = bpstep.check(loaded(name), **entry["options"])
    assert in_process.ok is from_file.ok is entry["ok"]
    assert summary(in_process) == summary(from_file)
    for a, b in zip(in_process.results, from_file.results, strict=True):
        if a["rel_error"] is not None:
            assert a["rel_error"] == pytest.approx(b["rel_error"], rel=1e-6, abs=1e-12)
    origin = in_process.to_json()["origin"]
    assert origin == from_file.to_json()["origin"]
    if entry["origin"] is not None:  # (its layer is on the harness's own network, not this one)
        assert origin["function"] == entry["origin"]["function"]
    assert NOTE in in_process.notes and NOTE not in from_file.notes


def test_a_class_and_an_object_of_it_are_checked_on_fresh_objects():
    module = loaded("cs231n/neural_net_missing_relu_mask.py")
    net = module.TwoLayerNet(4, 10, 3)
    net.params = {"W1": "not even an array"}  # this object's own state is never used
    by_class, by_object = bpstep.check(module.TwoLayerNet), bpstep.check(net)
    assert summary(by_class) == summary(by_object)
    assert not by_object.ok and by_object.origin.slip == "missing_fprime"
    assert by_object.shape == "cs231n"
    assert by_object.file == f"an object of class TwoLayerNet from {module.__name__}"
    assert by_class.file == f"class TwoLayerNet from {module.__name__}"
    by_method = bpstep.check(net.loss)  # the method's object's class
    assert summary(by_method) == summary(by_class) and by_method.file == by_class.file


def test_a_nielsen_network_object_inherits_its_methods():
    module = loaded("nielsen/network.py")

    class Mine(module.Network):  # a learner's subclass: backprop comes from the parent
        pass

    report = bpstep.check(Mine([2, 3, 1]))
    assert report.ok and report.shape == "nielsen"
    assert report.defined == ["backprop", "update_mini_batch"]


def test_a_dict_of_functions_and_a_single_function():
    module = loaded("bpstep4/missing_fprime.py")
    report = bpstep.check({"hidden_delta": module.hidden_delta})
    assert report.defined == ["hidden_delta"]
    assert report.fallbacks == ["output_delta", "weight_grad", "bias_grad"]
    assert report.origin.slip == "missing_fprime"
    assert report.file == "functions hidden_delta"
    ng = loaded("ng_ex4/nnCostFunction_sign.py")
    alone = bpstep.check(ng.nnCostFunction)
    assert alone.shape == "ng_ex4" and alone.origin.slip == "sign"


def test_a_path_as_str_and_as_path_and_the_example_files():
    as_str = bpstep.check(str(EXAMPLES / "grads_correct.py"), iterations=1)
    as_path = bpstep.check(EXAMPLES / "grads_correct.py", iterations=1)
    assert as_str.ok and as_path.ok and summary(as_str) == summary(as_path)
    assert as_path.iterations == 1 and as_path.batches == [0]


# ---------------------------------------------------------------------------- options


def test_the_options_reach_the_session():
    report = bpstep.check(
        EXAMPLES / "grads_correct.py",
        data="blobs",
        layers=[2, 5, 3],
        activation=["tanh", "softmax"],
        cost="cross_entropy",
        l2=0.05,
        seed=3,
        iterations=3,
        lr=0.1,
        batch_size=7,
    )
    assert report.ok
    assert report.network == {
        "sizes": [2, 5, 3],
        "activations": ["tanh", "softmax"],
        "cost": "cross_entropy",
        "l2": 0.05,
        "batch_size": 7,
        "data": "blobs",
    }
    assert report.batches == [0, 1, 2]
    # the command line's spellings work too, and NumPy integers
    same = bpstep.check(
        EXAMPLES / "grads_correct.py",
        data="blobs",
        layers="2,5,3",
        activation="tanh,softmax",
        cost="cross_entropy",
        l2=0.05,
        seed=np.int64(3),
        iterations=np.int32(3),
        lr=0.1,
        batch_size=np.int64(7),
    )
    assert [r["rel_error"] for r in same.results] == [r["rel_error"] for r in report.results]


def test_preset_shape_and_a_saved_session(tmp_path):
    from bpstep.session import Session, build_config, save_session

    digits = bpstep.check(EXAMPLES / "grads_correct.py", preset="digits", iterations=1)
    assert digits.network["sizes"] == [64, 30, 10]
    session = Session(build_config("xor", seed=5))
    for _ in range(3):
        session.step()
    saved = save_session(session, tmp_path / "s.npz")
    report = bpstep.check(EXAMPLES / "grads_bug_sign.py", load=saved, iterations=1)
    assert not report.ok and report.network["data"] == "xor"
    with pytest.raises(ConfigError) as err:
        bpstep.check(EXAMPLES / "grads_correct.py", load=saved, l2=0.1)
    assert "load continues a saved session" in one_line(err.value)
    assert "--" not in str(err.value)
    two = write(
        tmp_path,
        """
        def bias_grad(delta):
            return delta.mean(axis=1, keepdims=True)

        class Network:
            def __init__(self, sizes):
                pass

            def backprop(self, x, y):
                return None
        """,
    )
    report = bpstep.check(two, shape="functions", iterations=1)
    assert report.shape == "functions" and report.ok


@pytest.mark.parametrize(
    "options, fragments",
    [
        ({"lmbda": 0.1}, ["unknown option 'lmbda'", "did you mean 'l2'", "accepted: data"]),
        ({"learning_rate": 1.0}, ["did you mean 'lr'"]),
        ({"iterations": 0}, ["iterations must be a positive integer, got 0"]),
        ({"iterations": 1.5}, ["iterations must be a positive integer"]),
        ({"time_limit": -1}, ["time_limit must be a number of seconds ≥ 0"]),
        ({"time_limit": "10"}, ["time_limit must be a number"]),
        ({"layers": "2,x,1"}, ["layers must be integers such as [2, 3, 1] or '2,3,1'"]),
        ({"layers": [2, 0, 1]}, ["layers must be positive integers"]),
        ({"batch_size": -1}, ["batch_size must be a positive integer, got -1"]),
        ({"l2": -0.5}, ["l2 (λ) must be a finite number ≥ 0"]),
        ({"activation": "swish"}, ["unknown activation 'swish'", "accepted"]),
        ({"cost": "hinge"}, ["unknown cost 'hinge'"]),
        ({"preset": "nope"}, ["unknown preset 'nope'"]),
        ({"preset": 3}, ["preset must be a name"]),
        ({"load": 3}, ["load must be a path"]),
        ({"data": "no_such_set"}, ["no_such_set"]),
    ],
)
def test_a_bad_option_is_one_line_naming_it(options, fragments):
    with pytest.raises(BpstepError) as err:
        bpstep.check(EXAMPLES / "grads_correct.py", **options)
    text = one_line(err.value)
    for fragment in fragments:
        assert fragment in text
    assert "--" not in text  # the Python names, not the command line's


def test_options_that_do_not_fit_the_shape_say_so():
    module = loaded("cs231n/neural_net.py")
    with pytest.raises(ConfigError) as err:
        bpstep.check(module.TwoLayerNet, activation="sigmoid")
    assert "ReLU then softmax" in one_line(err.value)


@pytest.mark.parametrize(
    "source, error, fragment",
    [
        (42, ConfigError, "cannot check an object of type int; give a path (.py or .ipynb)"),
        (None, ConfigError, "cannot check an object of type NoneType"),
        ([1, 2], ConfigError, "of type list"),
        (print, ConfigError, "of type builtin_function_or_method"),
        ({1: print}, ConfigError, "needs names as keys"),
        ({"bias_grad": 3}, UserCodeError, "'bias_grad' is a int, not a function or a class"),
        ({}, UserCodeError, "defines nothing bpstep can check"),
        ({"forward": lambda x: x}, UserCodeError, "defines nothing bpstep can check"),
        ("no/such/file.py", UserCodeError, "cannot read no/such/file.py: no such file"),
    ],
)
def test_a_bad_source_is_one_line(source, error, fragment):
    with pytest.raises(error) as err:
        bpstep.check(source)
    assert fragment in one_line(err.value)


def test_an_unknown_shape_lists_the_shapes():
    module = loaded("bpstep4/grads_correct.py")
    with pytest.raises(UserCodeError) as err:
        bpstep.check(module, shape="keras")
    assert "unknown shape 'keras'; accepted: dlai_L_layer" in one_line(err.value)


def test_a_syntax_error_in_a_file_is_one_line(tmp_path):
    bad = write(tmp_path, "def bias_grad(delta):\n    return delta +\n")
    with pytest.raises(UserCodeError) as err:
        bpstep.check(bad)
    assert f"{bad}:2: syntax error" in one_line(err.value)


# ---------------------------------------------------------------------------- in this process


def slow_functions() -> dict:
    def endless(delta):
        while True:
            pass

    def sleeps(delta):
        time.sleep(1.0)  # inside C: the tracer sees the next line only
        return delta.mean(axis=1, keepdims=True)

    return {"endless": endless, "sleeps": sleeps}


def test_an_endless_python_loop_is_stopped_at_the_time_limit_and_not_run_again():
    f = slow_functions()
    started = time.monotonic()
    report = bpstep.check({"bias_grad": f["endless"]}, time_limit=0.3, iterations=2)
    took = time.monotonic() - started
    assert not report.ok and took < 5, took
    first, *rest = [r for r in report.results if r["function"] == "bias_grad"]
    assert first["status"] == "error"
    assert "still running after 0.3 s (an endless loop?)" in first["message"]
    start = f["endless"].__code__.co_firstlineno  # stopped at `while True:` or at `pass`
    assert any(first["message"].startswith(f"{__file__}:{start + k}: ") for k in (1, 2))
    assert all("not run again" in r["message"] for r in rest)
    assert sys.gettrace() is None  # the tracer is gone after the check


def test_a_loop_inside_c_runs_to_its_end_then_the_time_limit_counts():
    """What the in-process box cannot do, said in its notes: stop C code (the sandbox kills)."""
    f = slow_functions()
    started = time.monotonic()
    report = bpstep.check({"bias_grad": f["sleeps"]}, time_limit=0.2, iterations=1)
    assert time.monotonic() - started >= 1.0
    result = next(r for r in report.results if r["function"] == "bias_grad")
    assert result["status"] == "error" and "still running after 0.2 s" in result["message"]
    assert any("time limit stops Python lines only" in n for n in report.notes)


def test_interrupt_stops_a_call_from_another_thread():
    code = load_object({"bias_grad": slow_functions()["endless"]}, time_limit=None)
    timer = threading.Timer(0.3, code.interrupt)
    timer.start()
    try:
        with pytest.raises(LearnerFailure) as err:
            code.box.call(
                "bpstep.checker.shapes.functions:call_function", "bias_grad", [], {"delta": 1}
            )
    finally:
        timer.cancel()
        code.close()
    assert err.value.kind == "interrupted"


def test_only_bpsteps_adapters_are_called():
    code = load_object({"bias_grad": lambda delta: delta})
    with pytest.raises(ValueError, match="one of bpstep's adapters"):
        code.box.call("os:system", "true")
    with pytest.raises(SandboxError, match="cannot find the adapter bpstep.checker.calls:nope"):
        code.box.call("bpstep.checker.calls:nope")
    code.close()


def test_the_learners_code_gets_copies_and_its_failures_are_results(tmp_path):
    def weight_grad(delta, a_prev, n):
        out = delta @ a_prev.T / n
        delta[...] = 0.0  # writes into its input: bias_grad must still see the engine's δ
        return out

    def bias_grad(delta):
        return delta.mean(axis=1, keepdims=True)

    assert bpstep.check({"weight_grad": weight_grad, "bias_grad": bias_grad}).ok

    def exits(delta):
        sys.exit(3)

    report = bpstep.check({"bias_grad": exits}, iterations=1)
    message = report.results[0]["message"]
    assert "sys.exit(3)" in message and f"{__file__}:" in message

    def raises(delta):
        raise ValueError("<b>not html</b>")

    report = bpstep.check({"bias_grad": raises}, iterations=1)
    assert "ValueError: <b>not html</b>" in report.results[0]["message"]
    html = report._repr_html_()
    assert "&lt;b&gt;not html&lt;/b&gt;" in html and "<b>not html</b>" not in html


def test_ctrl_c_is_the_users_not_a_failure_of_their_code():
    def interrupted(delta):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bpstep.check({"bias_grad": interrupted}, iterations=1)


# ---------------------------------------------------------------------------- the report


def test_the_report_in_a_notebook_is_a_table():
    report = bpstep.check(loaded("cs231n/neural_net_missing_relu_mask.py").TwoLayerNet)
    html = report._repr_html_()
    assert html.startswith('<div class="bpstep-check-report">') and html.endswith("</div>")
    assert html.count("<tr>") == len(report.results) + 1  # the header and one row per result
    for word in ("function", "rel. error", "missing_fprime", "follows", "disagree", "hint: "):
        assert word in html
    assert "<script" not in html and "<style" not in html
    assert "origin: " in html and "3 of 7 disagree or fail" in html
    assert repr(report) == (
        f"<CheckReport '{report.file}': not ok, 3 of 7 disagree or fail, "
        "origin loss at δ¹ (missing_fprime)>"
    )


# ---------------------------------------------------------------------------- one path


def test_bpstep_check_and_bpstep_check_json_say_the_same():
    for path, args, options in [
        (EXAMPLES / "grads_bug_missing_l2.py", ["--l2", "0.1"], {"l2": 0.1}),
        (LEARNERS / "nielsen/network_sign.py", ["--iterations", "1"], {"iterations": 1}),
    ]:
        out = subprocess.run(
            [str(BPSTEP), "check", str(path), "--json", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 1, out.stderr
        assert json.loads(out.stdout) == json.loads(
            json.dumps(bpstep.check(path, **options).to_json())
        )


def test_import_bpstep_stays_light_and_check_is_there():
    code = (
        "import sys, bpstep; assert 'numpy' not in sys.modules; "
        "from bpstep.testing import assert_backprop; assert 'numpy' not in sys.modules; "
        "from bpstep.session.grading import check; assert bpstep.check is check; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert out.stdout.strip() == "ok", out.stderr
