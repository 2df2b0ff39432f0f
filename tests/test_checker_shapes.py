"""The shapes learners write backprop in, checked as they wrote it (issue 11).

Each learner file in tests/learners_checker/ is correct and cites the public course code whose
shape it follows. A slip is made by changing one line of it, as a learner would get it wrong;
each case states the verdict, the origin (function, layer m, quantity) and the slip code, and
that everything else wrong follows from the origin or names a slip of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bpstep.checker import Status
from bpstep.session.usergrads import check_session, load_user_module, session_for

LEARNERS = Path(__file__).resolve().parent / "learners_checker"
BPSTEP = Path(sys.executable).with_name("bpstep")

CORRECT = {
    "nielsen_network.py": "nielsen",
    "nielsen_network2.py": "nielsen",
    "cs231n_two_layer_net.py": "cs231n",
    "ng_ex4.py": "ng_ex4",
    "dlai_L_layer.py": "dlai_L_layer",
    "dlai_planar.ipynb": "dlai_two_layer",
}


def mutated(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """The learner's file with one line changed (the slip)."""
    source = (LEARNERS / name).read_text()
    assert source.count(old) == 1, old
    path = tmp_path / name
    path.write_text(source.replace(old, new))
    return path


def check(path: Path, iterations: int = 2, **overrides):
    code = load_user_module(path)
    try:
        return check_session(code, session_for(code, None, overrides), iterations)
    finally:
        code.close()


def wrong(report):
    return [r for r in report.findings if not r.ok]


@pytest.mark.parametrize("name, shape", CORRECT.items())
def test_each_correct_learner_file_agrees(name, shape):
    report = check(LEARNERS / name)
    assert report.shape == shape
    assert report.ok, [(r.function, r.layer, r.quantity, r.message, r.hint) for r in wrong(report)]
    quantities = {r.quantity for r in report.findings}
    assert {"grad_W", "grad_b", "delta"} <= quantities


CASES = [
    # Nielsen's network.py
    (
        "nielsen_network.py",
        "delta = (self.weights[-l + 1].T @ delta) * sp",
        "delta = self.weights[-l + 1].T @ delta",
        ("backprop", 1, "delta"),
        "missing_fprime",
    ),
    (
        "nielsen_network.py",
        "return output_activations - y",
        "return y - output_activations",
        ("backprop", 2, "delta"),
        "sign",
    ),
    (
        "nielsen_network.py",
        "sp = sigmoid_prime(zs[-l])",
        "sp = sigmoid_prime(activations[-l])",
        ("backprop", 1, "delta"),
        "fprime_of_a",
    ),
    (
        "nielsen_network.py",
        "self.weights = [w - (eta / len(mini_batch)) * nw",
        "self.weights = [w - eta * nw",
        ("update_mini_batch", 2, "grad_W"),
        "scale",
    ),
    # Nielsen's network2.py
    (
        "nielsen_network2.py",
        "        return a - y\n",
        "        return (a - y) * sigmoid_prime(z)\n",
        ("backprop", 2, "delta"),
        "extra_fprime",
    ),
    (
        "nielsen_network2.py",
        "self.weights = [(1 - eta * (lmbda / n)) * w",
        "self.weights = [(1 - eta * lmbda) * w",
        ("update_mini_batch", 2, "grad_W"),
        "l2_scale",
    ),
    (
        "nielsen_network2.py",
        "self.biases = [b - (eta / len(mini_batch)) * nb",
        "self.biases = [(1 - eta * (lmbda / n)) * b - (eta / len(mini_batch)) * nb",
        ("update_mini_batch", 2, "grad_b"),
        "l2_on_bias",
    ),
    # CS231n's TwoLayerNet
    (
        "cs231n_two_layer_net.py",
        'grads["b1"] = dhidden.sum(axis=0)',
        'grads["b1"] = dhidden.sum(axis=0) + reg * b1',  # 2016's db += reg * b
        ("loss", 1, "grad_b"),
        "l2_on_bias",
    ),
    (
        "cs231n_two_layer_net.py",
        "dhidden[hidden <= 0] = 0",
        "pass  # ReLU's gate forgotten",
        ("loss", 1, "delta"),
        "missing_fprime",
    ),
    (
        "cs231n_two_layer_net.py",
        "probs /= probs.sum(axis=1, keepdims=True)",
        "probs /= probs.sum()",
        ("loss", 2, "delta"),
        "softmax_over_batch",
    ),
    (
        "cs231n_two_layer_net.py",
        "dscores /= N",
        "pass  # the mean over the batch forgotten",
        ("loss", 2, "grad_W"),
        "scale",
    ),
    (
        "cs231n_two_layer_net.py",
        'grads["W2"] = hidden.T.dot(dscores) + 2 * reg * W2',
        'grads["W2"] = hidden.T.dot(dscores) + reg * W2',
        ("loss", 2, "grad_W"),
        "l2_scale",
    ),
    # Ng's ex4
    (
        "ng_ex4.py",
        "Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]",
        "Theta1_grad += lambda_ / m * Theta1",
        ("nnCostFunction", 1, "grad_b"),
        "l2_on_bias",
    ),
    (
        "ng_ex4.py",
        "delta2 = (delta3 @ Theta2)[:, 1:] * sigmoidGradient(z2)",
        "delta2 = (delta3 @ Theta2)[:, 1:] * sigmoidGradient(sigmoid(z2))",
        ("nnCostFunction", 1, "delta"),
        "fprime_of_a",
    ),
    (
        "ng_ex4.py",
        "Theta2_grad = delta3.T @ a2 / m",
        "Theta2_grad = delta3.T @ a2",
        ("nnCostFunction", 2, "grad_W"),
        "scale",
    ),
    # deeplearning.ai
    (
        "dlai_L_layer.py",
        "dZ[cache <= 0] = 0",
        "pass  # the ReLU's gate forgotten",
        ("L_model_backward", 2, "delta"),
        "missing_fprime",
    ),
    (
        "dlai_L_layer.py",
        "        dZ = relu_backward(dA, activation_cache)",
        "        dZ = sigmoid_backward(dA, activation_cache)",
        ("L_model_backward", 2, "delta"),
        "wrong_fprime",
    ),
    (
        "dlai_L_layer.py",
        "db = np.sum(dZ, axis=1, keepdims=True) / m",
        "db = np.sum(dZ, axis=1) / m",
        ("L_model_backward", 3, "grad_b"),
        "keepdims",
    ),
    (
        "dlai_planar.ipynb",
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))",
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(np.tanh(A1), 2))",
        ("backward_propagation", 1, "delta"),
        "fprime_of_a",
    ),
]


