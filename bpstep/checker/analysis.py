"""Whole-backprop code: what is wrong, and where it starts.

Code written as one backprop (a Nielsen ``backprop``, a CS231n ``loss``, an ex4
``nnCostFunction``…) gives gradients, not δ, so a wrong δᴸ shows up in every gradient below it.
This module finds the **origin**: the first quantity on the way back that is wrong on its own,
and marks everything after it that is right *given the learner's own upstream values* as
``follows``. The steps, on one batch of n samples (each a call of the learner's code through
the shape's ``observe``):

1. their δᵐ per sample: given directly by some shapes (Nielsen's ``nabla_b``, dlai's ``dZ``),
   else read from their own gradients on single-sample batches, where ∂J/∂bᵐ = δᵐ and
   ∂J/∂Wᵐ = δᵐ (aᵐ⁻¹)ᵀ (n = 1, λ = 0). The two readings differ only when one of the two
   gradient formulas has a slip of its own; the one that fits the chain rule from their δᵐ⁺¹
   is their δᵐ.
2. δᵐ against f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ (their δᵐ⁺¹): right given theirs → ``follows`` (if theirs is
   wrong); else a slip of its own (missing_fprime, fprime_of_a, transpose…).
3. ∂J/∂Wᵐ on the whole batch against (1/n) (their δᵐ)(aᵐ⁻¹)ᵀ, and ∂J/∂bᵐ against the mean of
   their δᵐ: the 1/n is isolated by comparing the whole batch with single samples (a factor
   that is n on the batch and 1 on single samples is "sum instead of mean"; one that is the
   same on both is a stray factor).
4. the λ term, when their code reads λ: a run at λ ≠ 0 against the run at λ = 0 isolates it
   (their λ part must be λWᵐ in the lesson's terms, nothing on the biases).
5. the loss, in their convention (and its λ term). Where their code computes a loss, their
   gradients are also compared with finite differences of *that* loss (``fd_rel_error``): the
   ground truth of their own convention, which tells a gradient slip from a loss slip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bpstep.checker.batch import Checked, Options
from bpstep.checker.compare import AGREE, FLOAT32_AGREE, close, factor, low_precision
from bpstep.checker.finite import KINKED, fd_error
from bpstep.checker.judge import context, judge, judge_shape
from bpstep.checker.reference import Params, Problem, Truth, columns, truth
from bpstep.checker.results import Result, Status, worse
from bpstep.checker.runner import LearnerFailure
from bpstep.checker.slips import Context, match
from bpstep.notation import sup

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode
    from bpstep.checker.shapes.whole import WholeShape


@dataclass
class Value:
    """One array the learner's code returned, in the lesson's orientation when its shape is
    right; else what is wrong with it, with the native array for naming a shape slip."""

    array: np.ndarray | None
    name: str  # how the learner's code calls it, e.g. grads['W1']
    problem: str | None = None
    native: np.ndarray | None = None
    to_native: object = None  # lesson → native orientation (for a shape slip's reference)
    samples: int = 1  # the batch axis in the native orientation
    dtype: str | None = None


@dataclass
class Observation:
    """What one call of the learner's whole backprop gave (see ``WholeShape.observe``)."""

    function: str
    W: dict[int, Value] = field(default_factory=dict)
    b: dict[int, Value] = field(default_factory=dict)
    delta: dict[int, np.ndarray] = field(default_factory=dict)  # per sample, when given
    samples: list[Observation] = field(default_factory=list)  # per sample, when it works so
    loss: float | None = None
    warnings: list[str] = field(default_factory=list)
    failure: LearnerFailure | None = None
    dtype: str | None = None  # of what their code returned (float32 is judged at 1e-4)

    def usable(self, part: str, m: int) -> np.ndarray | None:
        v = (self.W if part == "W" else self.b).get(m)
        return None if v is None else v.array


