"""Checking bpstep's four functions (bpstep.session.usergrads over bpstep.checker): every outcome.

The command line (`bpstep check`) is tested in test_check_cli.py, the TUI panel in
test_usergrads_widget.py, the other shapes in test_checker_shapes.py.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpstep.checker import AGREE
from bpstep.checker.finite import numerical_delta
from bpstep.checker.shapes.functions import ARGUMENTS
from bpstep.engine.errors import UserCodeError
from bpstep.session import Phase, Session, build_config
from bpstep.session.usergrads import check_event, check_session, load_user_module

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ALL = {"output_delta", "hidden_delta", "weight_grad", "bias_grad"}


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def check(path, preset="xor", iterations=1, **kw):
    return check_session(load_user_module(path), Session(build_config(preset, **kw)), iterations)


def statuses(report) -> dict[tuple[str, int], str]:
    return {(f.function, f.layer): f.status for f in report.findings}


# ---------------------------------------------------------------- the correct module


@pytest.mark.parametrize("preset", ["xor", "digits", "vanishing", "softmax"])
def test_correct_module_agrees_everywhere_also_with_finite_differences(preset):
    report = check(EXAMPLES / "grads_correct.py", preset)
    assert report.ok
    worst = report.findings
    assert {f.function for f in worst} == ALL
    L = Session(build_config(preset)).network.L
    assert len(worst) == 3 * L  # a δ function and two gradients at every layer
    for f in worst:
        assert f.rel_error < AGREE and f.band == "good"
        assert f.fd_rel_error is not None and f.fd_rel_error < 1e-6, (f.function, f.layer)


@pytest.mark.parametrize(
    "options",
    [
        {"l2": 0.1, "cost": "cross_entropy"},
        {"activation": "tanh", "l2": 0.3},
        {"activation": "relu"},
        {"activation": "leaky_relu", "layers": [2, 4, 3, 1]},
        {"activation": ["tanh", "softmax"], "cost": "quadratic", "layers": [2, 3, 2]},
    ],
)
def test_correct_module_is_correct_in_general(options):
    if "layers" in options:
        from bpstep.datasets import load_dataset

        d = load_dataset("xor")
        if options["layers"][-1] == 2:  # two outputs: one-hot targets for softmax
            y = d.Y_train
            d.Y_train = np.vstack([y, 1 - y])
        s = Session(build_config("xor", **options), dataset=d)
    else:
        s = Session(build_config("xor", **options))
    report = check_session(load_user_module(EXAMPLES / "grads_correct.py"), s)
    assert report.ok, [(f.function, f.layer, f.rel_error, f.message) for f in report.findings]


@given(
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "identity"]),
    l2=st.sampled_from([0.0, 0.05]),
    seed=st.integers(0, 1000),
)
def test_correct_module_agrees_on_random_architectures(hidden, activation, l2, seed):
    s = Session(
        build_config("xor", layers=[2, *hidden, 1], activation=activation, l2=l2, seed=seed)
    )
    um = load_user_module(EXAMPLES / "grads_correct.py")
    report = check_session(um, s)
    assert report.ok


@given(factor=st.floats(0.5, 3.0).filter(lambda c: abs(c - 1) > 1e-3), seed=st.integers(0, 99))
def test_any_scaled_gradient_disagrees_and_first_wrong_entry_is_honest(
    tmp_path_factory, factor, seed
):
    path = write(
        tmp_path_factory.mktemp("scaled"),
        f"def bias_grad(delta):\n    return {factor!r} * delta.mean(axis=1, keepdims=True)\n",
    )
    report = check(path, seed=seed)
    for f in report.findings:
        assert f.status == "disagree"
        idx, yours, ref = f.first_wrong
        assert yours == pytest.approx(factor * ref, rel=1e-12)
        assert f.reference[idx] == ref and f.user_value[idx] == yours


def test_several_iterations_are_all_checked():
    report = check(EXAMPLES / "grads_correct.py", iterations=3)
    assert report.batches == [0, 1, 2]
    assert len(report.findings) == 6 and report.ok


# ---------------------------------------------------------------- the buggy examples


@pytest.mark.parametrize(
    "example, options, function, hint",
    [
        ("grads_bug_missing_fprime.py", {}, "hidden_delta", "missing f′(z)"),
        ("grads_bug_transpose.py", {}, "weight_grad", "transpose"),
        ("grads_bug_sum.py", {}, "bias_grad", "sum instead of mean"),
        ("grads_bug_l2_bias.py", {"l2": 0.1}, "bias_grad", "L2 on biases"),
        ("grads_bug_sign.py", {}, "output_delta", "wrong sign"),
        ("grads_bug_missing_l2.py", {"l2": 0.1}, "weight_grad", "missing L2 term"),
    ],
)
def test_each_buggy_example_is_caught_with_its_hint(example, options, function, hint):
    report = check(EXAMPLES / example, **options)
    assert not report.ok
    bad = [f for f in report.findings if not f.ok]
    assert bad and all(f.function == function for f in bad)
    assert all(hint in (f.hint or "") for f in bad)
    # the slip is named in the example's docstring
    assert hint.split(":")[0].lower() in (EXAMPLES / example).read_text().lower()


def test_an_l2_slip_in_code_that_reads_l2_fails_without_options():
    """No false pass (issue 11): bias_grad reads l2, so it is also checked at λ = 0.1."""
    report = check(EXAMPLES / "grads_bug_l2_bias.py")
    assert not report.ok
    assert {(f.slip, f.l2) for f in report.findings} == {("l2_on_bias", 0.1)}
    assert all("wrong at λ = 0.1" in " ".join(f.notes) for f in report.findings)


def test_code_that_does_not_read_l2_at_l2_0_says_the_l2_term_is_untested():
    report = check(EXAMPLES / "grads_bug_missing_l2.py")
    assert report.ok
    assert any("λ term of ∂Ĵ/∂W" in u for u in report.untested), report.untested
    report = check(EXAMPLES / "grads_bug_missing_l2.py", l2=0.1)
    assert not report.ok and not report.untested


@pytest.mark.parametrize("init", ["he", "xavier"])
def test_l2_on_bias_is_caught_with_zero_initial_biases(init):
    """b = 0 at the first iteration with he/xavier: the second one (the default checks 2)
    has b ≠ 0, where λb shows."""
    report = check(EXAMPLES / "grads_bug_l2_bias.py", iterations=2, l2=0.1, init=init)
    assert not report.ok and {f.slip for f in report.findings} == {"l2_on_bias"}
    assert {f.iteration for f in report.findings} == {1}
    assert check(EXAMPLES / "grads_bug_l2_bias.py", iterations=1, l2=0.1, init=init).untested


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
    assert statuses(check(path)) == {
        ("output_delta", 2): "disagree",
        ("hidden_delta", 1): "agree",
        ("bias_grad", 2): "agree",
        ("bias_grad", 1): "agree",
    }


# ---------------------------------------------------------------- hints that fit the numbers


@pytest.mark.parametrize(
    "source, options, hint",
    [
        ("def output_delta(a, y):\n    return a - y\n", {}, "missing f′(z): yours is ∂C/∂a"),
        (
            "def output_delta(a, y):\n    return 2 * (a - y) * a * (1 - a)\n",
            {},
            "the ½ in C = ½‖a − y‖² cancels the 2",
        ),
        (
            "def output_delta(a, y):\n    return (a - y) * a * (1 - a)\n",
            {"cost": "cross_entropy"},
            "f′(z) not needed here",
        ),
        (
            "def hidden_delta(a, W_next, delta_next):\n"
            "    return a * (1 - a) * (W_next @ delta_next)\n",
            {"layers": [2, 3, 3, 1]},
            "missing transpose",
        ),
        (
            "def hidden_delta(a, W_next, delta_next):\n"
            "    return (a * (1 - a)) ** 2 * (W_next.T @ delta_next)\n",
            {},
            "f′(z) applied twice",
        ),
        (
            "def weight_grad(delta, a_prev, n):\n    return a_prev @ delta.T / n\n",
            {"layers": [2, 2, 1]},
            "missing transpose",
        ),
        (
            "def weight_grad(delta, a_prev, W, l2):\n    return delta @ a_prev.T + l2 * W\n",
            {"l2": 0.2},
            "sum instead of mean",
        ),
        (
            "def weight_grad(delta, a_prev, W, l2, n):\n"
            "    return delta @ a_prev.T / n + l2 * W / n\n",
            {"l2": 0.2},
            "the L2 term divided by n",
        ),
        (
            "def weight_grad(delta, a_prev, W, l2, n):\n    return delta @ a_prev.T / n - l2 * W\n",
            {"l2": 0.2},
            "wrong sign",
        ),
        (
            "def weight_grad(delta, a_prev, W, l2, n):\n"
            "    return -(delta @ a_prev.T / n + l2 * W)\n",
            {"l2": 0.2},
            "wrong sign",
        ),
    ],
)
def test_hints_for_common_slips(tmp_path, source, options, hint):
    from bpstep.datasets import load_dataset

    s = Session(build_config("xor", **options), dataset=load_dataset("xor"))
    report = check_session(load_user_module(write(tmp_path, source)), s)
    bad = [f for f in report.findings if not f.ok]
    assert bad
    assert any(hint in (f.hint or "") for f in bad), [(f.function, f.hint) for f in bad]


def test_no_hint_when_no_slip_fits(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta[:, :1] * 0 + 0.123\n")
    assert all(f.status == "disagree" and f.hint is None for f in check(path).findings)


@pytest.mark.parametrize(
    "source, hint",
    [
        ("def bias_grad(delta):\n    return delta.mean(axis=0)\n", "wrong axis"),
        ("def bias_grad(delta):\n    return delta.mean(axis=1)\n", "keepdims=True"),
        ("def bias_grad(delta):\n    return delta.sum()\n", "a single number"),
        ("def weight_grad(delta, a_prev):\n    return delta @ a_prev\n", "delta @ a_prev.T"),
        (
            "def hidden_delta(z, W_next, delta_next):\n    return W_next @ delta_next\n",
            "W_next.T",
        ),
    ],
)
def test_shape_slips_get_hints(tmp_path, source, hint):
    bad = [f for f in check(write(tmp_path, source)).findings if not f.ok]
    assert bad and all(f.status == "error" for f in bad)
    assert any(hint in (f.hint or "") for f in bad), [(f.message, f.hint) for f in bad]


# ---------------------------------------------------------------- the learner's code failing


def test_code_that_raises_names_the_users_file_and_line(tmp_path):
    path = write(
        tmp_path,
        """
        def helper(d):
            return d / undefined_name

        def bias_grad(delta):
            x = 1
            return helper(delta.mean(axis=1, keepdims=True))
    """,
    )
    for f in check(path).findings:
        assert f.status == "error"
        # the innermost frame in their file: the line of the helper, not of bias_grad
        assert f.message.startswith(f"{path}:3: NameError") and "undefined_name" in f.message


def test_system_exit_in_their_code_is_a_finding_not_an_exit(tmp_path):
    path = write(tmp_path, "import sys\ndef bias_grad(delta):\n    sys.exit(3)\n")
    (f, *_) = check(path).findings
    assert f.status == "error" and f"{path}:3: your code called sys.exit(3)" in f.message


def test_wrong_shape_says_what_was_expected_and_why(tmp_path):
    path = write(tmp_path, "def output_delta(z, a, y):\n    return (a - y)[:, :2]\n", "b.py")
    (f,) = check(path).findings
    assert f.status == "error"
    assert "returned shape (1, 2), expected (1, 4): δ² must be shaped like z²" in f.message


def test_transposed_output_delta(tmp_path):
    path = write(tmp_path, "def output_delta(z, a, y):\n    return ((a - y) * a * (1 - a)).T\n")
    (f,) = check(path).findings
    assert "returned shape (4, 1), expected (1, 4): δ² must be shaped like z²" in f.message
    assert "transpose" in f.hint


def test_none_and_wrong_type_are_findings(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    pass\n")
    for f in check(path).findings:
        assert (
            f.status == "error" and "returned None" in f.message and "must be shaped" in f.message
        )
    path = write(tmp_path, "def bias_grad(delta):\n    return 'ten'\n", "b.py")
    assert all("returned a str, not numbers" in f.message for f in check(path).findings)
    path = write(
        tmp_path, "def bias_grad(delta):\n    return delta.mean(1, keepdims=True) * 1j\n", "c.py"
    )
    assert all("complex numbers, not real numbers" in f.message for f in check(path).findings)


def test_nonfinite_values_disagree(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(1, keepdims=True) / 0\n")
    for f in check(path).findings:
        assert f.status == "disagree" and f.band == "wrong" and f.rel_error == float("inf")
        assert f.warnings and "divide by zero" in f.warnings[0]


def test_lists_are_accepted_as_arrays(tmp_path):
    path = write(
        tmp_path, "def bias_grad(delta):\n    return delta.mean(1, keepdims=True).tolist()\n"
    )
    assert check(path).ok


def test_their_code_cannot_change_the_engine(tmp_path):
    path = write(
        tmp_path,
        """
        def weight_grad(delta, a_prev, W, n):
            W[...] = 0
            delta *= 2
            return delta @ a_prev.T / n
    """,
    )
    s = Session(build_config("xor"))
    before = [w.copy() for w in s.network.weights]
    report = check_session(load_user_module(path), s, 1)
    # δ doubled in their copy only: every layer is off by 2, and the engine is untouched
    assert all(f.status == "disagree" for f in report.findings)
    ref = Session(build_config("xor"))
    ref.run_iteration()
    for w, w_ref, w0 in zip(s.network.weights, ref.network.weights, before, strict=True):
        assert np.array_equal(w, w_ref) and not np.array_equal(w, w0)


# ---------------------------------------------------------------- parameters by name


def test_unknown_argument_name_lists_the_accepted_ones(tmp_path):
    path = write(tmp_path, "def bias_grad(deltas):\n    return deltas\n")
    (f, *_) = check(path).findings
    assert f.status == "error" and "unknown argument 'deltas'" in f.message
    assert all(name in f.message for name in ARGUMENTS)


def test_a_delta_function_cannot_ask_for_its_own_answer(tmp_path):
    path = write(tmp_path, "def output_delta(delta):\n    return delta\n")
    (f,) = check(path).findings
    assert f.status == "error" and "'delta', which is what it must compute" in f.message


def test_every_documented_argument_is_passed_with_the_right_value(tmp_path):
    # the learner's code saves what it was given (a file: it may run in another process)
    seen_at = tmp_path / "seen"
    path = write(
        tmp_path,
        f"""
        import numpy as np
        def weight_grad(z, a, y, a_prev, W, b, W_next, delta_next, delta, l2, layer, n,
                        activation, cost):
            arrays = dict(z=z, a=a, y=y, a_prev=a_prev, W=W, b=b, delta=delta)
            if W_next is not None:
                arrays.update(W_next=W_next, delta_next=delta_next)
            np.savez({str(seen_at)!r} + str(layer), **arrays,
                     scalars=np.array([l2, layer, n]), names=np.array([activation, cost]))
            return delta @ a_prev.T / n + l2 * W
    """,
    )
    um = load_user_module(path)
    s = Session(build_config("xor", l2=0.25))
    while s.stop.phase is not Phase.BACKWARD:
        s.step()
    ev = s.stop.event  # m = L = 2
    (f,) = check_event(um, ev, s.network, s.X_batch, s.Y_batch)
    assert f.ok
    seen = np.load(f"{seen_at}2.npz")
    assert np.array_equal(seen["z"], ev.z) and np.array_equal(seen["delta"], ev.delta)
    assert np.array_equal(seen["y"], s.Y_batch) and np.array_equal(seen["b"], s.network.biases[1])
    assert "W_next" not in seen and "delta_next" not in seen  # None at the output layer
    assert list(seen["scalars"]) == [0.25, 2, 4]
    assert list(seen["names"]) == ["sigmoid", "quadratic"]
    s.step()  # m = 1: the next layer's W and δ
    (f,) = check_event(um, s.stop.event, s.network, s.X_batch, s.Y_batch)
    seen = np.load(f"{seen_at}1.npz")
    assert np.array_equal(seen["W_next"], s.network.weights[1])
    assert np.array_equal(seen["delta_next"], ev.delta)


def test_kwargs_receive_every_argument_and_defaults_are_kept(tmp_path):
    path = write(
        tmp_path,
        """
        def output_delta(a, y, eps=0.0, **rest):
            # never δ (what it must compute), by any route (issue 14)
            assert set(rest) == {"z", "a_prev", "W", "b", "W_next", "delta_next",
                                 "l2", "layer", "n", "activation", "cost"}, sorted(rest)
            return (a - y) * a * (1 - a) + eps
        def bias_grad(delta, /, n):
            return delta.sum(axis=1, keepdims=True) / n
    """,
    )
    report = check(path)
    assert report.ok, [f.message for f in report.findings]


def test_star_args_is_a_finding(tmp_path):
    path = write(tmp_path, "def bias_grad(*args):\n    return args[0]\n")
    (f, *_) = check(path).findings
    assert f.status == "error" and "passed by name only" in f.message and "delta" in f.message


def test_only_some_functions_defined_fall_back_to_the_engine(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(axis=1, keepdims=True)\n")
    um = load_user_module(path)
    assert um.defined == ["bias_grad"]
    assert um.fallbacks == ["output_delta", "hidden_delta", "weight_grad"]
    report = check(path)
    assert report.ok and {f.function for f in report.findings} == {"bias_grad"}


# ---------------------------------------------------------------- loading


def test_syntax_error_and_missing_file_are_usage_errors(tmp_path):
    path = write(tmp_path, "import numpy\n\ndef bias_grad(delta)\n    return delta\n")
    with pytest.raises(UserCodeError, match=r"mine\.py:3: syntax error"):
        load_user_module(path)
    path = write(tmp_path, "def bias_grad(delta):\nreturn delta\n", "ind.py")
    with pytest.raises(UserCodeError, match=r"ind\.py:2: indentation error"):
        load_user_module(path)
    with pytest.raises(UserCodeError, match="no such file"):
        load_user_module(tmp_path / "nope.py")
    with pytest.raises(UserCodeError, match="a folder"):
        load_user_module(tmp_path)
    empty = write(tmp_path, "x = 1\n", "empty.py")
    with pytest.raises(UserCodeError, match="defines nothing bpstep can check"):
        load_user_module(empty)


def test_a_statement_that_fails_while_loading_is_skipped_and_named_where_it_is_needed(tmp_path):
    source = "import numpy as np\nSCALE = 1 / 0\ndef bias_grad(delta):\n    return {}\n"
    path = write(tmp_path, source.format("delta.mean(axis=1, keepdims=True)"))
    report = check(path)
    assert report.ok  # bias_grad does not need SCALE
    (skipped,) = report.skipped
    assert skipped["where"] == f"{path}:2" and "ZeroDivisionError" in skipped["why"]
    path = write(tmp_path, source.format("SCALE * delta.mean(axis=1, keepdims=True)"), "b.py")
    report = check(path)
    assert not report.ok
    for f in report.findings:
        assert f.status == "error"
        assert f.message.startswith(f"bias_grad needs SCALE, which was not set: {path}:2 was")
        assert "ZeroDivisionError" in f.message


def test_their_module_may_import_a_helper_and_use_dataclasses(tmp_path):
    write(tmp_path, "def mean_cols(x):\n    return x.mean(axis=1, keepdims=True)\n", "helper_x1.py")
    path = write(
        tmp_path,
        """
        from dataclasses import dataclass
        from helper_x1 import mean_cols

        @dataclass
        class Box:
            v: object

        def bias_grad(delta):
            return Box(mean_cols(delta)).v
    """,
    )
    assert check(path).ok
    assert str(tmp_path) not in __import__("sys").path


def test_reloading_sees_the_edited_file(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.sum(axis=1, keepdims=True)\n")
    assert not check(path).ok
    path.write_text("def bias_grad(delta):\n    return delta.mean(axis=1, keepdims=True)\n")
    assert check(path).ok


# ---------------------------------------------------------------- finite differences of δ


@pytest.mark.parametrize("preset", ["xor", "softmax", "vanishing"])
def test_numerical_delta_matches_the_engine(preset):
    s = Session(build_config(preset))
    while s.stop.phase is not Phase.UPDATE:
        s.step()
        if s.stop.phase is Phase.BACKWARD:
            ev = s.stop.event
            num = numerical_delta(s.network, ev.layer, ev.z, s.Y_batch)
            mask = np.isfinite(num)
            assert mask.sum() == min(ev.delta.size, 600)
            assert np.allclose(num[mask], ev.delta[mask], rtol=1e-5, atol=1e-9)


# ---------------------------------------------------------------- endless loops


ENDLESS = """\
import numpy as np


