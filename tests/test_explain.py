"""Explain any number (issue 12, section 1): every kind of entry, at every stop, is explained
with terms and inputs from which the engine's own number is recomputed here, independently, the
way a learner would on paper; and the same from the shell, ``bpstep trace --explain``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from recompute import recompute

from bpstep.engine.errors import ConfigError
from bpstep.session import Phase, Session, StopId, build_config
from bpstep.session.explain import ExplainError, explain, num
from bpstep.session.tensors import computed_at

BPSTEP = Path(sys.executable).with_name("bpstep")

# (preset, overrides): every kind of explanation between them
CASES = [
    ("xor", {}),  # σ, quadratic: f′ ⊙ ∂C/∂a at the output, SGD
    ("lesson", {}),  # n = 1: no 1/n
    ("xor", {"optimizer": "momentum"}),
    ("xor", {"optimizer": "adam"}),
    ("xor", {"cost": "cross_entropy", "l2": 0.01}),  # fused δᴸ = a − y, λ terms
    ("xor", {"activation": ["tanh", "sigmoid"]}),
    ("xor", {"activation": ["relu", "identity"]}),
    ("xor", {"activation": ["leaky_relu", "sigmoid"], "l2": 0.1}),
    ("xor", {"data": "blobs", "activation": ["tanh", "softmax"], "cost": "quadratic"}),  # JVP
    ("xor", {"data": "blobs", "activation": ["sigmoid", "softmax"], "cost": "cross_entropy"}),
]


def engine_value(session: Session, layer: int, name: str, row: int, col: int) -> float:
    if name == "J":
        return session.stop.batch_cost
    t = session.tensors(layer)
    key = {"W_after": "W", "b_after": "b"}.get(name, name)
    return float(np.asarray(t[key])[row, col])


def entries(shape: tuple[int, ...]):
    rows, cols = shape
    return {(0, 0), (rows - 1, cols - 1), (rows // 2, cols // 2)}


@pytest.mark.parametrize(("preset", "overrides"), CASES)
def test_every_entry_recomputes_to_the_engines_number(preset, overrides):
    s = Session(build_config(preset, **overrides))
    kinds = set()
    for _ in range(2 * s.stops_per_iteration):  # two iterations: the optimisers' state moves
        s.step()
        for m in range(1, s.L + 1):
            names = [*s.tensors(m), *(["J"] if s.stop.phase is Phase.COST else [])]
            for name in names:
                shape = (1, 1) if name == "J" else np.atleast_2d(s.tensors(m)[name]).shape
                for row, col in entries(shape):
                    ex = explain(s, m, name, row, col)
                    kinds.add(ex.kind)
                    assert ex.value == engine_value(s, m, name, row, col)  # the engine's own
                    if ex.kind == "input":
                        continue
                    assert math.isclose(recompute(ex, s), ex.value, rel_tol=1e-9, abs_tol=1e-15), (
                        ex.text
                    )
                    assert f"= {num(ex.value, 6)}" in ex.text
                    shown, _, _ = ex.shown()
                    for term in shown:  # the terms a learner reads are in the text
                        assert term.numbers() in ex.text, (term.numbers(), ex.text)
    assert {"z", "a", "C", "J", "grad_W", "grad_b"} <= kinds


def test_all_kinds_are_covered_by_the_cases():
    kinds = set()
    for preset, overrides in CASES:
        s = Session(build_config(preset, **overrides))
        s.run_to(s.stops_per_iteration)  # the last update: every tensor of the iteration
        for m in range(1, s.L + 1):
            for name in s.tensors(m):
                kinds.add(explain(s, m, name, 0, 0).kind)
        for m in range(1, s.L + 1):
            ev = s.event_at(StopId(Phase.BACKWARD, m))
            kinds.add(explain(s, m, "delta", 0, 0).kind if ev is not None else "")
    assert {
        "z", "a", "fprime", "dC_da", "delta_fused", "delta_output", "delta_softmax",
        "delta_hidden", "grad_W", "grad_b", "update_sgd", "update_momentum", "update_adam",
        "C", "input",
    } <= kinds  # fmt: skip


def test_the_issues_example_hidden_delta_on_xor():
    s = Session(build_config("xor"))
    s.run_to(5)  # backward m = 1
    ex = explain(s, 1, "delta", 1, 0)
    W2, d2 = s.tensors(2)["W"], s.tensors(2)["delta"]
    fp = s.tensors(1)["fprime"][1, 0]
    assert ex.symbol == "δ¹₂,₁"
    assert ex.equation == "δ¹₂,₁ = f′(z¹₂,₁) · Σₖ W²ₖ,₂ δ²ₖ,₁"
    assert f"= {num(fp)} · (({num(W2[0, 1])}) · {num(d2[0, 0])})" in ex.text
    assert "where f′(z¹₂,₁) = σ(z)(1 − σ(z)) = a(1 − a)" in ex.text
    assert ex.value == s.tensors(1)["delta"][1, 0]


def test_long_sums_show_their_largest_terms_and_the_rest_as_one_number():
    s = Session(build_config("digits"))
    s.step()  # forward m = 1: z¹ = W¹ a⁰ + b¹ has 64 terms per entry
    ex = explain(s, 1, "z", 3, 2)
    shown, more, rest = ex.shown()
    assert len(shown) == 6 and more == 58
    biggest = sorted(abs(t.value) for t in ex.terms)[-6:]
    assert sorted(abs(t.value) for t in shown) == biggest
    assert f"+ 58 more terms (sum {num(rest)})" in ex.text
    assert math.isclose(
        math.fsum(t.value for t in shown) + rest + ex.inputs["b"], ex.value, rel_tol=1e-9
    )


def test_gradients_show_every_samples_term_for_a_batch_of_ten():
    s = Session(build_config("digits"))
    s.run_to(s.L + 2)  # backward m = 2
    ex = explain(s, 2, "grad_W", 4, 7)
    assert len(ex.terms) == 10 and ex.shown()[1] == 0
    assert "(1/10)" in ex.equation and "the batch of n = 10 takes their mean" in ex.text


def test_J_when_lambda_is_0_and_J_hat_when_it_is_not():
    plain = Session(build_config("xor"))
    plain.run_to(4)
    assert explain(plain, 2, "grad_W", 0, 0).symbol == "∂J/∂W²₁,₁"
    assert "Ĵ" not in explain(plain, 2, "J", 0, 0).text
    reg = Session(build_config("l2"))
    reg.run_to(reg.L + 2)
    ex = explain(reg, reg.L, "grad_W", 0, 0)
    assert ex.symbol.startswith("∂Ĵ/∂W") and "+ λ W" in ex.equation
    assert explain(reg, reg.L, "J", 0, 0).text.startswith("Ĵ = ")


def test_lesson_preset_has_no_one_over_n():
    s = Session(build_config("lesson"))
    s.run_to(s.L + 2)
    for name in ("grad_W", "grad_b"):
        ex = explain(s, 2, name, 0, 0)
        assert "1/" not in ex.text and len(ex.terms) == 1
        assert ex.value == ex.terms[0].value  # the lesson's δ (a)ᵀ, one sample, exactly


def test_the_update_relates_W_before_the_step_and_W_after():
    s = Session(build_config("xor"))
    s.run_to(6)  # update m = 1
    t = s.tensors(1)
    after = explain(s, 1, "W", 2, 1)  # the current W is W after the update
    assert after.symbol == "W¹₃,₂ after" and after.value == t["W"][2, 1]
    assert after.inputs["before"] == t["W_before"][2, 1]
    assert after.inputs["g"] == t["grad_W"][2, 1] and after.inputs["α"] == 5.0
    step = explain(s, 1, "dW", 2, 1)
    assert step.value == t["dW"][2, 1] == t["W"][2, 1] - t["W_before"][2, 1]
    assert "−α ∂J/∂W¹₃,₂ = −5 · " in step.text


def test_an_entry_not_known_yet_or_out_of_range_is_one_clear_line():
    s = Session(build_config("xor"))
    s.step()
    with pytest.raises(ExplainError, match=r"δ¹ is not known yet at this stop \(forward m=1\)"):
        explain(s, 1, "delta", 0, 0)
    with pytest.raises(ExplainError, match="z¹ is 3×4: the entry must be i in 0..2, j in 0..3"):
        explain(s, 1, "z", 3, 0)
    with pytest.raises(ExplainError, match="the layer must be 1..2"):
        explain(s, 3, "z", 0, 0)
    with pytest.raises(ExplainError, match="cost stop"):
        explain(s, 2, "J", 0, 0)
    assert issubclass(ExplainError, ConfigError)


def test_quiz_of_the_first_iteration_stop_names():
    # the stop each name is first computed at, as trace --explain steps to it
    from bpstep.session.explain import stop_for

    assert stop_for("z", 1, 2) == StopId(Phase.FORWARD, 1)
    assert stop_for("W", 2, 2) == StopId(Phase.FORWARD, 2)
    assert stop_for("C", 2, 2) == StopId(Phase.COST)
    assert stop_for("grad_b", 1, 2) == StopId(Phase.BACKWARD, 1)
    assert stop_for("W_after", 1, 2) == StopId(Phase.UPDATE, 1)
    assert "dW" in computed_at(StopId(Phase.UPDATE, 1), 1, 2)


# ---------------------------------------------------------------------- the shell


def bpstep(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BPSTEP), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_trace_explain_prints_the_arithmetic_at_the_stop_that_computes_it():
    out = bpstep("trace", "--explain", "1,delta,1,0")
    assert out.returncode == 0, out.stderr
    s = Session(build_config("xor"))
    s.run_to(5)
    assert out.stdout == explain(s, 1, "delta", 1, 0).text + "\n"
    assert out.stdout.startswith("δ¹₂,₁ = ") and "(backward m=1, epoch 1, iteration 1" in out.stdout


def test_trace_explain_json_carries_full_precision_numbers():
    out = bpstep("trace", "--explain", "2,grad_W,0,1", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["kind"] == "grad_W" and d["index"] == [0, 1] and len(d["terms"]) == 4
    total = math.fsum(math.prod(t["factors"]) for t in d["terms"])
    assert math.isclose(d["inputs"]["1/n"] * total, d["value"], rel_tol=1e-12)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("1,delta", "--explain takes m,NAME,i,j"),
        ("x,delta,0,0", "--explain takes m,NAME,i,j"),
        ("1,foo,0,0", "no stop computes 'foo'"),
        ("1,delta,9,0", "δ¹ is 3×4"),
        ("1,dC_da,0,0", "∂C/∂a¹ belongs to the output layer only"),
        ("7,z,0,0", "the layer m must be 1..2"),
    ],
)
def test_trace_explain_bad_specs_are_one_line_usage_errors(spec, fragment):
    out = bpstep("trace", "--explain", spec)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and fragment in out.stderr, out.stderr
