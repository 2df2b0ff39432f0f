"""Nielsen's network.py and network2.py: a class with ``backprop(self, x, y)``.

Following mnielsen/neural-networks-and-deep-learning ``src/network.py`` and ``src/network2.py``
(the book "Neural Networks and Deep Learning", chapters 1–3): ``Network(sizes)`` holds
``weights[l]`` of shape (n_{l+1}, n_l) and ``biases[l]`` (n_{l+1}, 1) — the lesson's Wᵐ and bᵐ
— and ``num_layers``; ``backprop(x, y)`` takes one sample as a column and returns
``(nabla_b, nabla_w)``, the gradient of that sample's cost Cₓ: nabla_b[m-1] = δᵐ and
nabla_w[m-1] = δᵐ (aᵐ⁻¹)ᵀ. network2's ``cost=`` classes (``QuadraticCost``,
``CrossEntropyCost``, with ``fn`` and ``delta``) choose the cost; it is found from the object's
own ``cost.fn``. The sigmoid is the book's; another activation is found from ``feedforward``.

bpstep gives the object its own W and b, calls ``backprop`` per sample, and compares δᵐ and
the gradients layer by layer (their mean over the batch is what the lesson's ∂Ĵ/∂W is at λ = 0).
λ and the 1/m are not in ``backprop``: they are in ``update_mini_batch(mini_batch, eta)``
(network.py) or ``update_mini_batch(mini_batch, eta, lmbda, n)`` (network2.py), which is checked
too when defined: with η = 1 its step is the gradient it used, (1/m) Σ nabla_w + (λ/n) W in
network2's terms, the lesson's λ being lmbda/n.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.checker import calls
from bpstep.checker.analysis import Observation, Value, close
from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.judge import as_array, context, judge
from bpstep.checker.reference import Params, Problem, truth
from bpstep.checker.results import Result, Status, worse
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.shapes.base import method, takes
from bpstep.checker.shapes.whole import Convention, WholeShape, lesson_value, same
from bpstep.checker.slips import match

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode

HERE = "bpstep.checker.shapes.nielsen"
PROBE_SIZES = [2, 3, 1]
QUADRATIC_PROBE = 0.125  # ½‖a − y‖² for a = (0.3, 0.6), y = (0, 1)
CROSS_ENTROPY_PROBE = float(-np.log(0.7) - np.log(0.6))


# ---------------------------------------------------------------------------- in the sandbox


def make(module: Any, cls: str, sizes: list[int], weights: list, biases: list) -> Any:
    net = getattr(module, cls)(list(sizes))
    net.weights = [np.array(W, copy=True) for W in weights]
    net.biases = [np.array(b, copy=True) for b in biases]
    return net


def describe(module: Any, cls: str, sizes: list[int], weights: list, biases: list) -> dict:
    """The cost the class uses (from ``cost.fn`` on a probe) and its feedforward output."""
    net = make(module, cls, sizes, weights, biases)
    cost = getattr(net, "cost", None)
    out: dict[str, Any] = {"cost_class": None, "fn": None, "feedforward": None}
    if cost is not None:
        out["cost_class"] = getattr(cost, "__name__", type(cost).__name__)
        fn = getattr(cost, "fn", None)
        if callable(fn):
            value = fn(np.array([[0.3], [0.6]]), np.array([[0.0], [1.0]]))
            out["fn"] = float(np.asarray(value, dtype=np.float64))
    if callable(getattr(net, "feedforward", None)):
        out["feedforward"] = calls.plain(net.feedforward(np.array([[0.5], [-1.0]])))
    return out


def backprop(module: Any, cls: str, sizes: list[int], weights: list, biases: list, X, Y) -> dict:
    """``backprop(x, y)`` for each column of X, on fresh copies of W and b each time."""
    values, seen = [], []
    for i in range(X.shape[1]):
        net = make(module, cls, sizes, weights, biases)
        out = calls.invoke(net.backprop, X[:, [i]].copy(), Y[:, [i]].copy())
        values.append(out["value"])
        seen += out["warnings"]
    return {"value": values, "warnings": list(dict.fromkeys(seen))}


def update(
    module: Any,
    cls: str,
    sizes: list[int],
    weights: list,
    biases: list,
    X,
    Y,
    eta: float,
    lmbda: float | None,
    n: int,
) -> dict:
    """``update_mini_batch`` on the batch; returns the weights and biases after it."""
    net = make(module, cls, sizes, weights, biases)
    batch = [(X[:, [i]].copy(), Y[:, [i]].copy()) for i in range(X.shape[1])]
    args = (batch, eta) if lmbda is None else (batch, eta, lmbda, n)
    out = calls.invoke(net.update_mini_batch, *args)
    return {
        "weights": calls.plain(net.weights),
        "biases": calls.plain(net.biases),
        "warnings": out["warnings"],
    }


# ---------------------------------------------------------------------------- the shape


class Nielsen(WholeShape):
    name = "nielsen"
    title = "Nielsen's network.py / network2.py"
    looks_like = "a class with backprop(self, x, y) returning (nabla_b, nabla_w) (Nielsen)"
    source = "mnielsen/neural-networks-and-deep-learning src/network.py, src/network2.py"
    per_sample = True
    no_l2_note = "Nielsen's backprop is the gradient of one sample's cost; λ is in the update"

    def recognise(self, report: dict) -> Found | None:
        for cls, entry in report["classes"].items():
            methods = entry["methods"]
            if takes(methods.get("backprop"), [None, None], self_first=True) and takes(
                methods.get("__init__"), [None], self_first=True
            ):
                update_params = method(report, cls, "update_mini_batch")
                info = {"class": cls, "update": None}
                if takes(update_params, [None, None, None, None], self_first=True):
                    info["update"] = "network2"
                elif takes(update_params, [None, None], self_first=True):
                    info["update"] = "network"
                functions = ["backprop"] + (["update_mini_batch"] if info["update"] else [])
                return Found(self.name, functions, [cls], info)
        return None

    def prepare(self, code: LearnerCode) -> None:
        """Which cost and activation the learner's class uses (asked of the object itself)."""
        info = code.found.info
        params = probe_params()
        try:
            out = code.call("backprop", f"{HERE}:describe", info["class"], PROBE_SIZES, *params)
        except LearnerFailure as exc:
            info.update(cost="quadratic", activation="sigmoid", made=str(exc))
            return
        info["cost"] = cost_of(out)
        info["cost_class"] = out["cost_class"]
        info["activation"] = activation_of(out.get("feedforward"), params, info["cost"])

    def defaults(self, found: Found) -> dict[str, Any]:
        return {
            "data": "xor",
            "hidden": [3],
            "activation": found.info.get("activation", "sigmoid"),
            "cost": found.info.get("cost", "quadratic"),
            "lr": 3.0,
            "batch_size": 4,
        }

    def fits(self, found: Found, problem: Problem) -> str | None:
        act, cost = found.info.get("activation", "sigmoid"), found.info.get("cost", "quadratic")
        if set(problem.activations) == {act} and problem.cost == cost:
            return None
        which = found.info.get("cost_class") or "cost_derivative"
        return (
            f"your {found.info['class']} has {act} layers and the {cost} cost ({which}); this "
            f"network is {problem.describe()}: leave out --activation/--cost or match them"
        )

    def reads_l2(self, found: Found) -> bool:
        return False  # backprop takes no λ; update_mini_batch is checked on its own

    def observe(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        l2_argument: float,
    ) -> Observation:
        obs = Observation("backprop")
        cls = code.found.info["class"]
        try:
            out = code.call("backprop", f"{HERE}:backprop", cls, list(problem.sizes), *params, X, Y)
        except LearnerFailure as exc:
            obs.failure = exc
            return obs
        obs.warnings = out["warnings"]
        for i, value in enumerate(out["value"]):
            sample = per_sample(value, problem, i)
            if sample.failure is not None:
                obs.failure = sample.failure
                return obs
            obs.samples.append(sample)
        mean_over_samples(obs, problem)
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
        if code.found.info.get("update"):
            backprop_rows = {(r.layer, r.quantity): r for r in out.results}
            out.results += check_update(
                code, problem, params, X, Y, iteration, options, backprop_rows, out
            )
        return out