@pytest.mark.parametrize(
    "name, old, new, origin, slip", CASES, ids=[f"{c[0]}:{c[4]}" for c in CASES]
)
def test_a_slip_is_named_at_its_origin(tmp_path, name, old, new, origin, slip):
    report = check(mutated(tmp_path, name, old, new))
    assert not report.ok
    first = report.origin
    got = [(r.function, r.layer, r.quantity, r.slip, r.follows) for r in wrong(report)]
    assert (first.function, first.layer, first.quantity) == origin, got
    assert first.slip == slip, (first.hint, got)
    assert not first.follows
    for r in wrong(report):  # everything else follows from it, or is named on its own
        assert r.follows or r.slip is not None or r.status is Status.ERROR, (r.key(), r.hint)


def test_a_wrong_delta_L_is_the_origin_and_what_comes_after_it_follows(tmp_path):
    path = mutated(
        tmp_path,
        "nielsen_network.py",
        "return output_activations - y",
        "return y - output_activations",
    )
    report = check(path)
    rows = {(r.function, r.layer, r.quantity): r for r in report.findings}
    assert rows[("backprop", 2, "delta")].slip == "sign"
    for key in [("backprop", 2, "grad_W"), ("backprop", 1, "delta"), ("backprop", 1, "grad_W")]:
        assert rows[key].follows and rows[key].slip is None, key
    # update_mini_batch averages their backprop's gradients rightly: it follows too
    assert rows[("update_mini_batch", 2, "grad_W")].follows