def bias_grad(delta):
    total = np.zeros((delta.shape[0], 1))
    i = 0
    while i < delta.shape[1]:  # forgot i += 1
        total += delta[:, [i]]
    return total / delta.shape[1]
"""


def test_an_endless_loop_is_stopped_and_reported_at_its_line(tmp_path):
    import time

    path = write(tmp_path, ENDLESS)
    module = load_user_module(path, time_limit=0.3)
    start = time.monotonic()
    report = check_session(module, Session(build_config("xor")), 2)
    elapsed = time.monotonic() - start
    worst = {f.layer: f for f in report.findings}
    assert not report.ok and {f.status for f in worst.values()} == {"error"}
    first = [f for f in report.findings if f.function == "bias_grad"][0]  # m = 2, met first
    # stopped on a line of the loop (the while or its body, wherever the clock ran out)
    assert re.match(
        rf"{re.escape(str(path))}:[78]: still running after 0.3 s \(an endless loop\?\)",
        first.message,
    )
    # waited for once, then not run again (at m = 1 and in the second iteration)
    later = [f for f in report.findings if f.function == "bias_grad"][1:]
    assert len(later) == 1 and later[0].message.startswith("not run again")
    assert elapsed >= 0.3  # it did wait for the limit (once: the rest are 'not run again')


def test_a_loop_that_swallows_exceptions_is_stopped_too(tmp_path):
    path = write(
        tmp_path,
        """\
        def bias_grad(delta):
            while True:
                try:
                    x = 1
                except Exception:
                    pass
        """,
    )
    report = check_session(load_user_module(path, 0.2), Session(build_config("xor")), 1)
    assert "still running after 0.2 s" in report.findings[0].message


def test_the_time_limit_works_in_a_worker_thread(tmp_path):
    """The TUI checks the learner's code during runs, in a thread worker."""
    module = load_user_module(write(tmp_path, ENDLESS), time_limit=0.2)
    t, out = check_in_a_thread(module)
    t.join(5)
    assert not t.is_alive() and "still running" in out[0].findings[0].message


