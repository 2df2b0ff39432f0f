"""Checking a learner's hand-derived gradient functions against the engine (issue 5).

The learner writes a plain Python file defining any of::

    def output_delta(z, a, y): ...                 # δᴸ = ∂C/∂zᴸ, per sample (columns)
    def hidden_delta(z, W_next, delta_next): ...   # δᵐ from δᵐ⁺¹
    def weight_grad(delta, a_prev, W, l2): ...     # ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λ Wᵐ
    def bias_grad(delta): ...                      # ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ

A missing function falls back to the engine's. ``output_delta`` is called at the output layer
m = L, ``hidden_delta`` at every hidden layer m = L−1..1, the two gradients at every layer.

Arguments are passed by parameter name, so a function asks only for what its formula uses.
The names accepted (``ARGUMENTS``), always the engine's own values at layer m:

    z           zᵐ = Wᵐ aᵐ⁻¹ + bᵐ, (n_m, n)
    a           aᵐ = f(zᵐ), (n_m, n)
    y           the batch's targets, (n_L, n)
    a_prev      aᵐ⁻¹ (a⁰ = x), (n_{m−1}, n)
    W, b        Wᵐ (n_m, n_{m−1}) and bᵐ (n_m, 1)
    W_next      Wᵐ⁺¹, (n_{m+1}, n_m); None at the output layer
    delta_next  δᵐ⁺¹, (n_{m+1}, n); None at the output layer
    delta       δᵐ, (n_m, n): for weight_grad and bias_grad only (it is what the δ functions
                compute, so asking for it there is a finding)
    l2          λ, a float;  layer  m, an int (1..L);  n  the batch size, an int
    activation  this layer's activation name ('sigmoid', 'tanh', 'relu', 'leaky_relu',
                'identity', 'softmax');  cost  'quadratic' or 'cross_entropy'

f′(z) is deliberately not offered: deriving it is part of the exercise (``activation`` says which).
Parameter rules: a name outside the set is a finding that lists the accepted ones, unless the
parameter has a default (then it keeps its default, for helpers such as ``eps=1e-12``);
``**kwargs`` receives every accepted name not already named; ``*args`` is a finding (arguments
are passed by name only); positional-only parameters (before ``/``) are passed by position.

Each function gets the engine's own (reference) inputs, so one wrong formula is reported where
it is wrong rather than smeared over every layer below it. Its result is compared with the
engine's value (``status`` comes from this: agreement means a worst relative error below
``AGREE`` = 1e-6, with the CS231n bands of ``gradcheck``) and with finite differences
(``fd_rel_error``): for ∂Ĵ/∂W and ∂Ĵ/∂b, ``gradcheck.numerical_gradient`` (fourth order); for δᵐ,
central differences of Ĵ with respect to zᵐ fed forward through layers m+1..L, times n (since
Ĵ = (1/n) Σᵢ Cᵢ + L2 and the L2 term does not depend on z, δᵐ_{ji} = n ∂Ĵ/∂zᵐ_{ji}).

The learner's code failing is a finding (status "error"), not a crash: an exception names the
learner's own file, line and message; a wrong shape, type or None says what was expected and
why. Only a missing file, a syntax error or a module that fails to import raises
``UserCodeError`` (a usage error).

Nothing here prints: results are plain dataclasses for ``bpstep check`` and the TUI.
"""

from __future__ import annotations

import inspect
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpstep.engine.errors import UserCodeError
from bpstep.engine.events import BackwardEvent
from bpstep.engine.gradcheck import band, numerical_gradient, relative_error
from bpstep.notation import sup
from bpstep.session.deadline import TIME_LIMIT, TimeLimit, call_with_time_limit

AGREE = 1e-6  # relative error below which the learner's value agrees
FD_ENTRIES = 400  # finite differences of at most this many entries per array (sampled)

FUNCTIONS: dict[str, str] = {
    "output_delta": "δᴸ (output layer error)",
    "hidden_delta": "δᵐ from δᵐ⁺¹ (hidden layers)",
    "weight_grad": "∂Ĵ/∂Wᵐ",
    "bias_grad": "∂Ĵ/∂bᵐ",
}