def probe_params() -> Params:
    rng = np.random.default_rng(1)
    W = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
    b = [rng.standard_normal((3, 1)), rng.standard_normal((1, 1))]
    return W, b


def cost_of(out: dict) -> str:
    fn = out.get("fn")
    if fn is not None and abs(fn - CROSS_ENTROPY_PROBE) < 1e-9:
        return "cross_entropy"
    if fn is not None and abs(fn - QUADRATIC_PROBE) < 1e-9:
        return "quadratic"
    name = (out.get("cost_class") or "").lower()
    return "cross_entropy" if "cross" in name or "entropy" in name else "quadratic"


def activation_of(ff: object, params: Params, cost: str) -> str:
    """The activation whose forward pass gives the learner's feedforward output."""
    arr, _ = as_array(ff)
    if arr is None:
        return "sigmoid"
    x = np.array([[0.5], [-1.0]])
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "identity"):
        problem = Problem(tuple(PROBE_SIZES), (name, name), "quadratic")
        a = truth(problem, params, x, np.zeros((1, 1))).layers[2].a
        if arr.shape == a.shape and close(arr, a):
            return name
    return "sigmoid"


def per_sample(value: object, problem: Problem, i: int) -> Observation:
    """One sample's (nabla_b, nabla_w) as an observation."""
    obs = Observation("backprop")
    L = problem.L
    if not (isinstance(value, list | tuple) and len(value) == 2):
        what = "None" if value is None else type(value).__name__
        obs.failure = LearnerFailure(
            "returned", f"backprop returned {what}, expected (nabla_b, nabla_w)"
        )
        return obs
    nabla_b, nabla_w = value
    for label, lists in (("nabla_b", nabla_b), ("nabla_w", nabla_w)):
        if not (isinstance(lists, list | tuple) and len(lists) == L):
            got = len(lists) if isinstance(lists, list | tuple) else type(lists).__name__
            obs.failure = LearnerFailure(
                "returned",
                f"backprop's {label} has {got} entries, expected one per layer ({L})",
            )
            return obs
    for m in range(1, L + 1):
        n_m, n_prev = problem.sizes[m], problem.sizes[m - 1]
        obs.b[m] = lesson_value(nabla_b[m - 1], f"nabla_b[{m - 1}]", (n_m, 1), same, same)
        obs.W[m] = lesson_value(nabla_w[m - 1], f"nabla_w[{m - 1}]", (n_m, n_prev), same, same)
    return obs