@dataclass
class Run:
    """Everything observed on one batch, with the engine's truth at λ = 0 and λ₁."""

    t0: Truth
    full0: Observation
    singles: list[Observation]
    t1: Truth | None = None
    full1: Observation | None = None
    theirs: dict[int, np.ndarray | None] = field(default_factory=dict)  # their δᵐ
    delta_wrong: dict[int, bool] = field(default_factory=dict)
    batch: set[int] = field(default_factory=set)  # layers whose δ differs on the whole batch
    per_sample: bool = False  # their code sees one sample at a time: no batch factor
    own_loss: Callable[[Params, float], float | None] | None = (
        None  # their loss, when they have one
    )
    arg1: float = 0.0  # their λ argument at λ₁

    @property
    def tol(self) -> float:
        """How close two of their values must be to count as equal (float32 code: 1e-4)."""
        return FLOAT32_AGREE if low_precision(self.full0.dtype) else AGREE


def check_whole(
    shape: WholeShape,
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int,
    options: Options,
) -> Checked:
    """The steps of the module docstring, on one batch."""
    out = Checked()
    conv = shape.convention(code, problem, params, X, Y, out)
    t0 = truth(problem, params, X, Y, l2=0.0)
    full0 = shape.observe(code, problem, params, X, Y, 0.0)
    if full0.failure is not None:
        out.results.append(failed(full0, iteration))
        return out
    if shape.per_sample:
        singles = full0.samples
    else:
        singles = observe_singles(shape, code, problem, params, X, Y)
    run = Run(t0, full0, singles, per_sample=shape.per_sample)
    if full0.loss is not None:
        run.own_loss = lambda p, arg: shape.observe(code, problem, p, X, Y, arg).loss
    lam1 = problem.l2 or (options.probe_l2 if shape.reads_l2(code.found) else None)
    if lam1 and shape.reads_l2(code.found):
        run.t1 = truth(problem, params, X, Y, l2=lam1)
        run.arg1 = conv.argument(lam1, X.shape[1])
        run.full1 = shape.observe(code, problem, params, X, Y, run.arg1)
        out.conventions["l2"] = conv.describe(lam1, X.shape[1])
    elif shape.reads_l2(code.found):
        out.untested.append(f"λ term not tested in {full0.function}: λ = 0 only was tried")
    elif problem.l2:
        out.notes.append(f"{full0.function} takes no λ: checked at λ = 0 ({shape.no_l2_note})")
    their_deltas(run, problem)
    for m in range(problem.L, 0, -1):
        out.results += layer_results(run, m, iteration, options)
    out.results += loss_results(run, conv, iteration)
    if X.shape[1] == 1:
        out.untested.append("the 1/n of the gradients: a batch of 1 sample")
    if all(not np.any(lt.b) for lt in t0.layers.values()) and run.full1 is not None:
        out.untested.append("a λb term in ∂J/∂b: b = 0 in every layer")
    return out


def failed(obs: Observation, iteration: int) -> Result:
    assert obs.failure is not None
    r = Result(obs.function, None, None, Status.ERROR, iteration=iteration)
    r.message = str(obs.failure)
    return r


def observe_singles(
    shape: WholeShape,
    code: LearnerCode,
    problem: Problem,
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
) -> list[Observation]:
    """The learner's code on each sample alone (n = 1, λ = 0)."""
    out = []
    for i in range(X.shape[1]):
        obs = shape.observe(code, problem, params, columns(X, [i]), columns(Y, [i]), 0.0)
        if obs.failure is not None:
            return []
        out.append(obs)
    return out


# ---------------------------------------------------------------------------- their δ


def their_deltas(run: Run, problem: Problem) -> None:
    """Their δᵐ per sample, m = L..1 (step 1 of the module docstring)."""
    t = run.t0
    for m in range(problem.L, 0, -1):
        candidates = delta_candidates(run, m)
        expected = chained(run, m)
        chosen = next((c for c in candidates if close(c, expected, run.tol)), None)
        if chosen is None and candidates:
            chosen = candidates[0]
        batch = batch_delta(run, m, chosen)
        if batch is not None:
            chosen = batch
            run.batch.add(m)
        run.theirs[m] = chosen
        run.delta_wrong[m] = chosen is not None and not close(chosen, t.layers[m].delta, run.tol)