ARGUMENTS: dict[str, str] = {
    "z": "zᵐ, this layer's weighted input, (n_m, batch)",
    "a": "aᵐ = f(zᵐ), (n_m, batch)",
    "y": "the targets of the batch, (n_L, batch)",
    "a_prev": "aᵐ⁻¹, the previous layer's activation (a⁰ = x), (n_{m-1}, batch)",
    "W": "Wᵐ, (n_m, n_{m-1})",
    "b": "bᵐ, (n_m, 1)",
    "W_next": "Wᵐ⁺¹, (n_{m+1}, n_m); None at the output layer",
    "delta_next": "δᵐ⁺¹, (n_{m+1}, batch); None at the output layer",
    "delta": "δᵐ (the engine's), (n_m, batch); weight_grad and bias_grad only",
    "l2": "λ, the L2 strength (a float)",
    "layer": "m, the layer number (1..L)",
    "n": "the batch size",
    "activation": "this layer's activation name, e.g. 'sigmoid'",
    "cost": "the cost name, 'quadratic' or 'cross_entropy'",
}

# what a δ function computes cannot be one of its inputs
FORBIDDEN: dict[str, set[str]] = {"output_delta": {"delta"}, "hidden_delta": {"delta"}}


@dataclass
class CallPlan:
    """How to call one of the learner's functions: which accepted names go where."""

    positional: list[str] = field(default_factory=list)  # positional-only parameters, in order
    keywords: list[str] = field(default_factory=list)
    var_keyword: bool = False  # **kwargs: receives every accepted name not already named
    problem: str | None = None  # why it cannot be called (a finding at every layer)


@dataclass
class UserModule:
    """The learner's file, loaded: which functions it defines and the parameters they ask for."""

    path: Path
    functions: dict[str, Callable[..., Any]]
    params: dict[str, list[str]]  # the accepted names each function receives
    plans: dict[str, CallPlan] = field(default_factory=dict)
    time_limit: float | None = TIME_LIMIT  # seconds per call; None: no limit
    timed_out: dict[str, str] = field(default_factory=dict)  # function → where it was stopped

    @property
    def defined(self) -> list[str]:
        return [name for name in FUNCTIONS if name in self.functions]

    @property
    def fallbacks(self) -> list[str]:
        return [name for name in FUNCTIONS if name not in self.functions]