def check_in_a_thread(module):
    """Start checking one xor iteration of ``module`` in a thread; its report lands in ``out``."""
    import threading

    out: list = []
    t = threading.Thread(
        target=lambda: out.append(check_session(module, Session(build_config("xor")), 1))
    )
    t.start()
    return t, out


def test_interrupt_stops_a_running_loop_at_once_and_not_later_calls(tmp_path):
    """The debugger quits without waiting for an endless loop's time limit: code.interrupt()
    from another thread kills the process running the learner's code."""
    import time

    code = load_user_module(write(tmp_path, ENDLESS), time_limit=60)
    t, out = check_in_a_thread(code)
    time.sleep(0.5)
    started = time.monotonic()
    code.interrupt()
    t.join(20)  # the time limit is 60 s
    assert not t.is_alive() and time.monotonic() - started < 5
    assert "bpstep interrupted your code" in out[0].findings[0].message
    code.close()
    fresh = load_user_module(write(tmp_path, ENDLESS), time_limit=0.2)  # later calls: unaffected
    report = check_session(fresh, Session(build_config("xor")), 1)
    assert "still running after 0.2 s" in report.findings[0].message
    fresh.close()


def test_an_endless_loop_at_the_top_level_is_not_run(tmp_path):
    """Top-level loops are training code: skipped and listed, the functions still checked."""
    path = write(tmp_path, "while True:\n    pass\n\ndef bias_grad(delta):\n    return delta\n")
    report = check_session(load_user_module(path, time_limit=0.2), Session(build_config("xor")), 1)
    (skipped,) = report.skipped
    assert skipped["where"] == f"{path}:1" and "a loop at the top level" in skipped["why"]


