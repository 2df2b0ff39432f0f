"""Proving the learner corpus (issue 11) in plain NumPy, independently of bpstep's checker.

Every file in tests/learners/<shape>/ is a learner's backprop written the way a course teaches it.
For each shape this module holds a small fixed problem (non-zero biases, several samples, λ where
the shape reads it) and a way to call the learner's own code on it:

``observe(entry, options)``
    what the learner's code computed, in the order backprop computes it: the loss, then for
    m = L..1 the lesson's δᵐ, ∂Ĵ/∂Wᵐ and ∂Ĵ/∂bᵐ, as far as the shape shows them (CS231n, Ng and
    deeplearning.ai's week 3/4 return gradients only, so δᵐ shows there only through both
    gradients of its layer). A slip's origin is the first of these that differs from the
    shape's correct file.
``own_fd_errors(entry, options)``
    the learner's gradients against central differences of the learner's own loss (the shape's
    cost convention where the file has no loss of its own), as worst relative errors.

Loading a file "as learners have it" executes only imports that succeed, function and class
definitions and assignments that call nothing (``load``); a notebook's code cells are joined in
order, without magics and ``!`` lines. The real tolerant loader is the checker's job.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent
MANIFEST = ROOT / "manifest.json"
SHAPES = ("bpstep4", "nielsen", "cs231n", "dlai", "ng_ex4")
QUANTITIES = ("loss", "delta", "grad_W", "grad_b")
SLIPS = (
    "missing_fprime",
    "fprime_of_a",
    "transpose",
    "scale",
    "sign",
    "l2_on_bias",
    "missing_l2",
    "l2_scale",
    "a_not_a_prev",
    "softmax_elementwise",
    "softmax_over_batch",
    "keepdims",
    "bias_in_weights",
    "precision",
)
AGREE = 1e-9  # float64 code doing the same maths agrees far below this
DIFFER = 1e-3  # a slip changes what it touches by more than this
FLOAT32 = 1e-4  # float32 maths that is right agrees below this
FD_STEP = 1e-5
L2 = 0.1  # λ for the checks that need one

Observed = list[tuple[tuple[int, str], Any]]  # ((layer m, quantity), value) in backprop order
Arr = np.ndarray


# ---------------------------------------------------------------- loading the learner's file


@dataclass
class Learner:
    path: Path
    ns: dict[str, Any]
    skipped: list[str] = field(default_factory=list)  # one line per top-level statement left out


def code_of(path: Path) -> str:
    """The file's Python: a notebook's code cells in order, without magics and ``!`` lines."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for c in cells:
        if c["cell_type"] == "code":
            src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            lines += [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            lines.append("")
    return "\n".join(lines)


def _docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _runs(node: ast.stmt) -> bool:
    """Definitions, imports, and assignments that call nothing; not training or plotting."""
    if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
        return True
    return isinstance(node, ast.Assign) and not any(
        isinstance(n, ast.Call) for n in ast.walk(node.value)
    )


@cache
def _load_cached(path: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    tree = ast.parse(code_of(path), filename=str(path))
    ns: dict[str, Any] = {"__name__": "learner", "__file__": str(path)}
    skipped = []
    for node in tree.body:
        what = f"line {node.lineno}: {ast.unparse(node).splitlines()[0][:60]}"
        if _docstring(node):
            continue
        if not _runs(node):
            skipped.append(f"{what} (top-level code)")
            continue
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), ns)
        except ImportError as e:
            skipped.append(f"{what} ({type(e).__name__}: {e})")
        except NameError as e:  # an assignment that reads something skipped
            skipped.append(f"{what} (NameError: {e})")
    return ns, tuple(skipped)


def load(path: Path | str) -> Learner:
    path = Path(path) if Path(path).is_absolute() else ROOT / path
    ns, skipped = _load_cached(path)
    return Learner(path, ns, list(skipped))


def manifest() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def entry_for(file: str) -> dict[str, Any]:
    return next(e for e in manifest() if e["file"] == file)


# ---------------------------------------------------------------- comparing and differencing


def rel_error(a: Any, b: Any) -> float:
    """Worst |a − b| over the larger of max|a|, max|b|; inf when the shapes differ.

    Lists (Nielsen's per-sample results) compare item by item.
    """
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        if not isinstance(a, list | tuple) or not isinstance(b, list | tuple) or len(a) != len(b):
            return float("inf")
        return max((rel_error(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b), initial=0.0)) / max(scale, 1e-300)