@dataclass
class Finding:
    """The check of one function at one layer (and iteration).

    ``status``: "agree" (worst relative error < AGREE), "disagree", or "error" (the learner's
    code raised, returned the wrong shape/type/None, or asked for an unknown argument).
    ``first_wrong``: (0-based index, yours, reference) of the first entry that disagrees.
    """

    function: str
    layer: int
    status: str  # "agree" | "disagree" | "error"
    expected_shape: tuple[int, ...]
    rel_error: float | None = None  # worst relative error against the engine
    fd_rel_error: float | None = None  # worst relative error against finite differences
    band: str | None = None
    first_wrong: tuple[tuple[int, ...], float, float] | None = None  # index, yours, reference
    hint: str | None = None
    message: str | None = None
    iteration: int = 0
    warnings: list[str] = field(default_factory=list)  # NumPy/Python warnings from their code
    user_value: np.ndarray | None = field(default=None, repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "agree"

    @property
    def symbol(self) -> str:
        m = sup(self.layer)
        return {
            "output_delta": f"δ{m}",
            "hidden_delta": f"δ{m}",
            "weight_grad": f"∂Ĵ/∂W{m}",
            "bias_grad": f"∂Ĵ/∂b{m}",
        }[self.function]


# ---------------------------------------------------------------------------- loading


def load_user_module(path, time_limit: float | None = TIME_LIMIT) -> UserModule:
    """Import the learner's file. UserCodeError (a usage error) if it is missing, has a syntax
    error or fails (or runs past ``time_limit`` seconds) while importing; the message points at
    the file and line. Each later call of the learner's functions has the same time limit.

    The file's folder is on ``sys.path`` while it imports, so it may import a helper module
    next to it. Each call imports afresh (the TUI reloads after the learner edits the file).
    """
    path = Path(path)
    accepted = f"a Python file defining any of {', '.join(FUNCTIONS)}"
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        raise UserCodeError(f"cannot read {path}: {what} ({accepted})")
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise UserCodeError(f"cannot read {path}: {exc.strerror} ({accepted})") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:  # IndentationError included
        kind = "indentation error" if isinstance(exc, IndentationError) else "syntax error"
        raise UserCodeError(f"{path}:{exc.lineno}: {kind}: {exc.msg}") from None
    except ValueError as exc:  # e.g. null bytes
        raise UserCodeError(f"{path}: not Python source: {exc}") from None
    name = f"bpstep_user_{abs(hash(str(path.resolve())))}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    folder = str(path.resolve().parent)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    sys.path.insert(0, folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call_with_time_limit(time_limit, exec, code, module.__dict__)
    except (Exception, SystemExit, TimeLimit) as exc:  # the learner's module body failed
        sys.modules.pop(name, None)
        raise UserCodeError(
            f"{_where(exc, path)}: {_describe(exc)} (while importing {path.name})"
        ) from None
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
    functions = {n: module.__dict__[n] for n in FUNCTIONS if callable(module.__dict__.get(n))}
    if not functions:
        raise UserCodeError(f"{path} defines none of {', '.join(FUNCTIONS)}: nothing to check")
    plans = {n: _plan(n, fn) for n, fn in functions.items()}
    params = {
        n: p.positional + p.keywords + (["**"] if p.var_keyword else []) for n, p in plans.items()
    }
    return UserModule(path, functions, params, plans, time_limit)


def _plan(function: str, fn) -> CallPlan:
    """Map the parameters of ``fn`` to the accepted argument names (see the module docstring)."""
    plan = CallPlan()
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        plan.problem = f"{function}: cannot read its parameters; define it with def"
        return plan
    accepted = ", ".join(ARGUMENTS)
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            plan.problem = (
                f"{function}(*{p.name}): arguments are passed by name only; name the ones "
                f"you need among: {accepted}"
            )
            return plan
        if p.kind is p.VAR_KEYWORD:
            plan.var_keyword = True
            continue
        if p.name in FORBIDDEN.get(function, ()):
            plan.problem = (
                f"{function} asks for {p.name!r}, which is what it must compute; "
                f"use z, a, y, W_next, delta_next… instead"
            )
            return plan
        if p.name not in ARGUMENTS:
            if p.default is not p.empty and p.kind is not p.POSITIONAL_ONLY:
                continue  # a helper parameter with a default keeps its default
            plan.problem = (
                f"{function} asks for an unknown argument {p.name!r}; accepted names: {accepted}"
            )
            return plan
        (plan.positional if p.kind is p.POSITIONAL_ONLY else plan.keywords).append(p.name)
    return plan


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _where(exc: BaseException, path: Path) -> str:
    """file:line of the innermost frame of the learner's own file in the traceback."""
    target = str(path.resolve())
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            if str(Path(frame.filename).resolve()) == target:
                line = frame.lineno
        except OSError:
            continue
    return f"{path}:{line}" if line else str(path)


# ---------------------------------------------------------------------------- checking


def _arguments(ev: BackwardEvent, network, Y: np.ndarray) -> dict[str, object]:
    """Every accepted argument at the layer of ``ev``: copies, so their code cannot change ours."""
    m = ev.layer

    def copy(x):
        return None if x is None else np.array(x, dtype=np.float64, copy=True)

    return {
        "z": copy(ev.z),
        "a": copy(ev.a),
        "y": copy(Y),
        "a_prev": copy(ev.a_prev),
        "W": copy(ev.W),
        "b": copy(network.biases[m - 1]),
        "W_next": copy(ev.W_next),
        "delta_next": copy(ev.delta_next),
        "delta": copy(ev.delta),
        "l2": float(ev.l2),
        "layer": int(m),
        "n": int(ev.batch_size),
        "activation": network.activation_names[m - 1],
        "cost": network.cost_name,
    }


def _shape_name(function: str, m: int) -> str:
    sm = sup(m)
    return {
        "output_delta": f"δ{sm} must be shaped like z{sm}",
        "hidden_delta": f"δ{sm} must be shaped like z{sm}",
        "weight_grad": f"∂Ĵ/∂W{sm} must be shaped like W{sm}",
        "bias_grad": f"∂Ĵ/∂b{sm} must be shaped like b{sm}",
    }[function]


def _reference(function: str, ev: BackwardEvent) -> np.ndarray:
    return {
        "output_delta": ev.delta,
        "hidden_delta": ev.delta,
        "weight_grad": ev.grad_W,
        "bias_grad": ev.grad_b,
    }[function]


def check_function(
    um: UserModule,
    function: str,
    ev: BackwardEvent,
    network,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int = 0,
    finite_differences: bool = True,
) -> Finding:
    """Call the learner's ``function`` for the layer of ``ev`` with the engine's inputs and
    compare its result with the engine's (and with finite differences)."""
    m = ev.layer
    reference = np.asarray(_reference(function, ev))
    f = Finding(
        function, m, "error", tuple(reference.shape), iteration=iteration, reference=reference
    )
    plan = um.plans.get(function) or _plan(function, um.functions[function])
    if plan.problem:
        f.message = plan.problem
        return f
    if function in um.timed_out:  # one endless loop is enough: do not wait for it again
        f.message = f"not run again: {um.timed_out[function]} (an endless loop?)"
        return f
    args = _arguments(ev, network, Y)
    pos = [args[p] for p in plan.positional]
    kw = {p: args[p] for p in plan.keywords}
    if plan.var_keyword:
        kw.update({k: v for k, v in args.items() if k not in kw and k not in plan.positional})
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            value = call_with_time_limit(um.time_limit, um.functions[function], *pos, **kw)
        except (Exception, SystemExit, TimeLimit) as exc:
            f.message = f"{_where(exc, um.path)}: {_describe(exc)}"
            if isinstance(exc, TimeLimit):
                um.timed_out[function] = f"it ran past {um.time_limit:g} s at {f.symbol}"
            f.hint = _exception_hint(function, exc)
            return f
        finally:
            f.warnings = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    expected = f"expected {reference.shape}: {_shape_name(function, m)}"
    if value is None:
        f.message = f"{function} returned None, {expected} (a missing return?)"
        return f
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            user = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, np.exceptions.ComplexWarning):
        f.message = f"{function} returned a {type(value).__name__}, not numbers; {expected}"
        return f
    if user.shape != reference.shape:
        f.message = f"{function} returned shape {user.shape}, {expected}"
        f.hint = _shape_hint(function, user, reference, ev)
        return f
    f.user_value = user
    with np.errstate(all="ignore"):
        rel = relative_error(user, reference)
    rel = np.where(np.isfinite(user), rel, np.inf)
    f.rel_error = float(rel.max()) if rel.size else 0.0
    f.band = band(f.rel_error)
    if finite_differences:
        f.fd_rel_error = _fd_error(function, user, ev, network, X, Y)
    if f.rel_error < AGREE:
        f.status = "agree"
        return f
    f.status = "disagree"
    bad = np.argwhere(~(rel < AGREE))
    idx = tuple(int(i) for i in bad[0]) if len(bad) else (0,) * user.ndim
    f.first_wrong = (idx, float(user[idx]), float(reference[idx]))
    f.hint = _hint(function, user, reference, ev, network)
    return f


