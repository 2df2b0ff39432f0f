"""deeplearning.ai's assignments (Deep Learning Specialization, course 1 and 2).

Three shapes, following the course's notebooks (columns are samples, parameters in a dict
``W1``, ``b1``… with bᵐ a column, gradients ``dW1``, ``db1``…):

- **two-layer** (course 1 week 3, planar data): ``forward_propagation(X, parameters)`` →
  (A2, cache with Z1, A1, Z2, A2) and ``backward_propagation(parameters, cache, X, Y)`` → grads;
  tanh then sigmoid, the cross-entropy cost (``compute_cost(A2, Y)`` when defined);
- **L-layer** (course 1 week 4): ``L_model_forward(X, parameters)`` → (AL, caches, each
  ((A_prev, W, b), Z)) and ``L_model_backward(AL, Y, caches)`` → grads ``dA{l}``, ``dW{l}``,
  ``db{l}``; ReLU … ReLU then sigmoid;
- **gradient checking** (course 2 week 1): ``forward_propagation_n(X, Y, parameters)`` →
  (cost, cache tuple) and ``backward_propagation_n(X, Y, cache)`` → gradients with ``dZ{l}``
  (δˡ per sample), ``dW{l}``, ``db{l}``; three layers, ReLU, ReLU, sigmoid.

Each backward function gets caches built from the engine's forward pass in the course's
format, so a slip in the forward pass does not spread into the backward one; the forward
function is checked on its own (its aᴸ, quantity ``output``). If a backward function cannot
read the course's caches (the learner changed their format), their own forward pass's caches
are used instead, and the report says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.checker import calls
from bpstep.checker.analysis import Observation
from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.judge import as_array, context, judge
from bpstep.checker.reference import Params, Problem, Truth, truth
from bpstep.checker.results import Result, Status
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.shapes.base import function, positional, takes
from bpstep.checker.shapes.whole import WholeShape, lesson_value, same

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode

HERE = "bpstep.checker.shapes.dlai"
X_ = {"x"}
Y_ = {"y"}
PARAMETERS = {"parameters", "params"}


# ---------------------------------------------------------------------------- in the sandbox


def call(module: Any, name: str, *args: Any) -> dict:
    return calls.invoke(getattr(module, name), *args)


def backward(module: Any, kind: str, params: dict, cache: Any, X, Y, AL) -> dict:
    """The learner's backward function, given a forward pass's cache."""
    if kind == "two_layer":
        return calls.invoke(module.backward_propagation, params, cache, X, Y)
    if kind == "L_layer":
        return calls.invoke(module.L_model_backward, AL, Y, cache)
    return calls.invoke(module.backward_propagation_n, X, Y, cache)


def own_cache(module: Any, kind: str, params: dict, X, Y) -> Any:
    """Their own forward pass's cache (when they changed the course's format)."""
    if kind == "two_layer":
        return module.forward_propagation(X, params)[1]
    if kind == "L_layer":
        return module.L_model_forward(X, params)[1]
    return module.forward_propagation_n(X, Y, params)[1]


def backward_own(module: Any, kind: str, params: dict, X, Y, AL) -> dict:
    return backward(module, kind, params, own_cache(module, kind, params, X, Y), X, Y, AL)


# ---------------------------------------------------------------------------- caches


def parameters(params: Params) -> dict:
    out = {}
    for m, (W, b) in enumerate(zip(*params, strict=True), 1):
        out[f"W{m}"], out[f"b{m}"] = W.copy(), b.copy()
    return out


def course_cache(kind: str, t: Truth) -> Any:
    """The engine's forward pass in the course's cache format."""
    lay = t.layers
    if kind == "two_layer":
        return {"Z1": lay[1].z, "A1": lay[1].a, "Z2": lay[2].z, "A2": lay[2].a}
    if kind == "L_layer":
        return [((lay[m].a_prev, lay[m].W, lay[m].b), lay[m].z) for m in sorted(lay)]
    out: list[np.ndarray] = []
    for m in sorted(lay):
        out += [lay[m].z, lay[m].a, lay[m].W, lay[m].b]
    return tuple(out)


# ---------------------------------------------------------------------------- the shapes


class DeepLearningAI(WholeShape):
    """What the three deeplearning.ai shapes share."""

    kind = ""
    forward_name = ""
    backward_name = ""
    source = "deeplearning.ai's Deep Learning Specialization (course 1 weeks 3–4, course 2 week 1)"

    def defaults(self, found: Found) -> dict[str, Any]:
        return {"data": "moons", "cost": "cross_entropy", "lr": 1.0, "batch_size": 5}

    def observe(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        l2_argument: float,
    ) -> Observation:
        obs = Observation(self.backward_name)
        t = truth(problem, params, X, Y, l2=0.0)
        args = (parameters(params), course_cache(self.kind, t), X, Y, t.layers[problem.L].a)
        try:
            out = code.call(self.backward_name, f"{HERE}:backward", self.kind, *args)
        except LearnerFailure as exc:
            try:  # their own caches, if they changed the course's format
                own = (args[0], X, Y, args[4])
                out = code.call(self.backward_name, f"{HERE}:backward_own", self.kind, *own)
                code.found.info["own_caches"] = str(exc)
            except LearnerFailure:
                obs.failure = exc
                return obs
        obs.warnings = out["warnings"]
        read_grads(obs, out["value"], problem)
        return obs

    def check(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        iteration: int,
        options: Options,
    ) -> Checked:
        out = super().check(code, problem, params, X, Y, iteration, options)
        if code.found.info.get("own_caches"):
            out.notes.append(
                f"{self.backward_name} could not read the course's caches "
                f"({code.found.info['own_caches']}): checked with your own forward pass's caches"
            )
        out.results += forward_results(self, code, problem, params, X, Y, iteration)
        return out


def read_grads(obs: Observation, value: object, problem: Problem) -> None:
    """grads ``dW{l}``, ``db{l}`` (and ``dZ{l}``, δ per sample, when given)."""
    if not isinstance(value, dict):
        what = "None" if value is None else type(value).__name__
        obs.failure = LearnerFailure(
            "returned", f"{obs.function} returned {what}, expected a dict of gradients"
        )
        return
    for m in range(1, problem.L + 1):
        n_m, n_prev = problem.sizes[m], problem.sizes[m - 1]
        obs.W[m] = lesson_value(value.get(f"dW{m}"), f"grads['dW{m}']", (n_m, n_prev), same, same)
        obs.b[m] = lesson_value(value.get(f"db{m}"), f"grads['db{m}']", (n_m, 1), same, same)
        dZ, _ = as_array(value.get(f"dZ{m}"))
        if dZ is not None and dZ.ndim == 2 and dZ.shape[0] == n_m:
            obs.delta[m] = dZ
    obs.dtype = obs.W[1].dtype


def forward_results(
    shape: DeepLearningAI,
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int,
) -> list[Result]:
    """Their forward pass's aᴸ (and, for the gradient-checking pair, its cost)."""
    t = truth(problem, params, X, Y, l2=0.0)
    L = problem.L
    args: tuple = (
        (X, parameters(params)) if shape.kind != "gradcheck" else (X, Y, parameters(params))
    )
    r = Result(
        shape.forward_name,
        L,
        "output",
        Status.ERROR,
        tuple(t.layers[L].a.shape),
        iteration=iteration,
    )
    try:
        out = code.call(shape.forward_name, f"{HERE}:call", shape.forward_name, *args)
    except LearnerFailure as exc:
        r.message = str(exc)
        return [r]
    value = out["value"]
    first = value[0] if isinstance(value, list | tuple) and len(value) == 2 else None
    if shape.kind == "gradcheck":
        return [cost_result(shape.forward_name, first, t, iteration)]
    results = [r]
    if "compute_cost" in code.found.info:
        results.append(compute_cost(code, params, t, iteration))
    user, what = as_array(first)
    if user is None or user.shape != t.layers[L].a.shape:
        got = what if user is None else f"shape {user.shape}"
        expected = t.layers[L].a.shape
        r.message = (
            f"{shape.forward_name}'s first result is {got}, expected a{L} of shape {expected}"
        )
        return results
    judge(r, user, context(t, L, "output", t.layers[L].a))
    return results