def mean_over_samples(obs: Observation, problem: Problem) -> None:
    """The batch's gradient, (1/n) Σ over the samples, where every sample's array is usable."""
    for m in range(1, problem.L + 1):
        for part, target in (("W", obs.W), ("b", obs.b)):
            entries = [(s.W if part == "W" else s.b)[m] for s in obs.samples]
            values = [e.array for e in entries if e.array is not None]
            if len(values) < len(entries):  # a sample's array is unusable: show it
                target[m] = next(e for e in entries if e.array is None)
                continue
            mean = np.mean(np.stack(values), axis=0)
            target[m] = Value(mean, f"nabla_{part.lower()}", dtype=entries[0].dtype)
    obs.dtype = obs.W[1].dtype if obs.W else None


# ---------------------------------------------------------------------------- update_mini_batch


def check_update(
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int,
    options: Options,
    backprop_rows: dict,
    out: Checked,
) -> list[Result]:
    """update_mini_batch with η = 1: the step it takes is the gradient it used."""
    network2 = code.found.info["update"] == "network2"
    n_total = options.n_train or X.shape[1]
    lams = [0.0]
    lam1 = problem.l2 or (options.probe_l2 if network2 else None)
    if network2 and lam1:
        lams.append(lam1)
        conv = Convention(
            "lmbda", lambda n: 1.0 / n_total, "λ/(2n)·Σ‖w‖², n the training set's size"
        )
        out.conventions["l2"] = conv.describe(lam1, X.shape[1]) + f", n = {n_total}"
    elif not network2 and problem.l2:
        out.notes.append("network.py's update_mini_batch takes no λ: checked at λ = 0")
    out.notes.append("update_mini_batch is judged by the step it takes with η = 1")
    best: dict = {}
    for lam in lams:
        for r in update_results(
            code, problem, params, X, Y, iteration, lam, n_total, backprop_rows
        ):
            if r.key() not in best or worse(r, best[r.key()]):
                best[r.key()] = r
    return list(best.values())