def numerical_gradients(loss: Callable[[], float], arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Central differences of ``loss()`` w.r.t. every entry of ``arrays`` (changed in place)."""
    grads = []
    for arr in arrays:
        g = np.zeros(arr.shape)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + FD_STEP
            up = loss()
            arr[i] = old - FD_STEP
            down = loss()
            arr[i] = old
            g[i] = (up - down) / (2 * FD_STEP)
        grads.append(g)
    return grads


def call_by_name(fn: Callable[..., Any], args: dict[str, Any]) -> Any:
    """Call ``fn`` with the arguments it names (copies), as bpstep passes the four functions."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return fn(**{k: _copy(v) for k, v in args.items()})
    return fn(**{p.name: _copy(args[p.name]) for p in params if p.name in args})


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def relu_kinks_clear(zs: list[np.ndarray]) -> float:
    """min |z| over ReLU layers: finite differences are only sound well away from z = 0."""
    return min(float(np.min(np.abs(z))) for z in zs)


# ---------------------------------------------------------------- bpstep's four functions


BPSTEP4_SIZES = (3, 4, 3, 2)
BPSTEP4_N = 5


def activations_for(option: str, layers: int) -> list[str]:
    """'sigmoid' for every layer, or 'hidden,output' such as 'tanh,sigmoid'."""
    names = option.split(",")
    if len(names) == 1:
        return names * layers
    return [names[0]] * (layers - 1) + [names[1]]


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    return z


def through(name: str, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """(∂a/∂z)ᵀ g per column: f′(z) ⊙ g, or a ⊙ (g − Σₖ aₖ gₖ) for the softmax."""
    fprime = {"sigmoid": a * (1 - a), "tanh": 1 - a**2, "relu": (z > 0) * 1.0}
    if name == "softmax":
        return a * (g - np.sum(a * g, axis=0, keepdims=True))
    return fprime.get(name, np.ones_like(z)) * g


def lesson_output_delta(z: Arr, a: Arr, y: Arr, activation: str, cost: str) -> Arr:
    """δᴸ = f′(zᴸ) ⊙ (a − y), or a − y for cross-entropy with a sigmoid or softmax output."""
    if cost == "cross_entropy":  # sigmoid or softmax output: f′ cancels
        return a - y
    return through(activation, z, a, a - y)


def lesson_hidden_delta(z: Arr, a: Arr, W_next: Arr, delta_next: Arr, activation: str) -> Arr:
    """δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹."""
    return through(activation, z, a, W_next.T @ delta_next)


def lesson_weight_grad(delta: Arr, a_prev: Arr, W: Arr, l2: float, n: int) -> Arr:
    """∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ."""
    return delta @ a_prev.T / n + l2 * W


def lesson_bias_grad(delta: Arr) -> Arr:
    """∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ, shape (n_m, 1)."""
    return delta.mean(axis=1, keepdims=True)


LESSON = {
    "output_delta": lesson_output_delta,
    "hidden_delta": lesson_hidden_delta,
    "weight_grad": lesson_weight_grad,
    "bias_grad": lesson_bias_grad,
}


@dataclass
class Net:
    """The lesson's network: Ws[m-1] is Wᵐ (n_m, n_{m−1}), bs[m-1] is bᵐ (n_m, 1)."""

    Ws: list[np.ndarray]
    bs: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray
    acts: list[str]
    cost: str
    l2: float

    def forward(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        zs, as_ = [None], [self.x]
        for W, b, f in zip(self.Ws, self.bs, self.acts, strict=True):
            zs.append(W @ as_[-1] + b)
            as_.append(activate(f, zs[-1]))
        return zs, as_

    def cost_value(self) -> float:
        """Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖Wᵐ‖² (bpstep's costs: ½‖a − y‖², or cross-entropy)."""
        a, y = self.forward()[1][-1], self.y
        if self.cost == "quadratic":
            c = 0.5 * np.sum((a - y) ** 2)
        elif self.acts[-1] == "softmax":
            c = -np.sum(y * np.log(a))
        else:
            c = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))
        return c / self.x.shape[1] + self.l2 / 2 * sum(np.sum(W * W) for W in self.Ws)


def bpstep4_net(options: dict[str, Any]) -> Net:
    rng = np.random.default_rng(4)
    sizes, n = BPSTEP4_SIZES, BPSTEP4_N
    acts = activations_for(options.get("activation", "sigmoid"), len(sizes) - 1)
    Ws = [rng.normal(0, 0.8, (o, i)) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(0, 0.5, (o, 1)) for o in sizes[1:]]
    if options.get("zero_bias"):
        bs = [np.zeros_like(b) for b in bs]
    x = rng.normal(0, 1, (sizes[0], n))
    if acts[-1] == "softmax":
        y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], n)]
    else:
        y = rng.uniform(0.1, 0.9, (sizes[-1], n))
    return Net(Ws, bs, x, y, acts, options.get("cost", "quadratic"), options.get("l2", 0.0))


