"""Andrew Ng's ex4 (Python ports): ``nnCostFunction(nn_params, …, X, y, lambda_)`` → (J, grad).

Following the ex4 exercise of Ng's Machine Learning course as ported to Python (e.g.
dibgerge/ml-coursera-python-assignments Exercise4): a 3-layer sigmoid network whose parameters
are unrolled into one vector, ``nn_params``: Θ¹ (hidden × (1 + input)) then Θ², each with the
bias in its first column, so Θᵐ = [bᵐ, Wᵐ]. ``X`` has a sample per row, ``y`` the labels;
J = (1/m) Σᵢ Σₖ [−yₖ ln hₖ − (1 − yₖ) ln(1 − hₖ)] + λ/(2m) Σ Θ² over the non-bias columns,
``grad`` the unrolled ∂J/∂Θ. The lesson's λ is λ_ex4 / m; the bias column's gradient is
reported as ∂J/∂bᵐ, the rest as ∂J/∂Wᵐ.

Ports differ in how they unroll (NumPy's row order, or Octave's column order ``Theta(:)``) and
in their labels (Octave's 1..K, or 0..K−1): both are found from the learner's J, and stated.
The λ parameter may be called ``lambda_``, ``lmbda``, ``lam``…: λ is handed to it by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bpstep.checker import calls
from bpstep.checker.analysis import Observation
from bpstep.checker.batch import Checked, Found
from bpstep.checker.compare import close
from bpstep.checker.reference import Params, Problem, truth
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.shapes.base import positional, takes
from bpstep.checker.shapes.whole import Convention, WholeShape, lesson_value, same

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode

HERE = "bpstep.checker.shapes.ng"
NAMES = ("nnCostFunction", "nn_cost_function", "nnCostFunc")
ORDERS = {"C": "row by row (NumPy's ravel)", "F": "column by column (Octave's Theta(:))"}
LABELS = {0: "y in 0..K−1", 1: "y in 1..K (Octave's)"}


def cost_function(module: Any, name: str, nn_params, sizes: list[int], X, y, lam: float) -> dict:
    """The learner's nnCostFunction, all seven arguments by position."""
    n0, n1, n2 = sizes
    fn = getattr(module, name)
    return calls.invoke(fn, nn_params.copy(), n0, n1, n2, X.copy(), y.copy(), lam)


Order = Literal["C", "F"]


def unroll(params: Params, order: Order) -> np.ndarray:
    """Θ¹ then Θ², each [bᵐ, Wᵐ], unrolled in ``order``."""
    thetas = [np.hstack([b, W]) for W, b in zip(*params, strict=True)]
    return np.concatenate([t.ravel(order=order) for t in thetas])