def _exception_hint(function: str, exc: BaseException) -> str | None:
    text = str(exc)
    if not isinstance(exc, ValueError) or not (
        "matmul" in text or "not aligned" in text or "broadcast" in text
    ):
        return None
    return {
        "output_delta": "the shapes do not line up: z, a and y are all (n_L, n), one column "
        "per sample; δᴸ is elementwise",
        "hidden_delta": "the shapes do not line up: δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹ uses the "
        "transpose W_next.T, (n_m, n_{m+1}) @ (n_{m+1}, n)",
        "weight_grad": "the shapes do not line up: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ, "
        "(n_m, n) @ (n, n_{m−1}): delta @ a_prev.T",
        "bias_grad": "the shapes do not line up: ∂Ĵ/∂bᵐ is the mean of δᵐ's columns, "
        "delta.mean(axis=1, keepdims=True)",
    }[function]


def _shape_hint(function: str, user, ref, ev: BackwardEvent) -> str | None:
    n = ev.batch_size
    if ref.ndim == 2 and user.shape == ref.shape[::-1]:
        return "it is the transpose of the right shape: a missing or extra transpose"
    if function == "bias_grad":
        if user.shape in ((n,), (1, n)):
            return (
                "averaged over the wrong axis: samples are columns, so average over axis=1 "
                "with keepdims=True"
            )
        if user.shape == (ref.shape[0],):
            return "average over the batch with keepdims=True to keep the column shape (n_m, 1)"
    if user.size == 1 and ref.size > 1:
        return "a single number: a sum or mean over every entry instead of over the batch?"
    if ref.ndim == 2 and user.ndim == 2 and user.shape[1] == n and ref.shape[1] == 1:
        return "one column per sample: the gradient is the mean over the batch (axis=1)"
    return None