def compute_cost(code: LearnerCode, params: Params, t: Truth, iteration: int) -> Result:
    """Their compute_cost on the engine's aᴸ (and the parameters, when it asks for them)."""
    args: tuple = (t.layers[t.L].a, t.Y)
    if code.found.info["compute_cost"]:
        args += (parameters(params),)
    try:
        out = code.call("compute_cost", f"{HERE}:call", "compute_cost", *args)
    except LearnerFailure as exc:
        r = Result("compute_cost", None, "loss", Status.ERROR, iteration=iteration)
        r.message = str(exc)
        return r
    return cost_result("compute_cost", out["value"], t, iteration)


def cost_result(name: str, value: object, t: Truth, iteration: int) -> Result:
    from bpstep.checker.slips import Context

    r = Result(name, None, "loss", Status.ERROR, (), iteration=iteration)
    user, what = as_array(value)
    if user is None or user.size != 1:
        r.message = f"{name}'s cost is {what or user.shape}, expected a number"  # type: ignore[union-attr]
        return r
    c = Context("loss", None, t.L, np.asarray(t.data_loss), n=t.n, cost=t.problem.cost)
    c.data_loss, c.l2_loss = t.data_loss, 0.0
    judge(r, user.reshape(()), c)
    return r


def found_with_cost(shape: DeepLearningAI, report: dict) -> Found:
    """The shape's functions, with compute_cost(A, Y[, parameters]) when the file has it."""
    names = [shape.backward_name, shape.forward_name]
    info: dict = {}
    cost = function(report, "compute_cost")
    if takes(cost, [None, Y_, PARAMETERS]) or takes(cost, [None, Y_]):
        info["compute_cost"] = len(positional(cost or [])) >= 3 and not cost[2][2]  # type: ignore[index]
        names.append("compute_cost")
    return Found(shape.name, names, names, info)


