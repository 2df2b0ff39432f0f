"""A fully-connected network whose forward, backward and update passes step layer by layer.

The equations are the lesson's (notation: layers m = 1..L, a⁰ = x, columns are samples):

    z^m = W^m a^{m−1} + b^m,   a^m = f(z^m)                               (forward)
    δ^L = (∂a^L/∂z^L)ᵀ ∂C/∂a^L  (= f′(z^L) ⊙ ∂C/∂a^L for an elementwise f)  (output error)
    δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}                                     (backpropagation)
    ∂Ĵ/∂W^m = (1/n) δ^m (a^{m−1})ᵀ + λ W^m,   ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i      (gradients)
    W^m ← W^m − α ∂Ĵ/∂W^m,   b^m ← b^m − α ∂Ĵ/∂b^m                          (update, SGD)

with Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖W^m‖² over a batch of n samples (biases are not regularised).

``forward``, ``backward`` and ``update`` are generators that yield one event per layer, for a
debugger to stop at; ``train_batch`` and ``fit`` are the fast path. Both paths call the same
per-layer helpers (``_forward_layer``, ``_output_delta``, ``_hidden_delta``, ``_layer_grads`` and
the optimiser's ``step``), so stepping an iteration and training it give bit-identical numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from bpstep.engine.activations import ACTIVATIONS, Activation, elementwise_deriv, get_activation
from bpstep.engine.blas import blas_threads, training_threads
from bpstep.engine.costs import Cost, get_cost, quadratic_mean
from bpstep.engine.errors import ConfigError, OrderError
from bpstep.engine.events import BackwardEvent, ForwardEvent, UpdateEvent
from bpstep.engine.init import initialise
from bpstep.engine.optimizers import Optimizer, get_optimizer

# Overflow to ±inf and NaN are results the debugger shows and its watches report, not warnings:
# every pass runs under np.errstate(all="ignore") (σ's e^{−z} overflowing to inf gives σ = 0, as
# it should).


# ---------------------------------------------------------------------- per-layer helpers
# Both paths (the stepping generators and the fast train_batch/fit) call these, so that they
# give bit-identical numbers. They allocate as little as they can and never print.


def forward_layer(W: np.ndarray, b: np.ndarray, f, a_prev: np.ndarray):
    """z^m = W^m a^{m−1} + b^m and a^m = f(z^m); returns (z, a)."""
    z = W @ a_prev
    z += b
    return z, f(z)


def output_delta(act: Activation, cost: Cost, fused: bool, z, a, y, dC_da=None):
    """δ^L = (∂a^L/∂z^L)ᵀ ∂C/∂a^L; returns (δ^L, ∂C/∂a^L, f′(z^L)), None where unused.

    Fused (σ or softmax output with cross-entropy): f′ cancels and δ^L = a^L − y. Otherwise
    δ^L = f′(z^L) ⊙ ∂C/∂a^L for an elementwise f, or softmax's true Jacobian-vector product
    a ⊙ (g − Σ_k a_k g_k). ``dC_da`` may be passed in when the caller already has it.
    """
    if fused:
        return a - y, None, None
    if dC_da is None:
        dC_da = cost.grad_a(a, y)
    if act.deriv is None:
        return act.vjp(z, a, dC_da), dC_da, None
    fprime = act.deriv(z, a)
    return dC_da * fprime, dC_da, fprime


def hidden_delta(fprime: np.ndarray, W_next: np.ndarray, delta_next: np.ndarray) -> np.ndarray:
    """δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1} (the lesson's backpropagation equation)."""
    g = W_next.T @ delta_next
    g *= fprime
    return g


def layer_grads(delta: np.ndarray, a_prev: np.ndarray, W: np.ndarray, l2: float):
    """∂Ĵ/∂W^m = (1/n) δ^m (a^{m−1})ᵀ + λW^m and ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i; returns both.

    δ^m/n is formed first (n_m × n values, not the n_m × n_{m−1} of the product): the same
    numbers, one pass over a small array instead of the large one.
    """
    delta_n = delta / delta.shape[1]
    gW = delta_n @ a_prev.T
    if l2:
        gW += l2 * W
    gb = np.add.reduce(delta_n, axis=1, keepdims=True)  # delta_n.sum(…), without its wrapper
    return gW, gb


def samples_layout(X: np.ndarray) -> np.ndarray:
    """a⁰ = X as float64 with each sample's column contiguous (Fortran order).

    Every path (stepping, ``train_batch``, ``fit``, ``gradients``) gives the products W¹a⁰ and
    δ¹(a⁰)ᵀ their input in this one layout, so that they run the same BLAS kernels and agree
    to the bit; it is also the layout ``fit`` gathers a mini-batch in cheaply (rows of Xᵀ).
    """
    return np.asfortranarray(X, dtype=np.float64)


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        out = [int(s) for s in sizes]
        ok = all(not isinstance(s, bool) and int(s) == s and s > 0 for s in sizes)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"layer sizes must be positive integers such as 2,3,1, got {sizes!r}")
    if len(out) < 2:
        raise ConfigError(
            f"a network needs at least two layer sizes (input and output), got {len(out)}"
        )
    return out