def _close(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(a, b, rtol=1e-6, atol=1e-12))


def _hint(function: str, user, ref, ev: BackwardEvent, network) -> str | None:
    """A common slip that fits the numbers, if one does."""
    n = ev.batch_size
    lam = ev.l2
    if _close(user, -ref):
        return "wrong sign: yours is exactly −1 × the reference"
    if function == "output_delta" and network.cost_name == "quadratic" and _close(user, 2 * ref):
        return "yours is exactly 2 × the reference: the ½ in C = ½‖a − y‖² cancels the 2"
    if function in ("output_delta", "hidden_delta"):
        fp = ev.fprime
        if fp is not None and _close(fp, np.ones_like(fp)):
            fp = None  # identity: f′ = 1 explains nothing
        if function == "output_delta" and ev.fused and fp is not None and _close(user, ref * fp):
            return (
                "f′(z) not needed here: with cross-entropy and a sigmoid or softmax output "
                "it cancels, δᴸ = a − y"
            )
        if function == "output_delta" and ev.dC_da is not None and _close(user, ev.dC_da):
            return "missing f′(z): yours is ∂C/∂a, not ∂C/∂z = ∂C/∂a ⊙ f′(z)"
        if fp is not None and _close(user * fp, ref):
            return "missing f′(z): yours equals the reference divided by f′(z)"
        if fp is not None and _close(user, ref * fp):
            return "f′(z) applied twice: yours equals the reference times f′(z)"
        W_next, delta_next = ev.W_next, ev.delta_next
        if (
            function == "hidden_delta"
            and W_next is not None
            and delta_next is not None
            and (W_next.shape[0] == W_next.shape[1])
        ):
            back = W_next @ delta_next  # the same shape as δ when W_next is square
            fpv = ev.fprime if ev.fprime is not None else 1.0
            if _close(user, fpv * back) or _close(user, back):
                return "missing transpose: δᵐ uses (Wᵐ⁺¹)ᵀ δᵐ⁺¹, i.e. W_next.T @ delta_next"
    if function == "weight_grad":
        W = ev.W
        if lam and _close(user, ref - lam * W):
            return "missing L2 term: add λW to the weight gradient"
        if n > 1 and _close(user, n * (ref - lam * W) + lam * W):
            return f"sum instead of mean: yours is n = {n} times (1/n) δ aᵀ; divide δ aᵀ by n"
        if n > 1 and _close(user, n * ref):
            return f"sum instead of mean: yours is n = {n} times the reference"
        if lam and _close(user, ref - lam * W + lam * W / n):
            return "the L2 term divided by n: the gradient of (λ/2)‖W‖² is λW"
        if lam and _close(user, ref + lam * W):
            return "L2 term counted twice"
        if lam and _close(user, ref - 2 * lam * W):
            return "the L2 term with the wrong sign: add +λW"
        if W.shape[0] == W.shape[1]:
            swapped = (ev.a_prev @ ev.delta.T) / n + lam * W
            if _close(user, swapped) or _close(user, ref.T):
                return "missing transpose: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ, i.e. delta @ a_prev.T / n"
    if function == "bias_grad":
        b = network.biases[ev.layer - 1]
        if lam and _close(user, ref + lam * b):
            return "L2 on biases: biases are never regularised (drop λb)"
        if n > 1 and _close(user, n * ref):
            return f"sum instead of mean: yours is n = {n} times the reference"
    return None


