"""bpstep's own shape: four functions, one per equation, called with the engine's inputs.

The learner writes any of::

    def output_delta(z, a, y): ...                 # δᴸ = ∂C/∂zᴸ, per sample (columns)
    def hidden_delta(z, W_next, delta_next): ...   # δᵐ from δᵐ⁺¹
    def weight_grad(delta, a_prev, W, l2): ...     # ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λ Wᵐ
    def bias_grad(delta): ...                      # ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ

A missing function falls back to the engine's. ``output_delta`` is called at m = L,
``hidden_delta`` at every hidden layer m = L−1..1, the two gradients at every layer, each with
the engine's own (reference) values of its inputs, so one wrong formula is reported where it
is wrong rather than smeared over every layer below it.

Arguments are passed by parameter name, so a function asks only for what its formula uses
(``ARGUMENTS``; always the engine's values at layer m). A function's inputs are exactly the
documented ones for it (``ACCEPTS``): δᵐ is never an input of a δ function, by any route,
``**kwargs`` included. f′(z) is not offered either: deriving it is the exercise (``activation``
says which). A name outside the set is a finding that lists the accepted ones, unless the
parameter has a default (a helper's ``eps=1e-12`` keeps it); ``*args`` is a finding (arguments
are passed by name only); positional-only parameters (before ``/``) are passed by position.

No false passes: a function that reads ``l2`` is also checked at λ = 0.1 when the network's
λ is 0 (``Options.probe_l2``); a factor of n is called "sum instead of mean" only after a call
on a smaller batch shows it follows the batch size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.checker import calls
from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.finite import fd_error
from bpstep.checker.judge import as_array, context, dtype_name, judge, judge_shape
from bpstep.checker.reference import Params, Problem, Truth, columns, truth
from bpstep.checker.results import Result, Status, worse
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.shapes.base import Shape
from bpstep.checker.slips import Match, scale_factor
from bpstep.notation import sup

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode

FUNCTIONS: dict[str, str] = {
    "output_delta": "δᴸ (output layer error)",
    "hidden_delta": "δᵐ from δᵐ⁺¹ (hidden layers)",
    "weight_grad": "∂Ĵ/∂Wᵐ",
    "bias_grad": "∂Ĵ/∂bᵐ",
}
QUANTITY = {
    "output_delta": "delta",
    "hidden_delta": "delta",
    "weight_grad": "grad_W",
    "bias_grad": "grad_b",
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
# the inputs of each function: what a δ function computes is never one of them
ACCEPTS: dict[str, tuple[str, ...]] = {
    "output_delta": tuple(a for a in ARGUMENTS if a != "delta"),
    "hidden_delta": tuple(a for a in ARGUMENTS if a != "delta"),
    "weight_grad": tuple(ARGUMENTS),
    "bias_grad": tuple(ARGUMENTS),
}
ADAPTER = "bpstep.checker.shapes.functions:call_function"


# ---------------------------------------------------------------------------- in the sandbox


def call_function(module: Any, name: str, positional: list, keywords: dict) -> dict:
    """Call the learner's function ``name`` (runs next to their module)."""
    return calls.invoke(getattr(module, name), *positional, **keywords)


# ---------------------------------------------------------------------------- recognising


def plan(function: str, params: list[list] | None) -> dict:
    """How to call ``function``: {"positional": [...], "keywords": [...], "var_keyword": bool,
    "problem": str | None} from its parameters (see the module docstring)."""
    out: dict[str, Any] = {"positional": [], "keywords": [], "var_keyword": False, "problem": None}
    accepted = ", ".join(ACCEPTS[function])
    if params is None:
        out["problem"] = f"{function}: cannot read its parameters; define it with def"
        return out
    for name, kind, has_default in params:
        if kind == "VAR_POSITIONAL":
            out["problem"] = (
                f"{function}(*{name}): arguments are passed by name only; name the ones you "
                f"need among: {accepted}"
            )
            return out
        if kind == "VAR_KEYWORD":
            out["var_keyword"] = True
            continue
        if name == "delta" and name not in ACCEPTS[function]:
            out["problem"] = (
                f"{function} asks for {name!r}, which is what it must compute; "
                f"use z, a, y, W_next, delta_next… instead"
            )
            return out
        if name not in ACCEPTS[function]:
            if has_default and kind != "POSITIONAL_ONLY":
                continue  # a helper parameter with a default keeps its default
            out["problem"] = (
                f"{function} asks for an unknown argument {name!r}; accepted names: {accepted}"
            )
            return out
        (out["positional"] if kind == "POSITIONAL_ONLY" else out["keywords"]).append(name)
    return out