def _layer_args(net: Net, zs, as_, m: int, delta_next) -> dict[str, Any]:
    L = len(net.Ws)
    return dict(
        z=zs[m], a=as_[m], y=net.y, a_prev=as_[m - 1], W=net.Ws[m - 1], b=net.bs[m - 1],
        W_next=net.Ws[m] if m < L else None, delta_next=delta_next, l2=net.l2, layer=m,
        n=net.x.shape[1], activation=net.acts[m - 1], cost=net.cost,
    )  # fmt: skip


def bpstep4_functions(ns: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The learner's four functions; those left out fall back to the lesson's, as in bpstep."""
    return {name: ns.get(name, fallback) for name, fallback in LESSON.items()}


def observe_bpstep4(learner: Learner, options: dict[str, Any]) -> Observed:
    """Each function called on the lesson's own inputs at every layer, as ``bpstep check`` does."""
    net, fns = bpstep4_net(options), bpstep4_functions(learner.ns)
    zs, as_ = net.forward()
    out: Observed = []
    ref_next = None
    for m in range(len(net.Ws), 0, -1):
        args = _layer_args(net, zs, as_, m, ref_next)
        which = "output_delta" if ref_next is None else "hidden_delta"
        out.append(((m, "delta"), call_by_name(fns[which], args)))
        ref = call_by_name(LESSON[which], args)
        args["delta"] = ref
        out.append(((m, "grad_W"), call_by_name(fns["weight_grad"], args)))
        out.append(((m, "grad_b"), call_by_name(fns["bias_grad"], args)))
        ref_next = ref
    return out


def bpstep4_backprop(fns: dict[str, Callable[..., Any]], net: Net) -> list[np.ndarray]:
    """The four functions chained into one backward pass: [∂Ĵ/∂W¹, ∂Ĵ/∂b¹, …]."""
    zs, as_ = net.forward()
    grads: list[np.ndarray] = []
    delta = None
    for m in range(len(net.Ws), 0, -1):
        args = _layer_args(net, zs, as_, m, delta)
        delta = call_by_name(fns["output_delta" if delta is None else "hidden_delta"], args)
        args["delta"] = delta
        layer = [call_by_name(fns["weight_grad"], args), call_by_name(fns["bias_grad"], args)]
        grads = layer + grads
    return grads


def fd_bpstep4(learner: Learner, options: dict[str, Any]) -> dict[str, float]:
    net = bpstep4_net(options)
    mine = bpstep4_backprop(bpstep4_functions(learner.ns), net)
    params = [p for W, b in zip(net.Ws, net.bs, strict=True) for p in (W, b)]
    fd = numerical_gradients(net.cost_value, params)
    names = [f"{q}{m}" for m in range(1, len(net.Ws) + 1) for q in ("W", "b")]
    return {k: rel_error(g, f) for k, g, f in zip(names, mine, fd, strict=True)}


# ---------------------------------------------------------------- Nielsen's network.py, network2.py


NIELSEN_SIZES = [3, 4, 3, 2]


def nielsen_net(learner: Learner, options: dict[str, Any]) -> Any:
    """``Network(sizes)`` (``cost=`` the named class for network2), given fixed W and b."""
    rng = np.random.default_rng(7)
    cls = learner.ns["Network"]
    cost = options.get("cost")
    net = cls(list(NIELSEN_SIZES), cost=learner.ns[cost]) if cost else cls(list(NIELSEN_SIZES))
    pairs = zip(NIELSEN_SIZES[:-1], NIELSEN_SIZES[1:], strict=True)
    net.weights = [rng.normal(0, 0.8, (o, i)) for i, o in pairs]
    net.biases = [rng.normal(0, 0.5, (o, 1)) for o in NIELSEN_SIZES[1:]]
    if options.get("zero_bias"):
        net.biases = [np.zeros_like(b) for b in net.biases]
    return net


def nielsen_samples() -> list[tuple[np.ndarray, np.ndarray]]:
    """Three samples, x a column (3, 1) and y a column (2, 1), as mnist_loader gives them."""
    rng = np.random.default_rng(8)
    return [(rng.normal(0, 1, (3, 1)), rng.uniform(0.1, 0.9, (2, 1))) for _ in range(3)]


def observe_nielsen(learner: Learner, options: dict[str, Any]) -> Observed:
    """``backprop(x, y)`` per sample: nabla_b[m−1] is δᵐ of that sample, nabla_w[m−1] ∂Cₓ/∂Wᵐ."""
    net = nielsen_net(learner, options)
    per_sample = [net.backprop(x.copy(), y.copy()) for x, y in nielsen_samples()]
    out: Observed = []
    for m in range(len(NIELSEN_SIZES) - 1, 0, -1):
        out.append(((m, "delta"), [nb[m - 1] for nb, _ in per_sample]))
        out.append(((m, "grad_W"), [nw[m - 1] for _, nw in per_sample]))
    return out


def nielsen_cost(net: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Cₓ: network2's own ``cost.fn``; network.py's ½‖a − y‖² (its cost_derivative is a − y)."""
    a = net.feedforward(x)
    if hasattr(net, "cost"):
        return float(net.cost.fn(a, y))
    return 0.5 * float(np.sum((a - y) ** 2))


def fd_nielsen(learner: Learner, options: dict[str, Any]) -> dict[str, float]:
    net = nielsen_net(learner, options)
    errors: dict[str, float] = {}
    for i, (x, y) in enumerate(nielsen_samples()):
        nabla_b, nabla_w = net.backprop(x.copy(), y.copy())
        fd = numerical_gradients(lambda x=x, y=y: nielsen_cost(net, x, y), net.weights + net.biases)
        n = len(net.weights)
        for m in range(1, n + 1):
            errors[f"sample {i} W{m}"] = rel_error(nabla_w[m - 1], fd[m - 1])
            errors[f"sample {i} b{m}"] = rel_error(nabla_b[m - 1], fd[n + m - 1])
    return errors


# ---------------------------------------------------------------- CS231n TwoLayerNet


def cs231n_problem(options: dict[str, Any]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """N = 5 samples (rows), D = 4, H = 6, C = 3 classes; W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""
    rng = np.random.default_rng(231)
    params = {
        "W1": rng.normal(0, 0.6, (4, 6)),
        "b1": rng.normal(0, 0.4, 6),
        "W2": rng.normal(0, 0.6, (6, 3)),
        "b2": rng.normal(0, 0.4, 3),
    }
    if options.get("zero_bias"):
        params["b1"], params["b2"] = np.zeros(6), np.zeros(3)
    X = rng.normal(0, 1, (5, 4))
    y = np.array([0, 2, 1, 2, 0])
    return params, X, y


def cs231n_net(learner: Learner, params: dict[str, np.ndarray]) -> Any:
    net = learner.ns["TwoLayerNet"](4, 6, 3)
    net.params = {k: v.copy() for k, v in params.items()}
    return net


def observe_cs231n(learner: Learner, options: dict[str, Any]) -> Observed:
    params, X, y = cs231n_problem(options)
    loss, grads = cs231n_net(learner, params).loss(X.copy(), y=y.copy(), reg=options.get("l2", 0.0))
    return [
        ((2, "loss"), loss),
        ((2, "grad_W"), grads["W2"]),
        ((2, "grad_b"), grads["b2"]),
        ((1, "grad_W"), grads["W1"]),
        ((1, "grad_b"), grads["b1"]),
    ]


def fd_cs231n(learner: Learner, options: dict[str, Any]) -> dict[str, float]:
    params, X, y = cs231n_problem(options)
    net, reg = cs231n_net(learner, params), options.get("l2", 0.0)
    grads = net.loss(X, y=y, reg=reg)[1]
    keys = ["W1", "b1", "W2", "b2"]
    fd = numerical_gradients(
        lambda: float(net.loss(X, y=y, reg=reg)[0]), [net.params[k] for k in keys]
    )
    return {k: rel_error(grads[k], f) for k, f in zip(keys, fd, strict=True)}


# ---------------------------------------------------------------- deeplearning.ai


DLAI_DIMS = {"planar": [2, 4, 1], "deep": [3, 4, 3, 1], "gradient_check": [4, 5, 3, 1]}


def dlai_part(learner: Learner) -> str:
    """Which assignment: course 2's gradient checking, course 1 week 4, or week 3 (planar)."""
    if "backward_propagation_n" in learner.ns:
        return "gradient_check"
    if "L_model_backward" in learner.ns:
        return "deep"
    return "planar"


def dlai_problem(part: str, options: dict[str, Any]) -> tuple[dict[str, Arr], Arr, Arr]:
    """parameters W1, b1, … (bᵐ a column, non-zero), X (n_x, m = 5), Y (1, m) of 0s and 1s."""
    rng = np.random.default_rng(1)
    dims = DLAI_DIMS[part]
    parameters = {}
    for m in range(1, len(dims)):
        parameters[f"W{m}"] = rng.normal(0, 0.8, (dims[m], dims[m - 1]))
        parameters[f"b{m}"] = rng.normal(0, 0.4, (dims[m], 1))
        if options.get("zero_bias"):
            parameters[f"b{m}"][:] = 0.0
    X = rng.normal(0, 1, (dims[0], 5))
    Y = np.array([[1, 0, 0, 1, 1]])
    return parameters, X, Y


def cross_entropy(A: np.ndarray, Y: np.ndarray) -> float:
    """The course's cost −(1/m) Σ [y log a + (1 − y) log(1 − a)]."""
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / Y.shape[1])


def dlai_run(learner: Learner, parameters, X, Y) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and the grads dict, through the assignment's own pair of functions."""
    ns, part = learner.ns, dlai_part(learner)
    p = {k: v.copy() for k, v in parameters.items()}
    if part == "gradient_check":
        cost, cache = ns["forward_propagation_n"](X.copy(), Y.copy(), p)
        return float(np.squeeze(cost)), ns["backward_propagation_n"](X.copy(), Y.copy(), cache)
    if part == "deep":
        AL, caches = ns["L_model_forward"](X.copy(), p)
        return cross_entropy(AL, Y), ns["L_model_backward"](AL, Y.copy(), caches)
    A2, cache = ns["forward_propagation"](X.copy(), p)
    return cross_entropy(A2, Y), ns["backward_propagation"](p, cache, X.copy(), Y.copy())


def dlai_loss(learner: Learner, parameters, X, Y) -> float:
    ns, part = learner.ns, dlai_part(learner)
    if part == "gradient_check":
        return float(np.squeeze(ns["forward_propagation_n"](X, Y, parameters)[0]))
    forward = ns["L_model_forward" if part == "deep" else "forward_propagation"]
    return cross_entropy(forward(X, parameters)[0], Y)


def observe_dlai(learner: Learner, options: dict[str, Any]) -> Observed:
    """The loss, then dZ (= δᵐ per sample; gradient checking only), dW, db for m = L..1."""
    part = dlai_part(learner)
    parameters, X, Y = dlai_problem(part, options)
    loss, grads = dlai_run(learner, parameters, X, Y)
    L = len(DLAI_DIMS[part]) - 1
    out: Observed = [((L, "loss"), loss)]
    for m in range(L, 0, -1):
        if part == "gradient_check":
            out.append(((m, "delta"), grads[f"dZ{m}"]))
        out.append(((m, "grad_W"), grads[f"dW{m}"]))
        out.append(((m, "grad_b"), grads[f"db{m}"]))
    return out


def fd_dlai(learner: Learner, options: dict[str, Any]) -> dict[str, float]:
    parameters, X, Y = dlai_problem(dlai_part(learner), options)
    grads = dlai_run(learner, parameters, X, Y)[1]
    keys = list(parameters)
    fd = numerical_gradients(
        lambda: dlai_loss(learner, parameters, X, Y), [parameters[k] for k in keys]
    )
    return {k: rel_error(grads["d" + k], f) for k, f in zip(keys, fd, strict=True)}


# ---------------------------------------------------------------- Andrew Ng's ex4 (Python ports)


NG = {"input": 3, "hidden": 5, "labels": 3, "m": 6}


def ng_problem(conventions: dict[str, Any], options: dict[str, Any]) -> tuple[Arr, Arr, Arr]:
    """Θ¹ (hidden, input+1) and Θ² (labels, hidden+1) with their bias columns, unrolled in the
    file's order; X (m, input); y labels 0..K−1 or 1..K as the file counts them."""
    rng = np.random.default_rng(4)
    h, i, k = NG["hidden"], NG["input"], NG["labels"]
    Theta1, Theta2 = rng.normal(0, 0.7, (h, i + 1)), rng.normal(0, 0.7, (k, h + 1))
    if options.get("zero_bias"):
        Theta1[:, 0], Theta2[:, 0] = 0.0, 0.0
    order = conventions.get("order", "C")
    nn_params = np.concatenate([Theta1.ravel(order=order), Theta2.ravel(order=order)])
    X = rng.normal(0, 1, (NG["m"], i))
    y = np.array([0, 1, 2, 2, 1, 0]) + conventions.get("labels", 0)
    return nn_params, X, y


def ng_call(learner: Learner, nn_params, X, y, lam: float) -> tuple[float, np.ndarray]:
    J, grad = learner.ns["nnCostFunction"](
        nn_params.copy(), NG["input"], NG["hidden"], NG["labels"], X.copy(), y.copy(), lam
    )
    return float(np.squeeze(J)), np.asarray(grad).ravel()


def ng_split(grad: np.ndarray, order: str) -> tuple[np.ndarray, np.ndarray]:
    """Θ¹ and Θ² gradients from the unrolled vector, Θ² taken from its end: a Θ¹ gradient of the
    wrong size (an extra bias row) stays a flat vector of that size."""
    h, i, k = NG["hidden"], NG["input"], NG["labels"]
    t2 = grad[-k * (h + 1) :].reshape((k, h + 1), order=order)
    t1 = grad[: -k * (h + 1)]
    if t1.size == h * (i + 1):
        t1 = t1.reshape((h, i + 1), order=order)
    return t1, t2


def observe_ng(learner: Learner, options: dict[str, Any], conventions: dict[str, Any]) -> Observed:
    """J, then per layer Θ's weight columns as ∂Ĵ/∂W and its bias column as ∂Ĵ/∂b."""
    nn_params, X, y = ng_problem(conventions, options)
    J, grad = ng_call(learner, nn_params, X, y, options.get("l2", 0.0))
    t1, t2 = ng_split(grad, conventions.get("order", "C"))
    out: Observed = [((2, "loss"), J), ((2, "grad_W"), t2[:, 1:]), ((2, "grad_b"), t2[:, 0])]
    if t1.ndim == 2:
        return out + [((1, "grad_W"), t1[:, 1:]), ((1, "grad_b"), t1[:, 0])]
    return out + [((1, "grad_W"), t1), ((1, "grad_b"), t1)]


def fd_ng(
    learner: Learner, options: dict[str, Any], conventions: dict[str, Any]
) -> dict[str, float]:
    nn_params, X, y = ng_problem(conventions, options)
    lam = options.get("l2", 0.0)
    grad = ng_call(learner, nn_params, X, y, lam)[1]
    (fd,) = numerical_gradients(lambda: ng_call(learner, nn_params, X, y, lam)[0], [nn_params])
    order = conventions.get("order", "C")
    (t1, t2), (f1, f2) = ng_split(grad, order), ng_split(fd, order)
    return {"Theta1": rel_error(t1, f1), "Theta2": rel_error(t2, f2)}


# ---------------------------------------------------------------- one entry point per question


LAYERS = {"bpstep4": 3, "nielsen": 3, "cs231n": 2, "ng_ex4": 2}
READS_L2 = {"bpstep4", "cs231n", "ng_ex4"}


def layers_of(entry: dict[str, Any]) -> int:
    if entry["shape"] == "dlai":
        return len(DLAI_DIMS[dlai_part(load(entry["file"]))]) - 1
    return LAYERS[entry["shape"]]


def delta_observable(entry: dict[str, Any]) -> bool:
    """Whether the shape returns δᵐ itself (else it shows only through ∂Ĵ/∂Wᵐ and ∂Ĵ/∂bᵐ)."""
    if entry["shape"] == "dlai":
        return dlai_part(load(entry["file"])) == "gradient_check"
    return entry["shape"] in ("bpstep4", "nielsen")


def observe(entry: dict[str, Any], options: dict[str, Any]) -> Observed:
    learner, shape = load(entry["file"]), entry["shape"]
    if shape == "ng_ex4":
        return observe_ng(learner, options, entry.get("conventions", {}))
    return {
        "bpstep4": observe_bpstep4,
        "nielsen": observe_nielsen,
        "cs231n": observe_cs231n,
        "dlai": observe_dlai,
    }[shape](learner, options)


def own_fd_errors(entry: dict[str, Any], options: dict[str, Any]) -> dict[str, float]:
    learner, shape = load(entry["file"]), entry["shape"]
    if shape == "ng_ex4":
        return fd_ng(learner, options, entry.get("conventions", {}))
    return {
        "bpstep4": fd_bpstep4,
        "nielsen": fd_nielsen,
        "cs231n": fd_cs231n,
        "dlai": fd_dlai,
    }[shape](learner, options)


def differences(
    entry: dict[str, Any], options: dict[str, Any]
) -> list[tuple[tuple[int, str], float]]:
    """Relative difference from the entry's correct file, per observed quantity, in order."""
    mine = observe(entry, options)
    ref = dict(observe(entry_for(entry["reference"]), options))
    return [(key, rel_error(value, ref[key])) for key, value in mine]


def first_difference(diffs: list[tuple[tuple[int, str], float]]) -> tuple[int, str] | None:
    """The first observed quantity, in backprop order, that does not agree (None: all agree)."""
    return next((key for key, rel in diffs if rel >= AGREE), None)


def where_it_shows(entry: dict[str, Any], origin: dict[str, Any]) -> set[tuple[int, str]]:
    """The observed quantities that stand for the origin: δᵐ itself where the shape returns it,
    else the two gradients of layer m that δᵐ feeds (the first of them differs first)."""
    m, q = origin["layer"], origin["quantity"]
    if q == "delta" and not delta_observable(entry):
        return {(m, "grad_W"), (m, "grad_b")}
    return {(m, q)}


def untouched_sibling(entry: dict[str, Any], origin: dict[str, Any]) -> tuple[int, str] | None:
    """For a slip in one gradient of layer m, the other gradient of that layer, which it leaves
    right; this is what tells it from a slip in δᵐ where the shape does not return δ. None for
    Ng's Θ, whose weight and bias columns come out of one product Δ = δ aᵀ."""
    m, q = origin["layer"], origin["quantity"]
    if q not in ("grad_W", "grad_b") or delta_observable(entry) or entry["shape"] == "ng_ex4":
        return None
    return (m, "grad_b" if q == "grad_W" else "grad_W")


def measure(entry: dict[str, Any]) -> dict[str, Any]:
    """What the harness sees for one slip file: its first difference from the correct file
    (with the manifest's options) and the relative difference at every observed quantity."""
    diffs = differences(entry, {**entry["options"]})
    return {"first": first_difference(diffs), "diffs": dict(diffs)}


def _fmt(rel: float) -> str:
    return "shape" if rel == float("inf") else f"{rel:.1e}"


def main() -> None:
    """Print what the harness measures for every file (``python tests/learners/harness.py``)."""
    for e in manifest():
        if e["slip"] is None:
            options = {"l2": L2} if e["shape"] in READS_L2 else {}
            worst = max(own_fd_errors(e, options).values())
            print(f"{e['file']:54} correct: worst vs FD of its own loss {worst:.1e}")
        elif e["slip"] == "precision":
            worst = max(rel for _, rel in differences(e, e["options"]))
            print(f"{e['file']:54} precision: worst vs {e['reference']} {worst:.1e}")
        else:
            seen = measure(e)
            at = seen["diffs"][seen["first"]] if seen["first"] else 0.0
            named = (e["origin"]["layer"], e["origin"]["quantity"])
            print(
                f"{e['file']:54} {e['slip']}: origin {named}, differs first at "
                f"{seen['first']} by {_fmt(at)}"
            )


if __name__ == "__main__":
    main()