def test_an_endless_loop_in_a_helper_it_imports_is_a_usage_error(tmp_path):
    write(tmp_path, "while True:\n    pass\n", "helper_loops.py")
    path = write(tmp_path, "import helper_loops\n\ndef bias_grad(delta):\n    return delta\n")
    with pytest.raises(UserCodeError, match=r":1: still running after 0.2 s \(an endless loop\?\)"):
        load_user_module(path, time_limit=0.2)


def test_a_slow_but_finite_function_is_not_stopped(tmp_path):
    path = write(
        tmp_path,
        """\
        import time

        def bias_grad(delta):
            time.sleep(0.3)  # one C call: no Python lines run meanwhile
            return delta.mean(axis=1, keepdims=True)
        """,
    )
    report = check_session(load_user_module(path, 1.0), Session(build_config("xor")), 1)
    assert report.ok


# ---------------------------------------------------------------- issue 11: none misnamed


def test_mean_without_keepdims_on_a_layer_as_wide_as_the_batch_is_keepdims_not_axis(tmp_path):
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(axis=1)\n")
    report = check(path, layers=[2, 4, 1])  # hidden width 4 = batch 4
    hidden = next(f for f in report.findings if f.layer == 1)
    assert hidden.status == "error" and hidden.slip == "keepdims"
    assert "axis" not in hidden.hint and "keepdims=True" in hidden.hint
    path = write(tmp_path, "def bias_grad(delta):\n    return delta.mean(axis=0)\n", "b.py")
    hidden = next(f for f in check(path, layers=[2, 4, 1]).findings if f.layer == 1)
    assert hidden.slip == "axis" and "wrong axis" in hidden.hint