class Ng(WholeShape):
    name = "ng_ex4"
    title = "Ng's ex4 nnCostFunction"
    looks_like = (
        "nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)"
    )
    source = "Ng's Machine Learning ex4, Python ports (dibgerge/ml-coursera-python-assignments)"

    def recognise(self, report: dict) -> Found | None:
        for name in NAMES:
            entry = report["functions"].get(name)
            if entry is None:
                continue
            params = entry["params"]
            spec = [None, None, None, None, {"x"}, {"y"}, None]
            if not takes(params, spec):
                continue
            names = [p[0].lower() for p in positional(params)]
            if "input" in names[1] and "hidden" in names[2] and "label" in names[3]:
                info = {"function": name, "lambda": positional(params)[6][0]}
                return Found(self.name, [name], [name], info)
        return None

    def defaults(self, found: Found) -> dict[str, Any]:
        return {
            "data": "iris",
            "hidden": [5],
            "activation": "sigmoid",
            "cost": "cross_entropy",
            "lr": 1.0,
            "batch_size": 5,
        }

    def fits(self, found: Found, problem: Problem) -> str | None:
        if (
            problem.L == 2
            and set(problem.activations) == {"sigmoid"}
            and problem.cost == "cross_entropy"
            and problem.sizes[-1] >= 2
        ):
            return None
        return (
            f"ex4's network is input → hidden → K ≥ 2 labels, sigmoid units, the cross-entropy "
            f"cost; this network is {problem.describe()}: leave out the network options or match "
            "them (--data with classes, e.g. iris or digits)"
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
        info = code.found.info
        if "order" not in info:
            info["order"], info["labels"], info["guessed"] = find_layout(
                self, code, problem, params, X, Y
            )
        out.conventions["unrolled"] = ORDERS[info["order"]]
        out.conventions["labels"] = LABELS[info["labels"]]
        if info["guessed"]:
            out.notes.append(info["guessed"])
        words = "λ/(2m)·ΣΘ² over the non-bias columns, m the batch size"
        return Convention(info["lambda"], lambda n: 1.0 / n, words)

    def observe(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        l2_argument: float,
    ) -> Observation:
        info = code.found.info
        return observe_as(code, problem, params, X, Y, l2_argument, info["order"], info["labels"])


def observe_as(
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    lam: float,
    order: Order,
    base: int,
) -> Observation:
    name = code.found.info["function"]
    obs = Observation(name)
    y = Y.argmax(axis=0) + base
    try:
        out = code.call(
            name,
            f"{HERE}:cost_function",
            name,
            unroll(params, order),
            list(problem.sizes),
            X.T.copy(),
            y,
            lam,
        )
    except LearnerFailure as exc:
        obs.failure = exc
        return obs
    obs.warnings = out["warnings"]
    read_result(obs, out["value"], problem, order)
    return obs


def read_result(obs: Observation, value: object, problem: Problem, order: Order) -> None:
    """(J, grad) with grad split into each layer's bias column and weights."""
    if not (isinstance(value, list | tuple) and len(value) == 2):
        what = "None" if value is None else type(value).__name__
        obs.failure = LearnerFailure(
            "returned", f"{obs.function} returned {what}, expected (J, grad)"
        )
        return
    J, grad = value
    try:
        obs.loss = float(np.asarray(J, dtype=np.float64))
    except (TypeError, ValueError):
        obs.loss = None
    flat = np.asarray(grad, dtype=np.float64).ravel() if grad is not None else None
    shapes = [(problem.sizes[m], problem.sizes[m - 1] + 1) for m in (1, 2)]
    total = sum(r * c for r, c in shapes)
    if flat is None or flat.size != total:
        got = "None" if flat is None else f"{flat.size} entries"
        obs.failure = LearnerFailure(
            "returned",
            f"grad has {got}, expected {total}: Θ¹ and Θ² with their bias columns, unrolled",
        )
        return
    start = 0
    for m, (r, c) in enumerate(shapes, 1):
        theta = flat[start : start + r * c].reshape((r, c), order=order)
        start += r * c
        obs.b[m] = lesson_value(theta[:, :1], f"Theta{m}_grad[:, 0]", (r, 1), same, same)
        obs.W[m] = lesson_value(theta[:, 1:], f"Theta{m}_grad[:, 1:]", (r, c - 1), same, same)
    obs.dtype = str(np.asarray(grad).dtype)


def find_layout(
    shape: Ng, code: LearnerCode, problem: Problem, params: Params, X: np.ndarray, Y: np.ndarray
) -> tuple[str, int, str | None]:
    """The ravel order and label base whose J at λ = 0 is the engine's (or, failing that,
    whose gradient is nearest the engine's)."""
    t = truth(problem, params, X, Y, l2=0.0)
    tried = []
    for order in ("C", "F"):
        for base in (0, 1):
            obs = observe_as(code, problem, params, X, Y, 0.0, order, base)
            if obs.loss is not None and close(np.asarray(obs.loss), np.asarray(t.data_loss)):
                return order, base, None
            W = obs.usable("W", 1)
            err = np.inf if W is None else float(np.abs(W - t.layers[1].grad_W).max())
            tried.append((err, order, base))
    err, order, base = min(tried)
    return (
        order,
        base,
        (
            f"your J matches the right cost for no ravel order and label base: checked as "
            f"{ORDERS[order]}, {LABELS[base]} (whose gradient is nearest)"
        ),
    )
