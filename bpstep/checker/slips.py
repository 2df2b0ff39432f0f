"""The common slips of hand-derived backpropagation, as a table a reader can scan.

Each row of ``SLIPS`` is one slip: its machine code (what ``--json`` writes in ``slip``), the
quantities it can occur in, the part of the lesson's formula it is in, the hint a learner reads,
and a *variant*: the wrong value that slip produces, computed from the right ingredients at that
layer (the :class:`Context`). A slip is named only when the learner's value equals its variant
(to the tolerance) and the variant differs from the right value, so a hint is never a guess:

    δᴸ = ∂C/∂aᴸ ⊙ f′(zᴸ)            missing_fprime: ∂C/∂aᴸ;   fprime_of_a: ∂C/∂aᴸ ⊙ f′(aᴸ) …
    δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹       missing_fprime: (Wᵐ⁺¹)ᵀδᵐ⁺¹; transpose: f′ ⊙ Wᵐ⁺¹δᵐ⁺¹ …
    ∂Ĵ/∂Wᵐ = (1/n) δᵐ(aᵐ⁻¹)ᵀ + λWᵐ  missing_l2, l2_scale (the factor), a_not_a_prev, scale …
    ∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ            l2_on_bias, scale (the factor) …

Rows are tried in order, the most specific first; ``scale`` (any constant factor) comes last.
``SHAPE_SLIPS`` does the same for a result of the wrong shape (a lost dimension, a transpose,
an extra bias row or column, the wrong axis). ``precision`` (float32 maths that is right) is
not a variant: it is the tolerance float32 results are judged at (see ``compare``); its row is
here so that the table lists every code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bpstep.checker.compare import AGREE, close, factor
from bpstep.engine.activations import ACTIVATIONS

Variant = tuple[str, np.ndarray, dict]  # (key of the hint, the wrong value, details)


@dataclass
class Context:
    """What the right value of one quantity is made of, at one layer, for one batch.

    Arrays are in the lesson's orientation (columns are samples). For a quantity computed from
    the learner's own upstream values (their δᵐ⁺¹ for δᵐ, their δᵐ for the gradients), ``ref``,
    ``back`` and ``delta`` are built from theirs: the variants then describe their formula.
    """

    quantity: str
    layer: int | None
    L: int
    ref: np.ndarray
    n: int = 1  # batch size
    l2: float = 0.0  # the coefficient of Wᵐ in the right gradient (λ in the lesson)
    activation: str = "sigmoid"
    cost: str = "quadratic"
    fused: bool = False  # δᴸ = aᴸ − y (cross-entropy with a sigmoid or softmax output)
    z: np.ndarray | None = None
    a: np.ndarray | None = None
    y: np.ndarray | None = None
    a_prev: np.ndarray | None = None
    z_prev: np.ndarray | None = None
    W: np.ndarray | None = None
    b: np.ndarray | None = None
    fprime: np.ndarray | None = None
    dC_da: np.ndarray | None = None
    back: np.ndarray | None = None  # (Wᵐ⁺¹)ᵀ δᵐ⁺¹
    W_next: np.ndarray | None = None
    delta_next: np.ndarray | None = None
    delta: np.ndarray | None = None  # δᵐ, for the gradients
    data_loss: float | None = None  # the loss without its λ term
    l2_loss: float | None = None  # the loss's λ term
    bias_norm2: float | None = None  # Σₘ ‖bᵐ‖², for a loss that regularises the biases
    n_train: int | None = None
    extra: dict = field(default_factory=dict)

    def grad_data(self) -> np.ndarray:
        """∂Ĵ/∂Wᵐ without its λ term."""
        return self.ref - self.l2_term()

    def l2_term(self) -> np.ndarray:
        return self.l2 * self.W if (self.W is not None and self.l2) else np.zeros_like(self.ref)

    def incoming(self) -> np.ndarray | None:
        """What f′ multiplies: ∂C/∂aᴸ at the output layer, (Wᵐ⁺¹)ᵀ δᵐ⁺¹ below it."""
        return self.dC_da if self.layer == self.L else self.back


@dataclass(frozen=True)
class Slip:
    """One row of the table (see the module docstring)."""

    code: str
    quantities: frozenset[str]
    part: str
    hints: dict[str, str]  # variant key → hint; {placeholders} from the variant's details
    variants: Callable[[Context, np.ndarray], Iterable[Variant]] | None


DELTA = frozenset({"delta"})
GRAD_W = frozenset({"grad_W"})
GRAD_B = frozenset({"grad_b"})
LOSS = frozenset({"loss"})
ANY = frozenset({"delta", "grad_W", "grad_b", "loss", "output"})


# ---------------------------------------------------------------------------- the variants


def v_sign(c: Context, user: np.ndarray) -> Iterable[Variant]:
    yield "", -c.ref, {}


def v_missing_fprime(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.layer == c.L and not c.fused and c.dC_da is not None:
        yield "output", c.dC_da, {}
    elif c.layer != c.L and c.back is not None:
        yield "hidden", c.back, {}


def v_extra_fprime(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.fprime is not None:
        yield ("fused" if c.fused and c.layer == c.L else "twice"), c.ref * c.fprime, {}


WRONG_ARGUMENT: dict[str, tuple[tuple[str, Callable], ...]] = {
    # activation → (key, f′ evaluated as a learner may slip), f′ given z and a
    "sigmoid": (
        (
            "sigma_of_a",
            lambda z, a: ACTIVATIONS["sigmoid"].f(a) * (1 - ACTIVATIONS["sigmoid"].f(a)),
        ),
        ("a_formula_on_z", lambda z, a: z * (1 - z)),
    ),
    "tanh": (
        ("tanh_of_a", lambda z, a: 1 - np.tanh(a) ** 2),
        ("a_formula_on_z_tanh", lambda z, a: 1 - z**2),
    ),
}


def v_fprime_of_a(c: Context, user: np.ndarray) -> Iterable[Variant]:
    g = c.incoming()
    if g is None or c.fused or c.z is None or c.a is None:
        return
    for key, wrong in WRONG_ARGUMENT.get(c.activation, ()):
        yield key, g * wrong(c.z, c.a), {}


def v_wrong_fprime(c: Context, user: np.ndarray) -> Iterable[Variant]:
    g = c.incoming()
    if g is None or c.fused or c.z is None or c.a is None:
        return
    for name in ("sigmoid", "tanh", "relu", "identity"):
        if name != c.activation:
            act = ACTIVATIONS[name]
            yield "", g * act.fprime(c.z, act.f(c.z)), {"used": name, "activation": c.activation}


def v_softmax_elementwise(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.layer != c.L or c.activation != "softmax" or c.a is None or c.y is None:
        return
    dC_da = c.dC_da if c.dC_da is not None else -c.y / c.a  # cross-entropy's −y/a
    yield "", dC_da * c.a * (1 - c.a), {}


def wrong_softmaxes(z: np.ndarray) -> Iterable[tuple[str, np.ndarray]]:
    """Softmax normalised over the wrong axis, with or without each sample's shift."""
    shifted = np.exp(z - z.max(axis=0, keepdims=True))  # each sample shifted by its max
    plain = np.exp(z - z.max())
    for e in (plain, shifted):
        yield "batch", e / e.sum(axis=1, keepdims=True)  # each class over the samples
        yield "all", e / e.sum()  # over every entry of the batch