@pytest.mark.parametrize(
    "body, hint, absent",
    [
        ("4 * delta.mean(axis=1, keepdims=True)", "stray factor 4", "sum instead of mean"),
        ("delta.sum(axis=1, keepdims=True)", "sum instead of mean", "stray"),
        ("delta.mean(axis=1, keepdims=True) / delta.shape[1]", "divided by n twice", "stray"),
        ("delta.mean(axis=1, keepdims=True) / 4", "stray factor 0.25", "1/n twice"),
    ],
)
def test_a_factor_equal_to_the_batch_size_is_named_by_a_smaller_batch(tmp_path, body, hint, absent):
    path = write(tmp_path, f"def bias_grad(delta):\n    return {body}\n")
    for f in check(path).findings:  # xor: batch 4
        assert f.slip == "scale" and hint in f.hint and absent not in f.hint, f.hint


def test_an_extra_bias_column_is_named_so_and_never_a_transpose(tmp_path):
    path = write(
        tmp_path,
        """
        import numpy as np
        def weight_grad(delta, a_prev, n):
            db = delta.mean(axis=1, keepdims=True)
            return np.hstack([db, delta @ a_prev.T / n])  # Θ-style: the bias column first
    """,
    )
    for layers in ([2, 3, 1], [3, 2, 3]):
        data = {} if layers[0] == 2 else {"data": "iris", "layers": [4, 3, 3]}
        kw = {"layers": layers} if not data else data
        for f in check(path, **kw).findings:
            assert f.status == "error" and f.slip == "bias_in_weights", (layers, f.hint)
            assert "transpose" not in f.hint