def reads_l2(p: dict) -> bool:
    return "l2" in p["positional"] or "l2" in p["keywords"] or p["var_keyword"]


class Functions(Shape):
    name = "functions"
    title = "bpstep's four functions"
    looks_like = "any of output_delta, hidden_delta, weight_grad, bias_grad (bpstep's own)"
    source = "bpstep's examples/grads_correct.py"

    def recognise(self, report: dict) -> Found | None:
        defined = [n for n in FUNCTIONS if n in report["functions"]]
        if not defined:
            return None
        plans = {n: plan(n, report["functions"][n]["params"]) for n in defined}
        fallbacks = [n for n in FUNCTIONS if n not in defined]
        return Found(self.name, defined, defined, {"plans": plans, "fallbacks": fallbacks})

    def defaults(self, found: Found) -> dict[str, Any]:
        return {"preset": "xor"}

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
        t = truth(problem, params, X, Y)
        out = Checked()
        for m in range(problem.L, 0, -1):
            for name in functions_at(code.found, m, problem.L):
                out.results.append(check_function(code, name, t, m, iteration, options))
        out.untested = untested(code.found, t, options)
        readers = [n for n in code.found.functions if reads_l2(code.found.info["plans"][n])]
        if t.l2 == 0 and options.probe_l2 and readers:
            out.conventions["l2"] = (
                f"also checked at λ = {options.probe_l2:g}: {', '.join(readers)} read l2"
            )
        return out


def functions_at(found: Found, layer: int, L: int) -> list[str]:
    """The learner's functions that apply at the backward stop of ``layer``."""
    names = ["output_delta" if layer == L else "hidden_delta", "weight_grad", "bias_grad"]
    return [name for name in names if name in found.functions]


def untested(found: Found, t: Truth, options: Options) -> list[str]:
    """What this batch could not exercise (the report keeps what no batch exercised)."""
    out = []
    plans = found.info["plans"]
    if t.l2 == 0:
        for name in ("weight_grad", "bias_grad", "output_delta", "hidden_delta"):
            if name in plans and reads_l2(plans[name]) and options.probe_l2 is None:
                out.append(f"λ term not tested in {name}: it reads l2, and λ = 0 only was tried")
        if "weight_grad" in plans and not reads_l2(plans["weight_grad"]):
            out.append(
                "the λ term of ∂Ĵ/∂W: λ = 0 and weight_grad does not take l2 (check with --l2 0.1)"
            )
    if "bias_grad" in plans and all(not np.any(lt.b) for lt in t.layers.values()):
        if reads_l2(plans["bias_grad"]) or "b" in plans["bias_grad"]["keywords"]:
            out.append("a λb term in ∂Ĵ/∂b: b = 0 in every layer")
    if t.n == 1:
        out.append("the 1/n of the gradients: a batch of 1 sample")
    return out


# ---------------------------------------------------------------------------- one function


def arguments(t: Truth, m: int) -> dict[str, object]:
    """Every accepted argument at layer m: the engine's values."""
    lt = t.layers[m]
    return {
        "z": lt.z,
        "a": lt.a,
        "y": t.Y,
        "a_prev": lt.a_prev,
        "W": lt.W,
        "b": lt.b,
        "W_next": lt.W_next,
        "delta_next": lt.delta_next,
        "delta": lt.delta,
        "l2": float(t.l2),
        "layer": int(m),
        "n": int(t.n),
        "activation": lt.activation,
        "cost": t.problem.cost,
    }


def reference(function: str, t: Truth, m: int) -> np.ndarray:
    lt = t.layers[m]
    return {"delta": lt.delta, "grad_W": lt.grad_W, "grad_b": lt.grad_b}[QUANTITY[function]]


