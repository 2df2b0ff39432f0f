"""CS231n's two-layer net: a class with ``params`` and ``loss(X, y=None, reg=0.0)``.

Following CS231n assignment 1 ``cs231n/classifiers/neural_net.py`` (``TwoLayerNet(input_size,
hidden_size, output_size, std=1e-4)``; ``params`` holds W1 (D, H), b1 (H,), W2 (H, C), b2 (C,);
``loss`` returns ``(loss, grads)`` with the same keys) and assignment 2's ``fc_net.py``
(``TwoLayerNet(input_dim, hidden_dim, num_classes, weight_scale, reg)`` with ``self.reg`` and
``loss(X, y=None)``). Rows are samples, ``y`` integer labels, ReLU then softmax cross-entropy:
the lesson's network with Wᵐ = W{m}ᵀ and bᵐ = b{m} as a column.

The years differ in the L2 term, reg·ΣW² (2017 on) or 0.5·reg·ΣW² (2016, and assignment 2):
which one is found from the learner's own loss value (two calls, reg = 0.1 and reg = 0), and
the gradients are judged against that convention; λ is handed to their code as reg = λ/2 or
reg = λ accordingly (the report states it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.checker import calls
from bpstep.checker.analysis import Observation
from bpstep.checker.batch import Checked, Found
from bpstep.checker.compare import close
from bpstep.checker.reference import Params, Problem
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.shapes.base import takes
from bpstep.checker.shapes.whole import (
    Convention,
    WholeShape,
    column,
    flat,
    lesson_value,
    transposed,
)

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode

HERE = "bpstep.checker.shapes.cs231n"
PROBE_REG = 0.1
REG_SQUARED = Convention("reg", lambda n: 2.0, "reg·ΣW²")
HALF_REG_SQUARED = Convention("reg", lambda n: 1.0, "0.5·reg·ΣW²")


# ---------------------------------------------------------------------------- in the sandbox


def loss(
    module: Any, cls: str, sizes: list[int], params: dict, X, y, reg: float, attr: bool
) -> dict:
    """``loss(X, y, reg)`` of a new net holding ``params`` (assignment 2: ``net.reg = reg``)."""
    D, H, C = sizes
    net = getattr(module, cls)(D, H, C)
    for key, value in params.items():
        net.params[key] = np.array(value, copy=True)
    if attr:
        net.reg = reg
        return calls.invoke(net.loss, X.copy(), y.copy())
    return calls.invoke(net.loss, X.copy(), y.copy(), reg)


# ---------------------------------------------------------------------------- the shape


class CS231n(WholeShape):
    name = "cs231n"
    title = "CS231n's TwoLayerNet"
    looks_like = "a class with params and loss(X, y=None, reg=0.0) (CS231n's TwoLayerNet)"
    source = "CS231n assignment 1 cs231n/classifiers/neural_net.py; assignment 2 fc_net.py"

    def recognise(self, report: dict) -> Found | None:
        for cls, entry in report["classes"].items():
            methods = entry["methods"]
            init = methods.get("__init__")
            loss_params = methods.get("loss")
            if takes(loss_params, [None, {"y"}, {"reg"}], self_first=True):
                attr = False
            elif (
                takes(loss_params, [None, {"y"}], self_first=True)
                and init
                and any(p[0] == "reg" for p in init)
            ):
                attr = True  # assignment 2: reg is set on the object
            else:
                continue
            if takes(init, [None, None, None], self_first=True):
                return Found(self.name, ["loss"], [cls], {"class": cls, "reg_attr": attr})
        return None

    def defaults(self, found: Found) -> dict[str, Any]:
        return {
            "data": "iris",
            "hidden": [10],
            "activation": ["relu", "softmax"],
            "cost": "cross_entropy",
            "lr": 0.1,
            "batch_size": 5,
        }

    def fits(self, found: Found, problem: Problem) -> str | None:
        if (
            problem.L == 2
            and problem.activations == ("relu", "softmax")
            and problem.cost == "cross_entropy"
            and problem.sizes[-1] >= 2
        ):
            return None
        return (
            "a CS231n TwoLayerNet is ReLU then softmax with cross-entropy, ≥ 2 classes; this "
            f"network is {problem.describe()}: leave out the network options or match them "
            "(--data with classes, e.g. iris or blobs:k=3)"
        )

    def reads_l2(self, found: Found) -> bool:
        return True

    def convention(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        out: Checked,
    ) -> Convention:
        """reg·ΣW² or 0.5·reg·ΣW², from their loss at reg = 0.1 and at reg = 0."""
        info = code.found.info
        if "convention" not in info:
            info["convention"], note = find_convention(self, code, problem, params, X, Y)
            if note:
                info["convention_note"] = note
        if info.get("convention_note"):
            out.notes.append(info["convention_note"])
        return REG_SQUARED if info["convention"] == "reg" else HALF_REG_SQUARED

    def observe(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        l2_argument: float,
    ) -> Observation:
        obs = Observation("loss")
        info = code.found.info
        native = {}
        for m in (1, 2):
            native[f"W{m}"] = params[0][m - 1].T.copy()
            native[f"b{m}"] = params[1][m - 1].ravel().copy()
        labels = Y.argmax(axis=0)
        try:
            out = code.call(
                "loss",
                f"{HERE}:loss",
                info["class"],
                list(problem.sizes),
                native,
                X.T.copy(),
                labels,
                float(l2_argument),
                info["reg_attr"],
            )
        except LearnerFailure as exc:
            obs.failure = exc
            return obs
        obs.warnings = out["warnings"]
        read_loss(obs, out["value"], problem)
        return obs


def read_loss(obs: Observation, value: object, problem: Problem) -> None:
    """(loss, grads) in the lesson's orientation."""
    if not (isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[1], dict)):
        what = "None" if value is None else type(value).__name__
        obs.failure = LearnerFailure(
            "returned", f"loss returned {what}, expected (loss, grads) when y is given"
        )
        return
    loss_value, grads = value
    try:
        obs.loss = float(np.asarray(loss_value, dtype=np.float64))
    except (TypeError, ValueError):
        obs.loss = None
    for m in (1, 2):
        n_in, n_out = problem.sizes[m - 1], problem.sizes[m]
        obs.W[m] = lesson_value(
            grads.get(f"W{m}"), f"grads['W{m}']", (n_in, n_out), transposed, transposed
        )
        obs.b[m] = lesson_value(grads.get(f"b{m}"), f"grads['b{m}']", (n_out,), column, flat, 0)
    obs.dtype = obs.W[1].dtype