def test_float32_maths_that_is_right_agrees_with_a_precision_note(tmp_path):
    source = (EXAMPLES / "grads_correct.py").read_text()
    source += (
        "\n\n_f = dict(output_delta=output_delta, hidden_delta=hidden_delta,"
        " weight_grad=weight_grad, bias_grad=bias_grad)\n"
        "def _float32(fn):\n"
        "    def wrapped(**kw):\n"
        "        kw = {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v"
        " for k, v in kw.items()}\n"
        "        return fn(**kw).astype(np.float32)\n"
        "    return wrapped\n"
    )
    for name, args in (
        ("output_delta", "z, a, y, activation, cost"),
        ("hidden_delta", "z, a, W_next, delta_next, activation"),
        ("weight_grad", "delta, a_prev, W, l2, n"),
        ("bias_grad", "delta"),
    ):
        source += (
            f"\ndef {name}({args}):\n"
            f"    return _float32(_f[{name!r}])(**{{k: v for k, v in locals().items()}})\n"
        )
    path = write(tmp_path, source)
    report = check(path, "digits", l2=0.1)
    assert report.ok, [(f.key(), f.rel_error) for f in report.findings if not f.ok]
    low = [f for f in report.findings if f.slip == "precision"]
    assert low and all(f.tolerance == 1e-4 and f.rel_error >= 1e-6 for f in low)
    assert all("float32" in " ".join(f.notes) for f in low)
    # the same float32 code with a real slip still fails
    path = write(tmp_path, source.replace("return a - y\n", "return y - a\n"), "bug.py")
    report = check(path, "softmax")
    bad = [f for f in report.findings if not f.ok]
    assert bad and {f.slip for f in bad} == {"sign"}