def test_the_course_planted_slips_of_the_gradient_checking_notebook():
    """dW2 × 2 and db1 with 4/m: each its own origin, stray factors, also at batch 4."""
    path = LEARNERS / "dlai_gradcheck_course_bugs.py"
    for batch in (5, 4):
        report = check(path, batch_size=batch)
        bad = {(r.layer, r.quantity): r for r in wrong(report)}
        assert set(bad) == {(2, "grad_W"), (1, "grad_b")}
        assert bad[(2, "grad_W")].slip == "scale" and bad[(2, "grad_W")].slip_details["factor"] == 2
        b1 = bad[(1, "grad_b")]
        assert b1.slip == "scale" and b1.slip_details["factor"] == pytest.approx(4)
        assert "sum instead of mean" not in b1.hint
        if batch == 4:  # 4 = n: the batch probe says it is a stray factor
            assert "stray factor 4" in b1.hint


def test_cs231n_finds_the_l2_convention_from_the_learners_loss(tmp_path):
    report = check(LEARNERS / "cs231n_two_layer_net.py")
    assert "reg = 0.05" in report.conventions["l2"] and "reg·ΣW²" in report.conventions["l2"]
    half = mutated(  # the 2016 notebook: 0.5 * reg in the loss, reg * W in the gradient
        tmp_path,
        "cs231n_two_layer_net.py",
        "loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
        "loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
    )
    source = (
        half.read_text()
        .replace("+ 2 * reg * W2", "+ reg * W2")
        .replace("+ 2 * reg * W1", "+ reg * W1")
    )
    half.write_text(source)
    report = check(half)
    assert report.ok and "reg = 0.1" in report.conventions["l2"]
    assert "0.5·reg·ΣW²" in report.conventions["l2"]


def test_ex4_finds_the_ravel_order_and_the_labels(tmp_path):
    path = mutated(
        tmp_path,
        "ng_ex4.py",
        "y_matrix = np.eye(num_labels)[y]",
        "y_matrix = np.eye(num_labels)[y - 1]",  # Octave's labels 1..K
    )
    source = path.read_text()
    source = source.replace(
        "(hidden_layer_size, input_layer_size + 1),",
        "(hidden_layer_size, input_layer_size + 1), order='F',",
    )
    source = source.replace(
        "(num_labels, hidden_layer_size + 1)\n    )",
        "(num_labels, hidden_layer_size + 1), order='F'\n    )",
    )
    source = source.replace(
        "Theta1_grad.ravel(), Theta2_grad.ravel()", "Theta1_grad.ravel('F'), Theta2_grad.ravel('F')"
    )
    path.write_text(source)
    report = check(path)
    assert report.ok, [(r.key(), r.message, r.hint) for r in wrong(report)]
    assert "Octave" in report.conventions["unrolled"] and "1..K" in report.conventions["labels"]


