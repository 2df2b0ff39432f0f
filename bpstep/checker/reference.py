"""The right numbers, from the engine: every layer's z, a, δ and gradients for one batch.

The engine (``bpstep.engine.Network``) is right to 1e-12 against autograd; the checker only
reads it. A :class:`Problem` says which network (sizes, activations, cost, λ); ``truth``
runs one forward and one backward pass with given parameters on a batch (columns are samples)
and keeps each layer's values in the lesson's notation::

    z^m = W^m a^{m-1} + b^m,  a^m = f(z^m)
    δ^L = ∂C/∂a^L ⊙ f′(z^L)  (a^L − y with cross-entropy and a sigmoid or softmax output)
    δ^m = f′(z^m) ⊙ (W^{m+1})ᵀ δ^{m+1}
    ∂Ĵ/∂W^m = (1/n) δ^m (a^{m-1})ᵀ + λW^m,   ∂Ĵ/∂b^m = (1/n) Σᵢ δ^m_i
    Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖W^m‖²
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpstep.engine.events import BackwardEvent
from bpstep.engine.network import Network

Params = tuple[list[np.ndarray], list[np.ndarray]]  # (W¹..Wᴸ, b¹..bᴸ), lesson shapes


@dataclass(frozen=True)
class Problem:
    """The network the learner's code is checked on (its parameters come with each batch)."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    cost: str
    l2: float = 0.0  # λ, the lesson's: Ĵ has (λ/2) Σₘ ‖Wᵐ‖²
    n_train: int | None = None  # the training set's size, when known

    @property
    def L(self) -> int:
        return len(self.sizes) - 1

    @classmethod
    def of(cls, network: Network, n_train: int | None = None) -> Problem:
        return cls(
            tuple(network.sizes),
            tuple(network.activation_names),
            network.cost_name,
            float(network.l2),
            n_train,
        )

    def describe(self) -> str:
        acts = " → ".join(dict.fromkeys(self.activations))
        return f"{'-'.join(map(str, self.sizes))} {acts}, {self.cost}"


@dataclass(frozen=True)
class LayerTruth:
    """The engine's values at layer m (see the module docstring)."""

    m: int
    z: np.ndarray
    a: np.ndarray
    a_prev: np.ndarray
    z_prev: np.ndarray | None
    W: np.ndarray
    b: np.ndarray
    fprime: np.ndarray | None
    delta: np.ndarray
    dC_da: np.ndarray | None
    W_next: np.ndarray | None
    delta_next: np.ndarray | None
    grad_W: np.ndarray  # with λWᵐ at the truth's λ
    grad_b: np.ndarray
    y: np.ndarray
    fused: bool
    activation: str


@dataclass
class Truth:
    """The engine's forward and backward pass on one batch, at λ = ``l2``."""

    problem: Problem
    layers: dict[int, LayerTruth]
    loss: float  # Ĵ, with the λ term
    data_loss: float  # (1/n) Σᵢ Cᵢ
    per_sample: np.ndarray  # Cᵢ
    l2: float
    X: np.ndarray
    Y: np.ndarray
    network: Network  # the engine's network with these parameters (for finite differences)

    @property
    def n(self) -> int:
        return int(self.X.shape[1])

    @property
    def L(self) -> int:
        return self.problem.L

    def weights_norm2(self) -> float:
        """Σₘ ‖Wᵐ‖²."""
        return sum(float(np.vdot(t.W, t.W)) for t in self.layers.values())

    def biases_norm2(self) -> float:
        return sum(float(np.vdot(t.b, t.b)) for t in self.layers.values())


def network_for(problem: Problem, params: Params, l2: float | None = None) -> Network:
    """An engine network of ``problem`` holding copies of ``params``."""
    net = Network(
        problem.sizes,
        activation=list(problem.activations),
        cost=problem.cost,
        l2=problem.l2 if l2 is None else l2,
    )
    net.set_params(*params)
    return net


def truth(
    problem: Problem, params: Params, X: np.ndarray, Y: np.ndarray, l2: float | None = None
) -> Truth:
    """One forward and backward pass of the engine on the batch (X, Y), at λ = ``l2``."""
    net = network_for(problem, params, l2)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    forward = list(net.forward(X))
    loss = net.forward_cost(Y)
    events: list[BackwardEvent] = list(net.backward(Y))
    z_L, a_L = forward[-1].z, forward[-1].a
    per_sample = net.cost_fn.per_sample(a_L, Y, z_L)
    layers = {}
    for ev in events:
        m = ev.layer
        layers[m] = LayerTruth(
            m=m,
            z=np.array(ev.z),
            a=np.array(ev.a),
            a_prev=np.array(ev.a_prev),
            z_prev=np.array(forward[m - 2].z) if m > 1 else None,
            W=np.array(ev.W),
            b=np.array(params[1][m - 1], dtype=np.float64),
            fprime=None if ev.fprime is None else np.array(ev.fprime),
            delta=np.array(ev.delta),
            dC_da=None if ev.dC_da is None else np.array(ev.dC_da),
            W_next=None if ev.W_next is None else np.array(ev.W_next),
            delta_next=None if ev.delta_next is None else np.array(ev.delta_next),
            grad_W=np.array(ev.grad_W),
            grad_b=np.array(ev.grad_b),
            y=Y,
            fused=ev.fused,
            activation=ev.activation,
        )
    data_loss = float(per_sample.sum()) / X.shape[1]
    return Truth(problem, layers, float(loss), data_loss, per_sample, net.l2, X, Y, net)


def columns(X: np.ndarray, cols: Sequence[int] | slice) -> np.ndarray:
    return np.ascontiguousarray(X[:, cols])