def test_the_entry_shown_is_the_worst_not_the_first_that_fails(tmp_path):
    path = write(
        tmp_path,
        """
        def weight_grad(delta, a_prev, n):
            g = delta @ a_prev.T / n
            g[0, 0] *= 1.001   # a little off
            g[-1, -1] += 10.0  # far off
            return g
    """,
    )
    f = next(f for f in check(path).findings if f.layer == 1)
    assert f.first_wrong[0] == (0, 0) and f.worst[0] == (2, 1)
    assert f.to_dict()["worst"]["index"] == [2, 1]


# ---------------------------------------------------------------- issue 11: no false passes


@pytest.mark.parametrize(
    "body",
    [
        "import sys\n    sys.exit(0)",
        "import os\n    os._exit(0)",
        "delta *= 0\n    return delta[:, :1]",  # zeroing our array would not make it agree
        "raise KeyboardInterrupt",
    ],
)
def test_exiting_mutating_or_interrupting_never_agrees_by_accident(tmp_path, body):
    path = write(tmp_path, f"def bias_grad(delta):\n    {body}\n")
    report = check(path)
    assert not report.ok and all(not f.ok for f in report.findings)


def test_their_inputs_are_copies_a_learner_that_mutates_them_changes_nothing(tmp_path):
    path = write(
        tmp_path,
        """
        def hidden_delta(z, a, W_next, delta_next):
            W_next[...] = 0
            delta_next[...] = 0
            return a * (1 - a) * 0
        def bias_grad(delta):
            out = delta.mean(axis=1, keepdims=True)
            delta[...] = 0
            return out
    """,
    )
    report = check(path)
    rows = {(f.function, f.layer): f for f in report.findings}
    assert rows[("hidden_delta", 1)].status == "disagree"
    assert rows[("bias_grad", 2)].ok and rows[("bias_grad", 1)].ok