def chained(run: Run, m: int) -> np.ndarray:
    """δᵐ as the chain rule makes it from their δᵐ⁺¹ (the engine's δᴸ at m = L)."""
    lt = run.t0.layers[m]
    upstream = run.theirs.get(m + 1)
    if m == run.t0.L or upstream is None or lt.W_next is None:
        return lt.delta
    back = lt.W_next.T @ upstream
    return back * lt.fprime if lt.fprime is not None else back


def batch_delta(run: Run, m: int, single: np.ndarray | None) -> np.ndarray | None:
    """Their δᵐ on the whole batch, when it is not what single samples give: some slips
    (a softmax normalised over the batch) only show with several samples. Read from their
    whole-batch ∂J/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ when aᵐ⁻¹ has rank n, or the chain rule from their
    whole-batch δᵐ⁺¹; trusted when their ∂J/∂bᵐ is its mean."""
    t = run.t0
    W, b = run.full0.usable("W", m), run.full0.usable("b", m)
    if W is None or b is None or run.per_sample or t.n < 2:
        return None
    lt = t.layers[m]
    options = []
    if m + 1 in run.batch:
        options.append(chained(run, m))
    A = lt.a_prev
    if A.shape[0] >= t.n and np.linalg.matrix_rank(A) == t.n:
        options.append(t.n * W @ A @ np.linalg.inv(A.T @ A))
    for delta in options:
        fits = close(W, delta @ A.T / t.n, run.tol) and close(
            b, delta.mean(axis=1, keepdims=True), run.tol
        )
        if fits and (single is None or not proportional(delta, single, run.tol)):
            return delta
    return None


