"""Checking a learner's hand-derived gradient functions against the engine.

The learner writes a plain Python file defining any of::

    def output_delta(z, a, y): ...                 # δ^L = ∂C/∂z^L, per sample (columns)
    def hidden_delta(z, W_next, delta_next): ...   # δ^m from δ^{m+1}
    def weight_grad(delta, a_prev, W, l2): ...     # ∂Ĵ/∂W^m = (1/n) δ^m (a^{m−1})ᵀ + λ W^m
    def bias_grad(delta): ...                      # ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i

A missing function falls back to the engine's. Each function receives, by parameter name, any of
the arguments in ``ARGUMENTS`` for its layer, always the engine's own (reference) values, so that
one wrong formula is reported where it is wrong rather than smeared over every layer below it.
Conventions: columns are samples; δ has one column per sample; gradients are batch means plus the
L2 term λW on weights only. The result is compared with the reference and with finite
differences; a relative error below ``AGREE`` counts as agreement.

Nothing here prints: results are plain dataclasses for the ``bpstep check`` report and the TUI.
"""

from __future__ import annotations

import importlib.util
import inspect
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpstep.engine.errors import UserCodeError
from bpstep.engine.events import BackwardEvent
from bpstep.engine.gradcheck import band, numerical_gradient, relative_error

AGREE = 1e-6  # relative error below which the learner's value agrees

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
    "delta": "δᵐ (the engine's), (n_m, batch)",
    "l2": "λ, the L2 strength (a float)",
    "layer": "m, the layer number (1..L)",
    "n": "the batch size",
    "activation": "this layer's activation name, e.g. 'sigmoid'",
    "cost": "the cost name, 'quadratic' or 'cross_entropy'",
}


@dataclass
class UserModule:
    """The learner's file, loaded: which functions it defines and the parameters they ask for."""

    path: Path
    functions: dict[str, object]
    params: dict[str, list[str]]

    @property
    def defined(self) -> list[str]:
        return [name for name in FUNCTIONS if name in self.functions]

    @property
    def fallbacks(self) -> list[str]:
        return [name for name in FUNCTIONS if name not in self.functions]


@dataclass
class Finding:
    """The check of one function at one layer (and iteration)."""

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
    user_value: np.ndarray | None = field(default=None, repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "agree"

    @property
    def symbol(self) -> str:
        m = str(self.layer).translate(_SUP)
        return {
            "output_delta": f"δ{m}",
            "hidden_delta": f"δ{m}",
            "weight_grad": f"∂Ĵ/∂W{m}",
            "bias_grad": f"∂Ĵ/∂b{m}",
        }[self.function]


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def load_user_module(path) -> UserModule:
    """Import the learner's file. UserCodeError (a usage error) if it is missing or will not
    import; the message points at the file and line."""
    path = Path(path)
    if not path.is_file():
        raise UserCodeError(
            f"cannot read {path}: no such file (a Python file defining {', '.join(FUNCTIONS)})"
        )
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise UserCodeError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    name = f"bpstep_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # the learner's module body failed
        raise UserCodeError(
            f"{_where(exc, path)}: {type(exc).__name__}: {exc} (while importing {path.name})"
        ) from None
    functions = {n: module.__dict__[n] for n in FUNCTIONS if callable(module.__dict__.get(n))}
    if not functions:
        raise UserCodeError(f"{path} defines none of {', '.join(FUNCTIONS)}: nothing to check")
    params = {}
    for n, fn in functions.items():
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            params[n] = []
            continue
        params[n] = [
            p.name
            for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY)
        ]
    return UserModule(path, functions, params)


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
    if line is None and isinstance(exc, SyntaxError):
        line = exc.lineno
    return f"{path}:{line}" if line else str(path)


def _arguments(ev: BackwardEvent, network, Y: np.ndarray) -> dict[str, object]:
    m = ev.layer
    copy = lambda x: None if x is None else np.array(x, copy=True)  # noqa: E731
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
        "layer": m,
        "n": int(ev.batch_size),
        "activation": ev.activation,
        "cost": network.cost_name,
    }


def _shape_name(function: str, m: int) -> str:
    sm = str(m).translate(_SUP)
    return {
        "output_delta": f"δ{sm} must be shaped like z{sm}",
        "hidden_delta": f"δ{sm} must be shaped like z{sm}",
        "weight_grad": f"∂Ĵ/∂W{sm} must be shaped like W{sm}",
        "bias_grad": f"∂Ĵ/∂b{sm} must be shaped like b{sm}",
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
    """Call the learner's ``function`` for the layer of ``ev`` and compare it."""
    m = ev.layer
    reference = {
        "output_delta": ev.delta,
        "hidden_delta": ev.delta,
        "weight_grad": ev.grad_W,
        "bias_grad": ev.grad_b,
    }[function]
    f = Finding(
        function, m, "error", tuple(reference.shape), iteration=iteration, reference=reference
    )
    args = _arguments(ev, network, Y)
    asked = um.params.get(function, [])
    unknown = [p for p in asked if p not in ARGUMENTS]
    if unknown:
        f.message = (
            f"{function} asks for an unknown argument {unknown[0]!r}; accepted names: "
            f"{', '.join(ARGUMENTS)}"
        )
        return f
    try:
        value = um.functions[function](**{p: args[p] for p in asked})
    except Exception as exc:
        f.message = f"{_where(exc, um.path)}: {type(exc).__name__}: {exc}"
        if function == "hidden_delta" and "matmul" in str(exc):
            f.hint = "the shapes do not line up: δᵐ uses (Wᵐ⁺¹)ᵀ, the transpose of W_next"
        return f
    expected = f"expected {reference.shape}: {_shape_name(function, m)}"
    if value is None:
        f.message = f"{function} returned None; {expected} (did you forget return?)"
        return f
    try:
        user = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        f.message = f"{function} returned a {type(value).__name__}, not numbers; {expected}"
        return f
    if user.shape != reference.shape:
        f.message = f"{function} returned shape {user.shape}, {expected}"
        if user.shape == reference.shape[::-1]:
            f.hint = "it is the transpose of the right shape: a missing or extra transpose"
        elif function == "bias_grad" and user.shape == (reference.shape[0],):
            f.hint = "sum over the batch with keepdims=True to keep the column shape (n_m, 1)"
        elif user.size == 1 and reference.size > 1:
            f.hint = "a single number: a sum over every entry instead of over the batch?"
        return f
    f.user_value = user
    rel = relative_error(user, reference)
    f.rel_error = float(np.nanmax(rel)) if rel.size else 0.0
    if not np.isfinite(user).all():
        f.rel_error = float("inf")
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


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-12))