def update_results(
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int,
    lam: float,
    n_total: int,
    backprop_rows: dict,
) -> list[Result]:
    """update_mini_batch at λ = ``lam`` (network2's lmbda = λ·n): one result per layer and
    parameter, judged by the step it takes with η = 1."""
    network2 = code.found.info["update"] == "network2"
    t = truth(problem, params, X, Y, l2=lam)
    lmbda = lam * n_total if network2 else None
    args = (code.found.info["class"], list(problem.sizes), *params, X, Y, 1.0, lmbda, n_total)
    try:
        got = code.call("update_mini_batch", f"{HERE}:update", *args)
    except LearnerFailure as exc:
        r = Result("update_mini_batch", None, None, Status.ERROR, iteration=iteration, l2=lam)
        r.message = str(exc)
        return [r]
    results = []
    for m in range(problem.L, 0, -1):
        for part in ("W", "b"):
            r = update_result(got, part, m, t, params, iteration)
            if not r.ok and r.user_value is not None:
                row = backprop_rows.get((m, r.quantity))
                follows_backprop(r, r.user_value, t.layers[m], part, lam, row, t)
            results.append(r)
    return results


def update_result(got: dict, part: str, m: int, t, params: Params, iteration: int) -> Result:
    """One parameter's step, W − W_after (η = 1), against the gradient it should be."""
    lt = t.layers[m]
    quantity, ref = ("grad_W", lt.grad_W) if part == "W" else ("grad_b", lt.grad_b)
    old = params[0][m - 1] if part == "W" else params[1][m - 1]
    attr = "weights" if part == "W" else "biases"
    r = Result(
        "update_mini_batch", m, quantity, Status.ERROR, tuple(ref.shape), iteration=iteration
    )
    r.l2, r.warnings = t.l2, list(got["warnings"])
    new = got[attr]
    fits = isinstance(new, list | tuple) and len(new) == t.L
    arr, what = as_array(new[m - 1] if fits else None)
    if arr is None or arr.shape != old.shape:
        got_text = what if arr is None else f"of shape {arr.shape}"
        r.message = (
            f"after update_mini_batch, self.{attr}[{m - 1}] is {got_text}, expected {old.shape}"
        )
        return r
    judge(r, old - arr, context(t, m, quantity, ref))
    return r


def follows_backprop(r: Result, step: np.ndarray, lt, part: str, lam: float, row, t) -> None:
    """Right given their own backprop's mean gradient (plus λW): follows; else its own slip."""
    if row is None or row.user_value is None:
        return
    given = row.user_value + (lam * lt.W if part == "W" else 0.0)
    if not row.ok and close(step, given):
        r.follows = True
        r.slip = r.part = None
        r.hint = "right given your backprop's gradients, which are wrong: it follows from them"
        return
    c = context(t, lt.m, r.quantity or "", given, l2=lam)
    found = match(c, step)
    if found is not None:
        r.slip, r.part, r.hint, r.slip_details = found.code, found.part, found.hint, found.details