def test_a_needed_course_helper_that_cannot_be_imported_is_a_usage_error(tmp_path):
    source = (LEARNERS / "dlai_planar.ipynb").read_text()
    doc = json.loads(source)
    # the notebook's own sigmoid goes: forward_propagation now needs planar_utils' sigmoid
    doc["cells"] = [c for c in doc["cells"] if "def sigmoid" not in "".join(c["source"])]
    doc["cells"][1]["source"] = [
        line.replace("plot_decision_boundary,", "plot_decision_boundary, sigmoid,")
        for line in doc["cells"][1]["source"]
    ]
    path = tmp_path / "planar.ipynb"
    path.write_text(json.dumps(doc))
    out = subprocess.run(
        [str(BPSTEP), "check", str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "forward_propagation needs sigmoid, which cannot be imported" in line
    assert "planar_utils" in line


def test_a_file_with_an_unrelated_forward_propagation_is_not_confused(tmp_path):
    """Recognition is by name and signature together: the 1-D toy of the gradient-checking
    notebook, forward_propagation(x, theta), is not the two-layer network's."""
    path = tmp_path / "mine.py"
    path.write_text(
        (LEARNERS / "ng_ex4.py").read_text()
        + "\n\ndef forward_propagation(x, theta):\n    return theta * x\n"
        + "\n\ndef backward_propagation(x, theta):\n    return x\n"
        + "\n\ndef costFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y,"
        + " lambda_=0.0):\n    return 0.0, nn_params\n"
    )
    report = check(path, iterations=1)
    assert report.shape == "ng_ex4" and report.ok and report.also == []


def test_the_debugger_refuses_a_network_the_learners_shape_cannot_run(capsys):
    from bpstep.cli import main

    status = main(["--grads", str(LEARNERS / "cs231n_two_layer_net.py"), "--preset", "digits"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a CS231n TwoLayerNet is ReLU then softmax" in err[0]


def test_every_slip_code_is_documented():
    from bpstep.checker.slips import SHAPE_HINTS, SLIPS

    doc = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for code in [s.code for s in SLIPS] + list(SHAPE_HINTS):
        assert f"`{code}`" in doc, code


def test_float32_whole_backprop_that_is_right_passes_and_a_slip_in_it_still_fails(tmp_path):
    path = mutated(
        tmp_path,
        "cs231n_two_layer_net.py",
        """        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]""",
        """        f32 = np.float32
        W1, b1 = self.params["W1"].astype(f32), self.params["b1"].astype(f32)
        W2, b2 = self.params["W2"].astype(f32), self.params["b2"].astype(f32)
        X, reg = X.astype(f32), f32(reg)""",
    )
    report = check(path)
    assert report.ok
    assert any(r.slip == "precision" for r in report.findings)
    assert all(r.tolerance == 1e-4 for r in report.findings if r.quantity != "loss")
    path.write_text(
        path.read_text().replace(
            'grads["b1"] = dhidden.sum(axis=0)', 'grads["b1"] = dhidden.sum(axis=0) + reg * b1'
        )
    )
    report = check(path)
    assert not report.ok and report.origin.slip == "l2_on_bias" and report.origin.layer == 1


def test_gradients_that_follow_the_learners_own_wrong_loss_agree_with_its_differences(tmp_path):
    """Finite differences of their own loss are the ground truth of their convention: a sum
    over the batch in both the loss and the gradients is consistent (fd small), and wrong."""
    path = mutated(
        tmp_path,
        "cs231n_two_layer_net.py",
        "loss = -np.log(probs[np.arange(N), y]).sum() / N",
        "loss = -np.log(probs[np.arange(N), y]).sum()",
    )
    path.write_text(path.read_text().replace("dscores /= N", "pass"))
    report = check(path)
    grads = [r for r in report.findings if r.quantity in ("grad_W", "grad_b")]
    assert all(not r.ok and r.fd_rel_error < 1e-6 for r in grads)
    loss = next(r for r in report.findings if r.quantity == "loss")
    assert loss.slip == "scale" and loss.slip_details["named"] == "n"


FC_NET = '''
import numpy as np
from cs231n.layer_utils import *  # the course's layers: not here, and not needed below


class TwoLayerNet(object):
    """Assignment 2's fc_net.TwoLayerNet: reg is the object's, loss(X, y=None)."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h = np.maximum(0, X.reshape(X.shape[0], -1) @ W1 + b1)
        scores = h @ W2 + b2
        if y is None:
            return scores
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.log(p[np.arange(N), y]).mean()
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        d = p.copy()
        d[np.arange(N), y] -= 1
        d /= N
        grads = {"W2": h.T @ d + self.reg * W2, "b2": d.sum(axis=0)}
        dh = d @ W2.T * (h > 0)
        grads["W1"] = X.T @ dh + self.reg * W1
        grads["b1"] = dh.sum(axis=0)
        return loss, grads
'''


def test_cs231n_assignment_2s_two_layer_net_with_reg_on_the_object(tmp_path):
    path = tmp_path / "fc_net.py"
    path.write_text(FC_NET)
    report = check(path)
    assert report.shape == "cs231n" and report.ok
    assert "0.5·reg·ΣW²" in report.conventions["l2"]


@pytest.mark.parametrize("name", ["lmbda", "lam", "Lambda"])
def test_ex4_takes_lambda_under_the_names_ports_use(tmp_path, name):
    path = tmp_path / "ex4.py"
    path.write_text((LEARNERS / "ng_ex4.py").read_text().replace("lambda_", name))
    report = check(path)
    assert report.ok and f"as {name} = 0.5" in report.conventions["l2"]


def test_a_file_with_two_shapes_checks_the_first_and_names_the_other(tmp_path):
    path = tmp_path / "both.py"
    path.write_text(
        (LEARNERS / "nielsen_network.py").read_text()
        + "\n\ndef bias_grad(delta):\n    return delta.sum(axis=1, keepdims=True)\n"
    )
    report = check(path, iterations=1)
    assert report.shape == "nielsen" and report.also == ["functions"] and report.ok
    code = load_user_module(path, shape="functions")
    report = check_session(code, session_for(code), 1)
    assert report.shape == "functions" and not report.ok