def find_convention(
    shape: CS231n, code: LearnerCode, problem: Problem, params: Params, X: np.ndarray, Y: np.ndarray
) -> tuple[str, str | None]:
    """Which L2 term their loss has: "reg" (reg·ΣW²) or "half" (0.5·reg·ΣW²), and a note."""
    at0 = shape.observe(code, problem, params, X, Y, 0.0)
    at1 = shape.observe(code, problem, params, X, Y, PROBE_REG)
    squares = sum(float(np.vdot(W, W)) for W in params[0])
    if at0.loss is not None and at1.loss is not None:
        added = at1.loss - at0.loss
        if close(np.asarray(added), np.asarray(PROBE_REG * squares)):
            return "reg", None
        if close(np.asarray(added), np.asarray(0.5 * PROBE_REG * squares)):
            return "half", None
    W0, W1 = at0.usable("W", 2), at1.usable("W", 2)
    if W0 is not None and W1 is not None:
        neither = "your loss's λ term matches neither reg·ΣW² nor 0.5·reg·ΣW²: the gradients "
        if close(W1 - W0, 2 * PROBE_REG * params[0][1]):
            return "reg", neither + "are judged as those of reg·ΣW², which they follow"
        if close(W1 - W0, PROBE_REG * params[0][1]):
            return "half", neither + "are judged as those of 0.5·reg·ΣW², which they follow"
    return "reg", (
        "neither your loss nor your gradients follow reg·ΣW² or 0.5·reg·ΣW²: judged as reg·ΣW² "
        "(the 2017 notebooks)"
    )