def v_softmax_over_batch(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.activation != "softmax" or not c.fused or c.z is None or c.y is None:
        return
    for key, p in wrong_softmaxes(c.z):
        if c.quantity == "delta" and c.layer == c.L:
            yield key, p - c.y, {}
        elif c.quantity == "loss":
            with np.errstate(all="ignore"):
                yield key, np.asarray(-np.sum(c.y * np.log(p)) / c.n + (c.l2_loss or 0.0)), {}


def v_transpose(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.quantity == "delta" and c.layer != c.L and c.W_next is not None:
        if c.W_next.shape[0] == c.W_next.shape[1] and c.delta_next is not None:
            fp = c.fprime if c.fprime is not None else 1.0
            yield "hidden", fp * (c.W_next @ c.delta_next), {}
    if c.quantity == "grad_W" and c.ref.ndim == 2 and c.ref.shape[0] == c.ref.shape[1]:
        yield "weights", c.grad_data().T + c.l2_term(), {}
        yield "weights", c.ref.T, {}


def v_a_not_a_prev(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.delta is None or c.a is None or c.a.shape[0] != c.ref.shape[1]:
        return
    yield "", c.delta @ c.a.T / c.n + c.l2_term(), {}


def v_z_not_a(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.delta is None or c.z_prev is None:
        return
    yield "", c.delta @ c.z_prev.T / c.n + c.l2_term(), {}


def v_missing_l2(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.quantity == "grad_W" and c.l2 and c.W is not None:
        yield "grad", c.grad_data(), {}
    if c.quantity == "loss" and c.l2_loss and c.data_loss is not None:
        yield "loss", np.asarray(c.data_loss), {}


L2_KEYS = {"1/n": "grad_over_n", "−1": "grad_sign", "2": "grad_twice", "½": "grad_half"}


def v_l2_scale(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.quantity == "grad_W" and c.l2 and c.W is not None:
        k = factor(user - c.grad_data(), c.l2_term())
        if k is not None and abs(k - 1) > 1e-3 and abs(k) > 1e-3 and (user.size > 1 or named(k, c)):
            details = named_factor(k, c)
            key = L2_KEYS.get(details["named"], "grad")
            yield key, c.grad_data() + k * c.l2_term(), details
    if c.quantity == "loss" and c.l2_loss and c.data_loss is not None:
        k = (float(user) - c.data_loss) / c.l2_loss
        if abs(k - 1) > 1e-3 and abs(k) > 1e-3 and named(k, c):
            yield "loss", np.asarray(c.data_loss + k * c.l2_loss), named_factor(k, c)


def v_l2_on_bias(c: Context, user: np.ndarray) -> Iterable[Variant]:
    if c.quantity == "grad_b" and c.b is not None and np.any(c.b) and c.l2:
        k = factor(user - c.ref, c.b)
        if k is not None and abs(k) > 1e-12 and (user.size > 1 or named(k / c.l2, c)):
            yield "grad", c.ref + k * c.b, {"coefficient": k}
    if c.quantity == "loss" and c.bias_norm2 and c.data_loss is not None:
        k = (float(user) - float(c.ref)) / c.bias_norm2
        if abs(k) > 1e-12 and c.l2 and named(k / c.l2, c):
            yield "loss", np.asarray(float(c.ref) + k * c.bias_norm2), {"coefficient": k}


def v_scale(c: Context, user: np.ndarray) -> Iterable[Variant]:
    """k × the right value, or k × its data part with the λ term right (a sum over the batch
    where the mean belongs, with λWᵐ added after)."""
    parts = [(c.ref, np.zeros_like(c.ref))]
    if c.quantity == "grad_W" and c.l2:
        parts.append((c.grad_data(), c.l2_term()))
    for scaled, kept in parts:
        k = factor(user - kept, scaled)
        if k is None or abs(k - 1) <= 1e-3 or abs(k + 1) <= 1e-3 or abs(k) <= 1e-3:
            continue
        details = named_factor(k, c)
        if user.size < 2 and not details["known"]:
            continue  # one number is k × any other: only a named factor says something
        key = "half" if c.quantity == "delta" and c.cost == "quadratic" and _near(k, 2) else ""
        yield key, k * scaled + kept, details


def _near(k: float, value: float) -> bool:
    return abs(k - value) <= 1e-6 * max(1.0, abs(value))


def named_factor(k: float, c: Context) -> dict:
    """The factor k with a name when one fits: n, 1/n, 2, ½, 2/n, n_train…"""
    n = c.n
    names = [(1.0, "1"), (2.0, "2"), (0.5, "½"), (-1.0, "−1")]
    if n > 1:  # after the constants: n = 2 is named by a batch probe, not by its value
        names += [(float(n), "n"), (1.0 / n, "1/n"), (2.0 / n, "2/n"), (n / 2.0, "n/2")]
    if c.n_train and c.n_train not in (1, n):
        names += [(1.0 / c.n_train, "1/n_train"), (float(c.n_train), "n_train")]
    for value, name in names:
        if _near(k, value):  # the named value itself: k carries the rounding of the fit
            return {"factor": value, "named": name, "known": True}
    return {"factor": k, "named": f"{k:.4g}", "known": False}


def named(k: float, c: Context) -> bool:
    """Whether k is one of the factors slips make (n, 1/n, 2, ½…)."""
    return bool(named_factor(k, c)["known"])


# ---------------------------------------------------------------------------- the table

SLIPS: tuple[Slip, ...] = (
    Slip(
        "sign", ANY, "the sign", {"": "wrong sign: yours is exactly −1 × the right value"}, v_sign
    ),
    Slip(
        "missing_fprime",
        DELTA,
        "f′(zᵐ)",
        {
            "output": "missing f′(z): yours is ∂C/∂a, not ∂C/∂z = ∂C/∂a ⊙ f′(z)",
            "hidden": "missing f′(z): yours is (Wᵐ⁺¹)ᵀ δᵐ⁺¹ without the factor f′(zᵐ)",
        },
        v_missing_fprime,
    ),
    Slip(
        "extra_fprime",
        DELTA,
        "f′(zᵐ)",
        {
            "fused": "f′(z) not needed here: with cross-entropy and a sigmoid or softmax output "
            "it cancels, δᴸ = a − y",
            "twice": "f′(z) applied twice: yours equals the right δ times f′(z)",
        },
        v_extra_fprime,
    ),
    Slip(
        "fprime_of_a",
        DELTA,
        "f′(zᵐ)",
        {
            "sigma_of_a": "f′ evaluated at a: yours uses σ′(a) = σ(a)(1 − σ(a)); "
            "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)",
            "a_formula_on_z": "a(1 − a) written with z: σ′(z) = a(1 − a) needs the activation "
            "a = σ(z), not z",
            "tanh_of_a": "f′ evaluated at a: yours uses 1 − tanh²(a); tanh′(z) = 1 − tanh²(z) "
            "= 1 − a²",
            "a_formula_on_z_tanh": "1 − z² instead of 1 − a²: tanh′(z) = 1 − a² needs a = tanh(z)",
        },
        v_fprime_of_a,
    ),
    Slip(
        "wrong_fprime",
        DELTA,
        "f′(zᵐ)",
        {"": "the derivative of {used} at a {activation} layer: use {activation}′(zᵐ)"},
        v_wrong_fprime,
    ),
    Slip(
        "softmax_elementwise",
        DELTA,
        "δᴸ",
        {
            "": "softmax treated as elementwise (a(1 − a)): each aⱼ depends on every zₖ; with "
            "cross-entropy δᴸ = a − y"
        },
        v_softmax_elementwise,
    ),
    Slip(
        "softmax_over_batch",
        frozenset({"delta", "loss"}),
        "δᴸ",
        {
            "batch": "softmax normalised over the samples: normalise each sample over its classes",
            "all": "softmax normalised over the whole batch (np.sum without an axis): "
            "normalise each sample over its classes",
        },
        v_softmax_over_batch,
    ),
    Slip(
        "transpose",
        frozenset({"delta", "grad_W"}),
        "a transpose",
        {
            "hidden": "missing transpose: δᵐ uses (Wᵐ⁺¹)ᵀ δᵐ⁺¹, i.e. W_next.T @ delta_next",
            "weights": "missing transpose: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ, i.e. delta @ a_prev.T / n",
        },
        v_transpose,
    ),
    Slip(
        "a_not_a_prev",
        GRAD_W,
        "δᵐ(aᵐ⁻¹)ᵀ",
        {"": "this layer's aᵐ used: ∂Ĵ/∂Wᵐ takes the previous layer's activation aᵐ⁻¹"},
        v_a_not_a_prev,
    ),
    Slip(
        "z_not_a",
        GRAD_W,
        "δᵐ(aᵐ⁻¹)ᵀ",
        {"": "zᵐ⁻¹ used where aᵐ⁻¹ = f(zᵐ⁻¹) belongs: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ"},
        v_z_not_a,
    ),
    Slip(
        "missing_l2",
        frozenset({"grad_W", "loss"}),
        "the λ term",
        {
            "grad": "missing L2 term: add the gradient of the λ term, {l2_term}",
            "loss": "missing L2 term: the loss has no λ term",
        },
        v_missing_l2,
    ),
    Slip(
        "l2_scale",
        frozenset({"grad_W", "loss"}),
        "the λ term",
        {
            "grad": "the L2 term is {named} × what it should be: the gradient of (λ/2)‖Wᵐ‖² "
            "is λWᵐ ({l2_term})",
            "grad_over_n": "the L2 term divided by n: the gradient of (λ/2)‖Wᵐ‖² is λWᵐ, with "
            "no 1/n",
            "grad_sign": "the L2 term with the wrong sign: add +λWᵐ (it pulls the weights "
            "towards 0)",
            "grad_twice": "the L2 term is 2λWᵐ: the gradient of (λ/2)‖Wᵐ‖² is λWᵐ (or your "
            "loss has λ‖Wᵐ‖², without the ½)",
            "grad_half": "the L2 term is λWᵐ/2: the gradient of (λ/2)‖Wᵐ‖² is λWᵐ",
            "loss": "the loss's λ term is {named} × what it should be",
        },
        v_l2_scale,
    ),
    Slip(
        "l2_on_bias",
        frozenset({"grad_b", "loss"}),
        "the bias sum",
        {
            "grad": "L2 on biases: biases are never regularised (drop the λb term)",
            "loss": "L2 on biases: the λ term of the loss covers the weights only",
        },
        v_l2_on_bias,
    ),
    Slip(
        "scale",
        ANY,
        "a factor",
        {
            "": "yours is {named} × the right value",
            "half": "yours is exactly 2 × the right δᴸ: the ½ in C = ½‖a − y‖² cancels the 2",
            "batch": "sum instead of mean: yours is n × the right value at every batch size "
            "(n = {n} here); the mean over the batch divides the sum by n",
            "batch_twice": "divided by n twice: yours is 1/n × the right value at every batch "
            "size (n = {n} here)",
            "stray": "yours is {named} × the right value at every batch size: a stray factor "
            "{named}, not a missing or extra 1/n",
            "ambiguous": "yours is {named} × the right value; {named} is also the batch size "
            "here: a sum instead of a mean, or a stray factor (a batch of another size tells)",
        },
        v_scale,
    ),
    Slip(
        "precision",
        ANY,
        "float32",
        {"": "computed in float32: right to float32's precision (relative error < 1e-4)"},
        None,
    ),
)
BY_CODE: dict[str, Slip] = {s.code: s for s in SLIPS}


# ---------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    """A slip that fits the learner's value."""

    code: str
    part: str
    hint: str
    details: dict


class _Fill(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def hint_text(slip: Slip, key: str, details: dict, c: Context | None = None) -> str:
    words = _Fill(details)
    if c is not None:
        words.setdefault("n", c.n)
        words.setdefault("l2_term", f"{c.l2:g}·Wᵐ" if c.l2 else "λWᵐ")
    template = slip.hints.get(key) or next(iter(slip.hints.values()))
    return template.format_map(words)


def match(c: Context, user: np.ndarray, tolerance: float = AGREE) -> Match | None:
    """The first slip of the table whose variant equals ``user`` (and not the right value)."""
    tol = max(tolerance, AGREE)
    for slip in SLIPS:
        if slip.variants is None or c.quantity not in slip.quantities:
            continue
        for key, value, details in slip.variants(c, user):
            value = np.asarray(value, dtype=np.float64)
            if close(user, value, tol) and not close(c.ref, value, tol):
                key = _scale_key(slip, key, details, c)
                return Match(slip.code, slip.part, hint_text(slip, key, details, c), details)
    return None


def _scale_key(slip: Slip, key: str, details: dict, c: Context) -> str:
    """A factor of n or 1/n is 'sum instead of mean' only if it follows the batch size: the
    caller says so in ``c.extra["follows_batch"]`` (True, False, or absent: not probed)."""
    k, n = details.get("factor"), c.n
    if slip.code != "scale" or key == "half" or k is None or n < 2:
        return key
    over_n = _near(k, 1.0 / n)
    if not (_near(k, float(n)) or over_n):
        return key
    follows = c.extra.get("follows_batch")
    if follows is None:
        return "ambiguous"
    if not follows:
        details["named"] = f"{k:.4g}"
        return "stray"
    return "batch_twice" if over_n else "batch"


def scale_factor(c: Context, user: np.ndarray, tolerance: float = AGREE) -> float | None:
    """k when ``user`` is k × the right value's data part plus its λ term (k ≠ 1), else None:
    what a batch probe tests."""
    data, kept = (c.grad_data(), c.l2_term()) if c.quantity == "grad_W" else (c.ref, 0 * c.ref)
    k = factor(user - kept, data)
    if k is None or abs(k - 1) <= 1e-3 or not close(user, k * data + kept, max(tolerance, AGREE)):
        return None
    return k


# ---------------------------------------------------------------------------- wrong shapes

SHAPE_HINTS: dict[str, dict[str, str]] = {
    "transpose": {"": "it is the transpose of the right value: a missing or extra transpose"},
    "keepdims": {
        "": "right values, lost dimension: sum or average over the batch with keepdims=True "
        "to keep the shape {expected}"
    },
    "axis": {
        "features": "summed or averaged over the wrong axis: over the units instead of the "
        "samples ({samples} is the batch axis)",
        "all": "a single number: a sum or mean over every entry instead of over the batch",
        "per_sample": "one value per sample: ∂Ĵ/∂b is the mean over the batch (axis={samples})",
    },
    "bias_in_weights": {
        "": "an extra {which}: the bias's gradient is inside the weights' one; ∂Ĵ/∂W has no "
        "bias {which}"
    },
}
SHAPE_PARTS = {
    "transpose": "a transpose",
    "keepdims": "the bias sum",
    "axis": "the bias sum",
    "bias_in_weights": "the bias",
}


def shape_candidates(
    user: np.ndarray, ref: np.ndarray, delta: np.ndarray | None, samples: int
) -> Iterable[tuple[str, str, np.ndarray, np.ndarray, dict]]:
    """(code, key, a view of the learner's value, what it should then equal, details)."""
    if user.ndim == 2 and user.T.shape == ref.shape:
        yield "transpose", "", user.T, ref, {}
    if user.size == ref.size and user.ndim < ref.ndim:
        yield "keepdims", "", user.reshape(ref.shape), ref, {"expected": ref.shape}
    if user.ndim == 2 and ref.ndim == 2:
        r, c = ref.shape
        if user.shape == (r, c + 1):
            for view in (user[:, 1:], user[:, :-1]):
                yield "bias_in_weights", "", view, ref, {"which": "column"}
        if user.shape == (r + 1, c):
            for view in (user[1:], user[:-1]):
                yield "bias_in_weights", "", view, ref, {"which": "row"}
    if delta is None:
        return
    n = delta.shape[samples]
    other = 1 - samples
    details = {"samples": samples}
    for total in (delta.mean(axis=other), delta.sum(axis=other) / n, delta.sum(axis=other)):
        yield "axis", "features", user.ravel(), total, details
    for total in (delta.mean(), delta.sum() / n, delta.sum()):
        yield "axis", "all", user.ravel(), np.atleast_1d(total), details
    for per_sample in (delta, delta / n):
        yield "axis", "per_sample", user, per_sample, details


def match_shape(
    user: np.ndarray,
    ref: np.ndarray,
    delta: np.ndarray | None = None,
    samples: int = 1,
    tolerance: float = AGREE,
) -> Match | None:
    """The shape slip that explains a result of the wrong shape, verified on its values."""
    tol = max(tolerance, AGREE)
    for code, key, view, target, details in shape_candidates(user, ref, delta, samples):
        if view.shape == target.shape and close(view, np.asarray(target, float), tol):
            text = SHAPE_HINTS[code][key].format_map(_Fill(details))
            return Match(code, SHAPE_PARTS[code], text, details)
    return None