def proportional(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    """Whether a = k·b for some k (the same up to a batch factor the gradients name)."""
    k = factor(a, b)
    return k is not None and close(a, k * b, tol)


def delta_candidates(run: Run, m: int) -> list[np.ndarray]:
    """Their δᵐ as given, and as read from their single-sample ∂J/∂bᵐ and ∂J/∂Wᵐ."""
    direct = [run.full0.delta[m]] if m in run.full0.delta else []
    if not run.singles:
        return direct
    t = run.t0
    from_b, from_W = [], []
    for i, obs in enumerate(run.singles):
        db, dW = obs.usable("b", m), obs.usable("W", m)
        a = t.layers[m].a_prev[:, i]
        from_b.append(None if db is None else db[:, 0])
        norm = float(a @ a)
        from_W.append(None if dW is None or norm == 0 else dW @ a / norm)
    out = list(direct)
    for cols in (from_b, from_W):
        if all(c is not None for c in cols):
            out.append(np.stack(cols, axis=1))  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------------------- per layer


def layer_results(run: Run, m: int, iteration: int, options: Options) -> list[Result]:
    """δᵐ (when their δᵐ is known), ∂J/∂Wᵐ and ∂J/∂bᵐ: the worse of λ = 0 and λ₁."""
    out = []
    if run.theirs.get(m) is not None:
        out.append(delta_result(run, m, run.full0.function, iteration, options))
    for part in ("W", "b"):
        r0 = grad_result(run, part, m, iteration, options)
        if run.full1 is not None and run.t1 is not None and r0.status is not Status.ERROR:
            r1 = l2_result(run, part, m, iteration, options)
            if r1 is not None and worse(r1, r0):
                if r0.ok:
                    r0 = r1
                else:
                    r0.notes.append(f"and at λ = {r1.l2:g}: {r1.hint or r1.slip}")
        out.append(r0)
    return out


def delta_result(run: Run, m: int, fn: str, iteration: int, options: Options) -> Result:
    t = run.t0
    lt = t.layers[m]
    user = run.theirs[m]
    assert user is not None
    r = Result(fn, m, "delta", Status.ERROR, tuple(lt.delta.shape), iteration=iteration)
    upstream = run.theirs.get(m + 1) if m < t.L else None
    c = context(t, m, "delta", lt.delta)
    judge(r, user, c, run.full0.dtype)
    if options.finite_differences and user.shape == lt.delta.shape:
        r.fd_rel_error = fd_error("delta", user, t, m)
    if r.ok or user.shape != lt.delta.shape:
        return r
    if upstream is not None and run.delta_wrong.get(m + 1):
        given = context(t, m, "delta", lt.delta, delta_next=upstream)
        right = chained(run, m)
        if close(user, right, run.tol):
            mark_follows(r, f"δ{sup(m + 1)}")
            return r
        given.ref = np.asarray(right)
        name(r, match(given, user, run.tol))
    if m in run.batch:
        r.notes.append(
            f"δ{sup(m)} on the whole batch (read from your gradients): it differs "
            "from what single samples give"
        )
    elif m not in run.full0.delta and not run.per_sample:
        r.notes.append(f"δ{sup(m)} read from your gradients on single samples")
    return r


def mark_follows(r: Result, upstream: str) -> None:
    r.follows = True
    r.slip, r.part, r.slip_details = None, None, {}
    r.hint = f"right given your {upstream}, which is wrong: it follows from that"


def name(r: Result, found) -> None:
    if found is None:
        r.slip = r.part = r.hint = None
        r.slip_details = {}
        return
    r.slip, r.part, r.hint, r.slip_details = found.code, found.part, found.hint, found.details


def grad_result(run: Run, part: str, m: int, iteration: int, options: Options) -> Result:
    """∂J/∂Wᵐ or ∂J/∂bᵐ on the whole batch at λ = 0 (step 3)."""
    t = run.t0
    lt = t.layers[m]
    quantity = "grad_W" if part == "W" else "grad_b"
    ref = lt.grad_W if part == "W" else lt.grad_b
    value = (run.full0.W if part == "W" else run.full0.b)[m]
    r = Result(run.full0.function, m, quantity, Status.ERROR, tuple(ref.shape), iteration=iteration)
    r.warnings = list(run.full0.warnings)
    if value.array is None:
        shape_problem(r, value, ref, lt.delta)
        return r
    theirs = run.theirs.get(m)
    c = context(t, m, quantity, ref)
    judge(r, value.array, c, value.dtype, lambda k: batch_follows(run, part, m, k))
    if options.finite_differences:
        own = own_fd(run, part, m, 0.0, value.array)
        r.fd_rel_error = own if own is not None else fd_error(quantity, value.array, t, m)
    if r.ok or theirs is None:
        return r
    given = theirs @ lt.a_prev.T / t.n if part == "W" else theirs.mean(axis=1, keepdims=True)
    if run.delta_wrong.get(m) and close(value.array, given, run.tol):
        mark_follows(r, f"δ{sup(m)}")
        return r
    gc = context(t, m, quantity, given, delta=theirs)
    gc.extra.update(c.extra)  # what a batch probe found
    found = match(gc, value.array, run.tol)
    if found is not None:
        name(r, found)
    return r


def shape_problem(r: Result, value: Value, ref: np.ndarray, delta: np.ndarray) -> None:
    r.status = Status.ERROR
    r.message = value.problem
    if value.native is None or not callable(value.to_native):
        return
    native_ref = value.to_native(ref)
    native_delta = delta.T if value.samples == 0 else delta  # rows are samples there
    judge_shape(r, value.native, native_ref, value.name, native_delta, value.samples)
    r.message = value.problem


def batch_follows(run: Run, part: str, m: int, k: float) -> bool | None:
    """Whether a factor k (n or 1/n) of the whole batch is 1 on single samples."""
    if run.per_sample:
        return False  # their code never sees the batch: a factor n is a stray one
    if not run.singles:
        return None
    t = run.t0
    ref = t.layers[m].grad_W if part == "W" else t.layers[m].grad_b
    n = t.n
    vals = [obs.usable(part, m) for obs in run.singles]
    if any(v is None for v in vals):
        return None
    mean = np.mean(np.stack(vals), axis=0)  # type: ignore[arg-type]
    theirs = run.theirs.get(m)
    if theirs is not None:
        lt = t.layers[m]
        ref = theirs @ lt.a_prev.T / n if part == "W" else theirs.mean(axis=1, keepdims=True)
    if close(mean, ref, run.tol):
        return True  # right on single samples, ×n on the batch: the factor follows n
    return False if close(mean, k * ref, run.tol) else None


def l2_result(run: Run, part: str, m: int, iteration: int, options: Options) -> Result | None:
    """The λ term (step 4): their value at λ₁ minus theirs at λ = 0 must be λ₁Wᵐ (and 0 for
    the biases)."""
    assert run.full1 is not None and run.t1 is not None
    t1 = run.t1
    lt = t1.layers[m]
    quantity = "grad_W" if part == "W" else "grad_b"
    ref = lt.grad_W if part == "W" else lt.grad_b
    v0, v1 = run.full0.usable(part, m), run.full1.usable(part, m)
    if v0 is None or v1 is None:
        return None
    r = Result(run.full1.function, m, quantity, Status.ERROR, tuple(ref.shape), iteration=iteration)
    r.l2 = t1.l2
    dtype = (run.full1.W if part == "W" else run.full1.b)[m].dtype
    judge(r, v1, context(t1, m, quantity, ref), dtype)
    if options.finite_differences:
        own = own_fd(run, part, m, run.arg1, v1)
        r.fd_rel_error = own if own is not None else fd_error(quantity, v1, t1, m)
    if r.ok:
        return r
    right = v0 + (t1.l2 * lt.W if part == "W" else 0.0)
    c = context(t1, m, quantity, right)
    if close(v1, right, run.tol):
        return None  # the λ term is right: what is wrong is at λ = 0 already
    name(r, match(c, v1, run.tol))
    return r


OWN_FD_ENTRIES = 12  # entries of each gradient differenced through the learner's own loss


def own_fd(run: Run, part: str, m: int, arg: float, user: np.ndarray) -> float | None:
    """Their gradient against central differences of their own loss (their convention: the
    ground truth for it), on a seeded sample of entries; None without a loss of theirs."""
    if run.own_loss is None:
        return None
    W = [lt.W.copy() for _, lt in sorted(run.t0.layers.items())]
    b = [lt.b.copy() for _, lt in sorted(run.t0.layers.items())]
    target = (W if part == "W" else b)[m - 1].reshape(-1)
    rng = np.random.default_rng(m)
    idx = rng.choice(target.size, min(OWN_FD_ENTRIES, target.size), replace=False)
    kinked = any(a in KINKED for a in run.t0.problem.activations)
    h = 1e-6 if kinked else 1e-5
    num = np.empty(len(idx))
    for k, i in enumerate(idx):
        old = target[i]
        values = []
        for value in (old + h, old - h):
            target[i] = value
            values.append(run.own_loss((W, b), arg))
        target[i] = old
        if values[0] is None or values[1] is None:
            return None
        num[k] = (values[0] - values[1]) / (2 * h)
    u = user.reshape(-1)[idx]
    with np.errstate(all="ignore"):
        err = np.abs(u - num) / np.maximum(1e-4, np.abs(u) + np.abs(num))
    return float(np.where(np.isfinite(err), err, np.inf).max())


def loss_results(run: Run, conv, iteration: int) -> list[Result]:
    """The loss in the learner's convention (step 5), at λ = 0 and at λ₁."""
    out = []
    for obs, t in ((run.full0, run.t0), (run.full1, run.t1)):
        if obs is None or t is None or obs.loss is None:
            continue
        ref = np.asarray(t.loss)
        r = Result(obs.function, None, "loss", Status.ERROR, (), iteration=iteration, l2=t.l2)
        user = np.asarray(float(obs.loss))
        top = t.layers[t.L]
        c = Context("loss", None, t.L, ref, n=t.n, l2=t.l2, cost=t.problem.cost, fused=top.fused)
        c.activation, c.z, c.y, c.a = top.activation, top.z, t.Y, top.a
        c.data_loss, c.l2_loss = t.data_loss, t.loss - t.data_loss
        c.bias_norm2 = t.biases_norm2()
        judge(r, user, c, obs.dtype)
        out.append(r)
    if len(out) == 2 and not worse(out[1], out[0]):
        out = out[:1]
    elif len(out) == 2:
        out = out[1:]
    return out