@pytest.mark.parametrize(
    "source, options, slip",
    [
        (  # this layer's a where the previous layer's belongs (square W: the shapes hide it)
            "def weight_grad(delta, a, n):\n    return delta @ a.T / n\n",
            {"layers": [2, 2, 1]},
            "a_not_a_prev",
        ),
        (
            "import numpy as np\n"
            "def weight_grad(delta, a_prev, W, l2, n, layer, z):\n"
            "    return delta @ a_prev.T / n + l2 * W\n"
            "def hidden_delta(z, W_next, delta_next):\n"
            "    return W_next.T @ delta_next * np.exp(-z) / (1 + np.exp(-z)) ** 2\n"
            "def output_delta(a, y):\n"
            "    return (a - y) * a * (1 - a) * 0 + (-y / a) * a * (1 - a)\n",
            {"preset": "softmax"},
            "softmax_elementwise",
        ),
        (
            "def hidden_delta(a, W_next, delta_next):\n"
            "    return a * (1 - a) * (W_next @ delta_next)\n",
            {"layers": [2, 3, 3, 1]},
            "transpose",
        ),
        (
            "def weight_grad(delta, z, n, layer):\n    return delta @ z.T / n\n",
            {"layers": [2, 3, 3, 1]},
            None,  # z of this layer: not a named slip; the check says it disagrees
        ),
        (
            "def weight_grad(delta, a_prev, n):\n    return delta @ a_prev.T / n\n",
            {"l2": 0.1},
            "missing_l2",
        ),
        (
            "import numpy as np\n"
            "def hidden_delta(z, W_next, delta_next):\n"
            "    return (W_next.T @ delta_next) * (1 - np.tanh(z) ** 2)\n",
            {},
            "wrong_fprime",
        ),
    ],
)
def test_each_slip_code_is_named_where_it_fits(tmp_path, source, options, slip):
    options = dict(options)
    s = Session(build_config(options.pop("preset", "xor"), **options))
    report = check_session(load_user_module(write(tmp_path, source)), s, 1)
    bad = [f for f in report.findings if not f.ok]
    assert bad
    if slip is None:
        assert all(f.slip is None for f in bad)
    else:
        assert slip in {f.slip for f in bad}, [(f.key(), f.slip, f.hint) for f in bad]