class Network:
    """A fully-connected feed-forward network: ``Network([2, 3, 1])``.

    ``weights[m-1]`` is W^m of shape (n_m, n_{m−1}) and ``biases[m-1]`` is b^m of shape (n_m, 1),
    float64. ``activation`` is one name for every layer or a list of L names.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        cost: str = "quadratic",
        l2: float = 0.0,
        seed: int = 0,
        optimizer: str = "sgd",
        init: str = "normal",
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.L = len(self.sizes) - 1
        if isinstance(activation, str):
            names = [activation] * self.L
        elif isinstance(activation, Sequence):
            names = list(activation)
        else:
            accepted = ", ".join(ACTIVATIONS)
            raise ConfigError(
                f"activation must be a name or a list of {self.L} names, got {activation!r};"
                f" accepted: {accepted}"
            )
        if len(names) != self.L:
            raise ConfigError(
                f"give one activation for every layer or one per layer ({self.L}), "
                f"got {len(names)}: {','.join(map(str, names))}"
            )
        self.activations: list[Activation] = [get_activation(n) for n in names]
        if "softmax" in names[:-1]:
            raise ConfigError("softmax is only accepted in the output layer (the last activation)")
        # f′ of each hidden layer m = 1..L−1 (elementwise there: softmax is output-only)
        self._fprimes = [elementwise_deriv(act) for act in self.activations[:-1]]
        self.activation_names = names
        self.cost_name = cost
        self.cost_fn: Cost = get_cost(cost, names[-1])
        try:
            l2 = float(l2)
        except (TypeError, ValueError):
            raise ConfigError(f"λ (l2) must be a number ≥ 0, got {l2!r}") from None
        if not math.isfinite(l2) or l2 < 0:
            raise ConfigError(f"λ (l2) must be a finite number ≥ 0, got {l2}")
        self.l2 = l2
        self.seed = int(seed)
        self.init = init
        self.rng = np.random.default_rng(self.seed)
        self.weights, self.biases = initialise(self.sizes, init, self.rng)
        self.optimizer: Optimizer = get_optimizer(optimizer, self.sizes)
        # the fused output error δ^L = a − y (sigmoid/softmax output with cross-entropy)
        self.fused = cost == "cross_entropy"
        self._quadratic = cost == "quadratic"
        self._reset_cache()

    # ------------------------------------------------------------------ per-layer helpers
    # Thin methods over the module-level helpers below, which the fast path calls directly.
    def _forward_layer(self, m: int, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z^m = W^m a^{m−1} + b^m and a^m = f(z^m)."""
        return forward_layer(
            self.weights[m - 1], self.biases[m - 1], self.activations[m - 1].func, a_prev
        )

    def _output_delta(self, z, a, y):
        """δ^L, with ∂C/∂a^L and f′(z^L) when they are used (None otherwise)."""
        return output_delta(self.activations[-1], self.cost_fn, self.fused, z, a, y)

    def _hidden_delta(self, m: int, z, a, delta_next):
        """δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}; returns (δ^m, f′(z^m))."""
        fprime = self._fprimes[m - 1](z, a)
        return hidden_delta(fprime, self.weights[m], delta_next), fprime

    def _layer_grads(self, m: int, delta, a_prev):
        """∂Ĵ/∂W^m = (1/n) δ^m (a^{m−1})ᵀ + λW^m and ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i."""
        return layer_grads(delta, a_prev, self.weights[m - 1], self.l2)

    def _batch_cost(self, z_L, a_L, Y) -> float:
        """Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖W^m‖²."""
        return self.cost_fn.mean(a_L, Y, z_L) + self._l2_term()

    def _l2_term(self) -> float:
        """(λ/2) Σₘ ‖W^m‖²_F, the regularisation part of Ĵ (0.0 when λ = 0)."""
        if not self.l2:
            return 0.0
        return 0.5 * self.l2 * sum(float(np.vdot(W, W)) for W in self.weights)

    # ------------------------------------------------------------------ stepping passes
    def _reset_cache(self) -> None:
        self._X: np.ndarray | None = None
        self._zs: list[np.ndarray] = []
        self._as: list[np.ndarray] = []
        self._forward_done = False
        self._grads: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._backward_done = False

    def _check_input(self, X: np.ndarray, what: str, rows: int) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != rows or X.shape[1] == 0:
            raise ConfigError(
                f"{what} must have shape ({rows}, batch) with columns as samples, got {X.shape}"
            )
        return X

    def forward(self, X: np.ndarray) -> Iterator[ForwardEvent]:
        """Feed X (shape (n_0, batch)) forward; yields m = 1..L."""
        X = samples_layout(self._check_input(X, "X", self.sizes[0]))
        self._reset_cache()
        self._X = X
        return self._forward_gen(X)

    def _forward_gen(self, X):
        a = X
        for m in range(1, self.L + 1):
            a_prev = a
            with np.errstate(all="ignore"):
                z, a = self._forward_layer(m, a_prev)
            self._zs.append(z)
            self._as.append(a)
            yield ForwardEvent(
                m,
                _frozen(self.weights[m - 1]),  # a snapshot: updates change W in place
                _frozen(self.biases[m - 1]),
                a_prev,
                z,
                a,
                self.activation_names[m - 1],
            )
        self._forward_done = True

    def backward(self, Y: np.ndarray) -> Iterator[BackwardEvent]:
        """Backpropagate the error for targets Y; yields m = L..1. Needs a complete forward."""
        if not self._forward_done or self._X is None:
            raise OrderError(
                "backward needs a complete forward pass first: run forward(X) to the end"
            )
        Y = self._check_input(Y, "Y", self.sizes[-1])
        if Y.shape[1] != self._X.shape[1]:
            raise ConfigError(f"Y has {Y.shape[1]} samples but X had {self._X.shape[1]}")
        self._grads = {}
        self._backward_done = False
        return self._backward_gen(Y)

    def _backward_gen(self, Y):
        n = Y.shape[1]
        delta_next = None
        for m in range(self.L, 0, -1):
            z, a = self._zs[m - 1], self._as[m - 1]
            a_prev = self._as[m - 2] if m > 1 else self._X
            assert a_prev is not None
            dC_da = None
            with np.errstate(all="ignore"):
                if m == self.L:
                    delta, dC_da, fprime = self._output_delta(z, a, Y)
                    if self.fused:  # not used by δ^L = a − y, but shown beside it
                        fprime = self.activations[-1].fprime(z, a)
                else:
                    delta, fprime = self._hidden_delta(m, z, a, delta_next)
                gW, gb = self._layer_grads(m, delta, a_prev)
            self._grads[m] = (gW, gb)
            yield BackwardEvent(
                layer=m,
                delta=delta,
                grad_W=gW,
                grad_b=gb,
                z=z,
                a=a,
                a_prev=a_prev,
                W=_frozen(self.weights[m - 1]),
                fprime=fprime,
                W_next=_frozen(self.weights[m]) if m < self.L else None,
                delta_next=delta_next,
                dC_da=dC_da,
                y=Y if m == self.L else None,
                fused=self.fused and m == self.L,
                l2=self.l2,
                batch_size=n,
                activation=self.activation_names[m - 1],
            )
            delta_next = delta
        self._backward_done = True

    def update(self, lr: float) -> Iterator[UpdateEvent]:
        """Apply one optimiser step with learning rate α = lr; yields m = 1..L, each updated."""
        if not self._backward_done:
            raise OrderError(
                "update needs a complete backward pass first: run backward(Y) to the end"
            )
        lr = _check_lr(lr)
        return self._update_gen(lr)

    def _update_gen(self, lr):
        self.optimizer.begin_iteration()
        grads = self._grads
        self._reset_cache()  # the cached z, a and δ belong to the old parameters
        for m in range(1, self.L + 1):
            W, b = self.weights[m - 1], self.biases[m - 1]
            W_before, b_before = W.copy(), b.copy()
            gW, gb = grads[m]
            with np.errstate(all="ignore"):
                self.optimizer.step(m, W, b, gW, gb, lr)
            yield UpdateEvent(
                m,
                _frozen(W_before, copy=False),
                _frozen(b_before, copy=False),
                _frozen(W),
                _frozen(b),
                gW,
                gb,
                lr,
                self.optimizer.name,
            )

    def forward_cost(self, Y: np.ndarray) -> float:
        """Ĵ on the batch of the last complete forward pass, for targets Y (the cost stop)."""
        if not self._forward_done:
            raise OrderError(
                "the cost needs a complete forward pass first: run forward(X) to the end"
            )
        with np.errstate(all="ignore"):
            return self._batch_cost(self._zs[-1], self._as[-1], np.asarray(Y, dtype=np.float64))

    # ------------------------------------------------------------------ fast path
    def feedforward(self, X: np.ndarray) -> np.ndarray:
        """a^L for X, without events or caching."""
        return self._output(X)[1]

    predict = feedforward

    def _output(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z^L, a^L) for X, without events or caching."""
        a = np.asarray(X, dtype=np.float64)
        with np.errstate(all="ignore"):
            for m in range(1, self.L + 1):
                z, a = self._forward_layer(m, a)
        return z, a

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Ĵ on (X, Y), the L2 term included."""
        z, a = self._output(X)
        with np.errstate(all="ignore"):
            return self._batch_cost(z, a, np.asarray(Y, dtype=np.float64))

    def data_cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """J = (1/n) Σᵢ Cᵢ on (X, Y): Ĵ without the L2 term (equal to it when λ = 0).

        The cost to compare between training and test sets when diagnosing overfitting: the
        λ term depends on the weights only, so it would add the same amount to both.
        """
        z, a = self._output(X)
        with np.errstate(all="ignore"):
            return self.cost_fn.mean(a, np.asarray(Y, dtype=np.float64), z)

    def accuracy(self, X: np.ndarray, Y: np.ndarray) -> float | None:
        """Fraction classified right: argmax for several outputs, a > ½ for one 0/1 output.

        None when Y does not hold class targets (regression).
        """
        return _accuracy(self.feedforward(X), np.asarray(Y, dtype=np.float64))

    def evaluate(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, float, float | None]:
        """(Ĵ, J, accuracy) on (X, Y) from one forward pass: what ``cost``, ``data_cost`` and
        ``accuracy`` give (the same numbers), for a third of the work."""
        z, a = self._output(X)
        Y = np.asarray(Y, dtype=np.float64)
        with np.errstate(all="ignore"):
            J = self.cost_fn.mean(a, Y, z)
            return J + self._l2_term(), J, _accuracy(a, Y)

    def gradients(self, X, Y) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(∂Ĵ/∂W^m, ∂Ĵ/∂b^m) for m = 1..L, on the batch (X, Y)."""
        X = samples_layout(X)
        Y = np.asarray(Y, dtype=np.float64)
        with np.errstate(all="ignore"):
            gWs, gbs, _ = self._grads_fast(X, Y)
        return gWs, gbs

    def _grads_fast(self, X, Y):
        """Gradients and Ĵ by the per-layer methods (what ``gradients`` and gradcheck use)."""
        acts = [X]
        zs = []
        a = X
        for m in range(1, self.L + 1):
            z, a = self._forward_layer(m, a)
            zs.append(z)
            acts.append(a)
        cost = self._batch_cost(zs[-1], a, Y)
        gWs: list = [None] * self.L
        gbs: list = [None] * self.L
        delta = self._output_delta(zs[-1], a, Y)[0]
        for m in range(self.L, 0, -1):
            if m < self.L:
                delta = self._hidden_delta(m, zs[m - 1], acts[m], delta)[0]
            gWs[m - 1], gbs[m - 1] = self._layer_grads(m, delta, acts[m - 1])
        return gWs, gbs, cost

    def train_batch(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """One iteration on the batch (X, Y); returns Ĵ on the batch before the update."""
        X = samples_layout(X)
        Y = np.asarray(Y, dtype=np.float64)
        with np.errstate(all="ignore"):
            return self._iteration(X, Y, lr)

    def _iteration(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        """The fast path of one iteration: forward, Ĵ, backward and the optimiser step.

        The same per-layer helpers as the stepping passes, without events or copies: each layer
        is stepped as soon as δ^{m−1} (which needs the old W^m) is known, and the optimiser may
        overwrite the gradient arrays. Callers set ``np.errstate(all="ignore")``.
        """
        self._reset_cache()  # any cached stepping pass belongs to the old parameters
        weights, biases, acts_fns = self.weights, self.biases, self.activations
        zs = []
        acts = [X]
        a = X
        for W, b, act in zip(weights, biases, acts_fns, strict=True):
            z, a = forward_layer(W, b, act.func, a)
            zs.append(z)
            acts.append(a)
        cost_fn = self.cost_fn
        if self._quadratic:  # reuse a − y for both Ĵ and ∂C/∂a
            dC_da = a - Y
            cost = quadratic_mean(dC_da)
        else:
            dC_da = None
            cost = cost_fn.mean(a, Y, z)
        if self.l2:
            cost += self._l2_term()
        delta = output_delta(acts_fns[-1], cost_fn, self.fused, z, a, Y, dC_da)[0]
        fprimes = self._fprimes
        opt = self.optimizer
        opt.begin_iteration()
        step = opt.step
        l2 = self.l2
        for m in range(self.L, 0, -1):
            W = weights[m - 1]
            gW, gb = layer_grads(delta, acts[m - 1], W, l2)
            if m > 1:
                delta = hidden_delta(fprimes[m - 2](zs[m - 2], acts[m - 1]), W, delta)
            step(m, W, biases[m - 1], gW, gb, lr, scratch=True)
        return cost

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int,
        batch_size: int,
        lr: float,
        X_test: np.ndarray | None = None,
        Y_test: np.ndarray | None = None,
        callback: Callable[[int, dict], object] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> dict[str, list]:
        """Mini-batch training; returns the per-epoch history.

        Each epoch shuffles the samples with ``self.rng`` and trains on consecutive mini-batches
        (the last may be smaller). ``train_cost`` is the mean of the mini-batch costs Ĵ met during
        the epoch (each before its update), so recording it costs nothing; test cost and accuracy
        are computed on the whole test set after the epoch. A small network trains with one BLAS
        thread (``engine.blas``: the same numbers, faster).
        """
        X = self._check_input(X, "X", self.sizes[0])
        Y = self._check_input(Y, "Y", self.sizes[-1])
        lr = _check_lr(lr)
        epochs = _check_positive_int(epochs, "epochs")
        batch_size = _check_positive_int(batch_size, "batch size")
        with blas_threads(training_threads(self.sizes, batch_size)):
            return self._fit(X, Y, epochs, batch_size, lr, X_test, Y_test, callback, should_stop)

    def _fit(self, X, Y, epochs, batch_size, lr, X_test, Y_test, callback, should_stop):
        n = X.shape[1]
        history: dict[str, list] = {"epoch": [], "train_cost": []}
        test = X_test is not None and Y_test is not None
        if test:
            history["test_cost"] = []
            history["test_accuracy"] = []
        # samples as rows, once: a mini-batch is then a gather of whole rows, and its
        # transpose is a⁰ in samples_layout without a copy
        rows = np.ascontiguousarray(X.T)
        iteration = self._iteration
        for epoch in range(1, epochs + 1):
            order = self.rng.permutation(n)
            total = 0.0
            batches = 0
            stopped = False
            with np.errstate(all="ignore"):
                for start in range(0, n, batch_size):
                    if should_stop is not None and should_stop():
                        stopped = True
                        break
                    idx = order[start : start + batch_size]
                    total += iteration(rows[idx].T, Y[:, idx], lr)
                    batches += 1
            if batches == 0:
                break
            history["epoch"].append(epoch)
            history["train_cost"].append(total / batches)
            if test:
                assert X_test is not None and Y_test is not None
                cost, _, accuracy = self.evaluate(X_test, Y_test)
                history["test_cost"].append(cost)
                history["test_accuracy"].append(accuracy)
            if callback is not None:
                callback(epoch, history)
            if stopped:
                break
        return history

    # ------------------------------------------------------------------ parameters
    def get_params(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Deep copies of (weights, biases)."""
        return [W.copy() for W in self.weights], [b.copy() for b in self.biases]

    def set_params(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> None:
        """Copy weights and biases in (shapes must match); clears the pass caches."""
        if len(weights) != self.L or len(biases) != self.L:
            raise ConfigError(f"expected {self.L} weight matrices and {self.L} bias vectors")
        for m in range(1, self.L + 1):
            for new, old, name in (
                (weights[m - 1], self.weights[m - 1], "W"),
                (biases[m - 1], self.biases[m - 1], "b"),
            ):
                if np.shape(new) != old.shape:
                    raise ConfigError(f"{name}{m} must have shape {old.shape}, got {np.shape(new)}")
        for m in range(self.L):
            self.weights[m][...] = weights[m]
            self.biases[m][...] = biases[m]
        self._reset_cache()

    def copy(self) -> Network:
        """An independent network with the same configuration, parameters and optimiser state."""
        other = Network(
            self.sizes,
            self.activation_names,
            self.cost_name,
            self.l2,
            self.seed,
            self.optimizer.name,
            self.init,
        )
        other.set_params(self.weights, self.biases)
        other.optimizer.load_state_dict(self.optimizer.state_dict())
        other.rng.bit_generator.state = self.rng.bit_generator.state
        return other

    def __repr__(self) -> str:
        acts = ",".join(self.activation_names)
        return f"Network({self.sizes}, activation={acts}, cost={self.cost_name}, l2={self.l2})"


def _accuracy(a: np.ndarray, Y: np.ndarray) -> float | None:
    """The fraction of the columns of a^L classified as Y says (see ``Network.accuracy``)."""
    if Y.shape[0] > 1:
        if not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)):
            return None
        return float(np.mean(a.argmax(axis=0) == Y.argmax(axis=0)))
    if not np.all((Y == 0) | (Y == 1)):
        return None
    return float(np.mean((a > 0.5) == (Y > 0.5)))


def _frozen(p: np.ndarray, copy: bool = True) -> np.ndarray:
    """A read-only snapshot of a parameter for an event (the live array changes on update)."""
    out = p.copy() if copy else p
    out.flags.writeable = False
    return out


def _check_lr(lr: float) -> float:
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ConfigError(f"learning rate α must be a number > 0, got {lr!r}") from None
    if not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"learning rate α must be a finite number > 0, got {lr}")
    return lr


def _check_positive_int(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ConfigError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


__all__ = ["ACTIVATIONS", "Network"]