def _hint(function: str, user, ref, ev: BackwardEvent, network) -> str | None:
    """A common slip that fits the numbers, if one does."""
    n = ev.batch_size
    lam = ev.l2
    if _close(user, -ref):
        return "wrong sign: yours is exactly −1 × the reference"
    if function in ("output_delta", "hidden_delta"):
        fp = ev.fprime
        if fp is not None and _close(user * fp, ref) and not _close(fp, np.ones_like(fp)):
            return "missing f′(z): yours equals the reference divided by f′(z)"
        if fp is not None and _close(user, ref * fp):
            return "f′(z) applied twice: yours equals the reference times f′(z)"
        if function == "output_delta" and ev.dC_da is not None and _close(user, ev.dC_da):
            return "missing f′(z): yours is ∂C/∂a, not ∂C/∂z = ∂C/∂a ⊙ f′(z)"
    if function == "weight_grad":
        W = ev.W
        if lam and _close(user, ref - lam * W):
            return "missing L2 term: add λW to the weight gradient"
        if n > 1 and _close(user, n * (ref - lam * W) + lam * W):
            return f"sum instead of mean: yours is {n} × the reference (divide δ aᵀ by n = {n})"
        if n > 1 and _close(user, n * ref):
            return f"sum instead of mean: yours is n = {n} times the reference"
        if lam and _close(user, ref - lam * W + lam * W / n):
            return "the L2 term divided by n: the gradient of (λ/2)‖W‖² is λW"
        if lam and _close(user, ref + lam * W):
            return "L2 term counted twice"
    if function == "bias_grad":
        b = network.biases[ev.layer - 1]
        if lam and _close(user, ref + lam * b):
            return "L2 on biases: biases are never regularised (drop λb)"
        if n > 1 and _close(user, n * ref):
            return f"sum instead of mean: yours is n = {n} times the reference"
    return None


def _fd_error(function: str, user, ev: BackwardEvent, network, X, Y) -> float | None:
    """Worst relative error of the learner's value against finite differences."""
    m = ev.layer
    if function in ("weight_grad", "bias_grad"):
        param = "W" if function == "weight_grad" else "b"
        size = ev.W.size if param == "W" else ev.grad_b.size
        idx = None if size <= 400 else np.random.default_rng(0).choice(size, 400, replace=False)
        num = numerical_gradient(network, X, Y, m, param, h=1e-3, indices=idx, order=4)
        mask = np.isfinite(num)
    else:
        num = numerical_delta(network, ev, X, Y)
        mask = np.isfinite(num)
    if not mask.any():
        return None
    u, g = user[mask], num[mask]
    return float((np.abs(u - g) / np.maximum(1e-4, np.abs(u) + np.abs(g))).max())


def numerical_delta(network, ev: BackwardEvent, X, Y, h: float = 1e-4, limit: int = 600):
    """δ^m by central differences: δ^m_{ji} = n ∂Ĵ/∂z^m_{ji} (Ĵ = (1/n)Σᵢ Cᵢ + L2, and the L2
    term does not depend on z), feeding the perturbed z^m forward through layers m+1..L."""
    m, L = ev.layer, network.L
    z0 = np.array(ev.z, dtype=float)
    n = z0.shape[1]
    out = np.full(z0.shape, np.nan)
    flat = out.reshape(-1)
    total = z0.size
    idx = range(total) if total <= limit else np.random.default_rng(0).choice(total, limit, False)

    def cost(z):
        with np.errstate(all="ignore"):
            a = network.activations[m - 1].f(z)
            for k in range(m + 1, L + 1):
                a = network.activations[k - 1].f(network.weights[k - 1] @ a + network.biases[k - 1])
            return network.cost_fn.mean(a, Y)

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
    names = [
        "output_delta" if ev.layer == network.L else "hidden_delta",
        "weight_grad",
        "bias_grad",
    ]
    return [
        check_function(um, name, ev, network, X, Y, iteration, finite_differences)
        for name in names
        if name in um.functions
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
        """One finding per (function, layer): the worst over the iterations, errors first."""
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
    """Step ``iterations`` iterations, checking every backward stop."""
    from bpstep.session.timeline import Phase

    findings: list[Finding] = []
    target = session.index + iterations * session.S
    while session.index < target:
        stop = session.step()
        if stop.phase is Phase.BACKWARD:
            findings += check_event(
                um,
                stop.event,
                session.network,
                session.X_batch,
                session.Y_batch,
                stop.global_iteration,
            )
    return CheckReport(um, findings, iterations)