def _fd_error(function: str, user, ev: BackwardEvent, network, X, Y) -> float | None:
    """Worst relative error of the learner's value against finite differences.

    The denominator is floored at 1e-4 (not 1e-8 as against the engine): finite differences
    carry an absolute error near 1e-10, which must not read as a disagreement on tiny entries.
    """
    m = ev.layer
    rng = np.random.default_rng(0)
    if function in ("weight_grad", "bias_grad"):
        param = "W" if function == "weight_grad" else "b"
        size = user.size
        idx = None if size <= FD_ENTRIES else rng.choice(size, FD_ENTRIES, replace=False)
        num = numerical_gradient(network, X, Y, m, param, h=1e-3, indices=idx, order=4)
    else:
        num = numerical_delta(network, ev, X, Y)
    mask = np.isfinite(num)
    if not mask.any():
        return None
    u, g = user[mask], num[mask]
    with np.errstate(all="ignore"):
        err = np.abs(u - g) / np.maximum(1e-4, np.abs(u) + np.abs(g))
    err = np.where(np.isfinite(u), err, np.inf)
    return float(err.max())


def numerical_delta(network, ev: BackwardEvent, X, Y, h: float = 1e-4, limit: int = 600):
    """δᵐ by central differences: δᵐ_{ji} = n ∂Ĵ/∂zᵐ_{ji} (Ĵ = (1/n) Σᵢ Cᵢ + L2, and the L2
    term does not depend on z), feeding the perturbed zᵐ forward through layers m+1..L.
    At most ``limit`` entries (a seeded sample); the others are NaN."""
    m, L = ev.layer, network.L
    z0 = np.array(ev.z, dtype=np.float64)
    n = z0.shape[1]
    out = np.full(z0.shape, np.nan)
    flat = out.reshape(-1)
    total = z0.size
    idx = range(total) if total <= limit else np.random.default_rng(0).choice(total, limit, False)

    def cost(z):
        with np.errstate(all="ignore"):
            a = network.activations[m - 1].f(z)
            for k in range(m + 1, L + 1):
                z = network.weights[k - 1] @ a + network.biases[k - 1]
                a = network.activations[k - 1].f(z)
            return float(network.cost_fn.per_sample(a, Y, z).sum()) / n

    zf = z0.reshape(-1)
    for i in idx:
        old = zf[i]
        zf[i] = old + h
        plus = cost(z0)
        zf[i] = old - h
        minus = cost(z0)
        zf[i] = old
        flat[i] = n * (plus - minus) / (2 * h)
    return out


def functions_at(um: UserModule, layer: int, L: int) -> list[str]:
    """The learner's functions that apply at the backward stop of ``layer``."""
    names = ["output_delta" if layer == L else "hidden_delta", "weight_grad", "bias_grad"]
    return [name for name in names if name in um.functions]


def check_event(
    um: UserModule,
    ev: BackwardEvent,
    network,
    X,
    Y,
    iteration: int = 0,
    finite_differences: bool = True,
) -> list[Finding]:
    """Every defined function that applies at the backward stop of ``ev``."""
    return [
        check_function(um, name, ev, network, X, Y, iteration, finite_differences)
        for name in functions_at(um, ev.layer, network.L)
    ]


@dataclass
class CheckReport:
    module: UserModule
    findings: list[Finding]
    iterations: int

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def worst(self) -> list[Finding]:
        """One finding per (function, layer): the worst over the iterations, errors first,
        ordered as the backward pass meets them (m = L..1)."""
        best: dict[tuple[str, int], Finding] = {}
        rank = {"error": 2, "disagree": 1, "agree": 0}
        for f in self.findings:
            key = (f.function, f.layer)
            old = best.get(key)
            if old is None or (rank[f.status], f.rel_error or 0) > (
                rank[old.status],
                old.rel_error or 0,
            ):
                best[key] = f
        order = list(FUNCTIONS)
        return sorted(best.values(), key=lambda f: (-f.layer, order.index(f.function)))


def check_session(um: UserModule, session, iterations: int = 1) -> CheckReport:
    """Step ``iterations`` whole iterations (3L + 1 stops each) from the session's current
    stop, checking the learner's functions at every backward stop."""
    from bpstep.session.timeline import Phase

    findings: list[Finding] = []
    for _ in range(iterations * (3 * session.network.L + 1)):
        stop = session.step()
        if stop.id.phase is Phase.BACKWARD:
            findings += check_event(
                um,
                stop.event,
                session.network,
                session.X_batch,
                session.Y_batch,
                stop.global_iteration,
            )
    return CheckReport(um, findings, iterations)