def run(code: LearnerCode, function: str, t: Truth, m: int) -> dict:
    """Call the learner's ``function`` at layer m of ``t``; LearnerFailure if it fails."""
    p = code.found.info["plans"][function]
    args = arguments(t, m)
    pos = [args[k] for k in p["positional"]]
    kw = {k: args[k] for k in p["keywords"]}
    if p["var_keyword"]:
        kw.update(
            {k: args[k] for k in ACCEPTS[function] if k not in kw and k not in p["positional"]}
        )
    return code.call(function, ADAPTER, function, pos, kw)


def check_function(
    code: LearnerCode, function: str, t: Truth, m: int, iteration: int, options: Options
) -> Result:
    """Check the learner's ``function`` at layer m (and again at λ = 0.1 if it reads λ)."""
    r = check_at(code, function, t, m, iteration, options)
    p = code.found.info["plans"][function]
    if t.l2 == 0 and options.probe_l2 and reads_l2(p) and r.status is not Status.ERROR:
        t2 = truth(t.problem, params_of(t), t.X, t.Y, l2=options.probe_l2)
        r2 = check_at(code, function, t2, m, iteration, options)
        if worse(r2, r):
            r2.notes.append(
                f"wrong at λ = {options.probe_l2:g} (tried as well: {function} reads l2)"
            )
            return r2
    return r


def params_of(t: Truth) -> Params:
    return [lt.W for _, lt in sorted(t.layers.items())], [
        lt.b for _, lt in sorted(t.layers.items())
    ]


def check_at(
    code: LearnerCode, function: str, t: Truth, m: int, iteration: int, options: Options
) -> Result:
    ref = reference(function, t, m)
    quantity = QUANTITY[function]
    r = Result(function, m, quantity, Status.ERROR, tuple(ref.shape), iteration=iteration, l2=t.l2)
    r.reference = ref
    p = code.found.info["plans"][function]
    if p["problem"]:
        r.message = p["problem"]
        return r
    try:
        out = run(code, function, t, m)
    except LearnerFailure as exc:
        r.message = str(exc)
        r.hint = exception_hint(function, exc)
        return r
    r.warnings = list(out["warnings"])
    user, what = as_array(out["value"])
    expected = f"expected {ref.shape}: {shape_words(function, m)}"
    if user is None:
        missing = " (a missing return?)" if what == "None" else ""
        r.message = f"{function} returned {what}{missing}, {expected}"
        return r
    lt = t.layers[m]
    if user.shape != ref.shape:
        judge_shape(r, user, ref, f"{function} returned", lt.delta, samples=1)
        r.message = f"{function} returned shape {user.shape}, {expected}"
        return r
    c = context(t, m, quantity, ref)
    judge(r, user, c, dtype_name(out["value"]), lambda k: follows_batch(code, function, t, m, k))
    if options.finite_differences:
        r.fd_rel_error = fd_error(quantity, user, t, m)
    return r


def follows_batch(code: LearnerCode, function: str, t: Truth, m: int, k: float) -> bool | None:
    """Whether the learner's factor k (n or 1/n) follows the batch size: call the function on a
    smaller batch and see if its factor there is that batch's n (or 1/n)."""
    n = t.n
    if n < 2:
        return None
    sub = n - 1
    small = truth(
        t.problem, params_of(t), columns(t.X, slice(0, sub)), columns(t.Y, slice(0, sub)), t.l2
    )
    try:
        out = run(code, function, small, m)
    except LearnerFailure:
        return None
    user, _ = as_array(out["value"])
    ref = reference(function, small, m)
    if user is None or user.shape != ref.shape:
        return None
    k_small = scale_factor(context(small, m, QUANTITY[function], ref), user)
    expected = sub if abs(k - n) <= 1e-6 * n else 1.0 / sub
    return k_small is not None and abs(k_small - expected) <= 1e-6 * max(1.0, expected)


def shape_words(function: str, m: int) -> str:
    sm = sup(m)
    return {
        "output_delta": f"δ{sm} must be shaped like z{sm}",
        "hidden_delta": f"δ{sm} must be shaped like z{sm}",
        "weight_grad": f"∂Ĵ/∂W{sm} must be shaped like W{sm}",
        "bias_grad": f"∂Ĵ/∂b{sm} must be shaped like b{sm}",
    }[function]


def exception_hint(function: str, exc: LearnerFailure) -> str | None:
    text = exc.message
    if exc.exception_type != "ValueError" or not (
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


__all__ = ["ACCEPTS", "ARGUMENTS", "FUNCTIONS", "Functions", "Match"]