class TwoLayer(DeepLearningAI):
    name = "dlai_two_layer"
    title = "deeplearning.ai's two-layer network (forward_propagation, backward_propagation)"
    looks_like = (
        "forward_propagation(X, parameters) and backward_propagation(parameters, cache, X, Y) "
        "(deeplearning.ai)"
    )
    kind = "two_layer"
    forward_name = "forward_propagation"
    backward_name = "backward_propagation"

    def recognise(self, report: dict) -> Found | None:
        fwd = function(report, "forward_propagation")
        bwd = function(report, "backward_propagation")
        if takes(fwd, [X_, PARAMETERS]) and takes(bwd, [PARAMETERS, {"cache"}, X_, Y_]):
            return found_with_cost(self, report)
        return None

    def defaults(self, found: Found) -> dict[str, Any]:
        return super().defaults(found) | {"hidden": [4], "activation": ["tanh", "sigmoid"]}

    def fits(self, found: Found, problem: Problem) -> str | None:
        if (
            problem.activations == ("tanh", "sigmoid")
            and problem.cost == "cross_entropy"
            and problem.sizes[-1] == 1
        ):
            return None
        return (
            "the course's two-layer network is tanh then one sigmoid unit, with cross-entropy; "
            f"this network is {problem.describe()}: leave out the network options or match them"
        )


class LLayer(DeepLearningAI):
    name = "dlai_L_layer"
    title = "deeplearning.ai's L-layer network (L_model_forward, L_model_backward)"
    looks_like = (
        "L_model_forward(X, parameters) and L_model_backward(AL, Y, caches) (deeplearning.ai)"
    )
    kind = "L_layer"
    forward_name = "L_model_forward"
    backward_name = "L_model_backward"

    def recognise(self, report: dict) -> Found | None:
        fwd = function(report, "L_model_forward")
        bwd = function(report, "L_model_backward")
        if takes(fwd, [X_, PARAMETERS]) and takes(bwd, [{"al"}, Y_, {"caches"}]):
            return found_with_cost(self, report)
        return None

    def defaults(self, found: Found) -> dict[str, Any]:
        return super().defaults(found) | {
            "hidden": [5, 3],
            "activation": ["relu", "relu", "sigmoid"],
        }

    def fits(self, found: Found, problem: Problem) -> str | None:
        acts = problem.activations
        if set(acts[:-1]) <= {"relu"} and acts[-1] == "sigmoid" and problem.cost == "cross_entropy":
            return None
        return (
            "the course's L-layer network is ReLU … ReLU then one sigmoid unit, with "
            f"cross-entropy; this network is {problem.describe()}: leave out the network options"
        )


class GradCheck(DeepLearningAI):
    name = "dlai_gradcheck"
    title = "deeplearning.ai's gradient checking (forward_propagation_n, backward_propagation_n)"
    looks_like = (
        "forward_propagation_n(X, Y, parameters) and backward_propagation_n(X, Y, cache) "
        "(deeplearning.ai)"
    )
    kind = "gradcheck"
    forward_name = "forward_propagation_n"
    backward_name = "backward_propagation_n"

    def recognise(self, report: dict) -> Found | None:
        fwd = function(report, "forward_propagation_n")
        bwd = function(report, "backward_propagation_n")
        if takes(fwd, [X_, Y_, PARAMETERS]) and takes(bwd, [X_, Y_, {"cache"}]):
            names = ["backward_propagation_n", "forward_propagation_n"]
            return Found(self.name, names, names, {})
        return None

    def defaults(self, found: Found) -> dict[str, Any]:
        return super().defaults(found) | {
            "hidden": [5, 3],
            "activation": ["relu", "relu", "sigmoid"],
        }

    def fits(self, found: Found, problem: Problem) -> str | None:
        if problem.activations == ("relu", "relu", "sigmoid") and problem.cost == "cross_entropy":
            return None
        return (
            "the course's gradient-checking network is LINEAR→RELU→LINEAR→RELU→LINEAR→SIGMOID "
            f"with cross-entropy; this network is {problem.describe()}: leave out the network "
            "options"
        )
