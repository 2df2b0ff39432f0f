"""Optimisers: how ∂Ĵ/∂W^m and ∂Ĵ/∂b^m become a parameter step.

- ``sgd``, the lesson's gradient descent: W ← W − α ∂Ĵ/∂W.
- ``momentum``: v ← μ v − α g, W ← W + v (μ = 0.9).
- ``adam`` (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ),
  v̂ = v/(1−β₂ᵗ), W ← W − α m̂/(√v̂ + ε); t counts iterations.
Every step is in place on the parameter arrays.
"""

from __future__ import annotations

import numpy as np

from bpstep.engine.errors import ConfigError

OPTIMIZERS = ("sgd", "momentum", "adam")


class Optimizer:
    """Plain gradient descent; subclasses keep per-parameter state."""

    name = "sgd"
    # the update of layer m ({m}: its superscript), in the lesson's symbols
    formula = "W{m} ← W{m} − α ∂Ĵ/∂W{m},   b{m} ← b{m} − α ∂Ĵ/∂b{m}"

    def __init__(self, sizes: list[int]) -> None:
        self.shapes = [((n, m), (n, 1)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]

    def begin_iteration(self) -> None:
        """Called once per iteration, before the first layer's step."""

    def step(self, m: int, W, b, gW, gb, lr: float, scratch: bool = False) -> None:
        """Update W^m and b^m in place (m is 1-based).

        ``scratch=True`` lets the step overwrite gW and gb (the fast path's own arrays) instead
        of allocating temporaries; the result is bit-identical (α·g is g·α).
        """
        if scratch:
            gW *= lr
            W -= gW
            gb *= lr
            b -= gb
        else:
            W -= lr * gW
            b -= lr * gb

    def state_dict(self) -> dict[str, np.ndarray]:
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        pass

    def _slots(self, prefix: str) -> list[list[np.ndarray]]:
        return [[np.zeros(sw), np.zeros(sb)] for sw, sb in self.shapes]

    @staticmethod
    def _dump(name: str, slots: list[list[np.ndarray]]) -> dict[str, np.ndarray]:
        out = {}
        for m, (w, b) in enumerate(slots, start=1):
            out[f"{name}_W{m}"] = w.copy()
            out[f"{name}_b{m}"] = b.copy()
        return out

    @staticmethod
    def _load(name: str, slots: list[list[np.ndarray]], state: dict) -> None:
        for m, pair in enumerate(slots, start=1):
            pair[0][...] = state[f"{name}_W{m}"]
            pair[1][...] = state[f"{name}_b{m}"]


class Momentum(Optimizer):
    name = "momentum"
    formula = "v ← μv − α ∂Ĵ/∂W{m},   W{m} ← W{m} + v   (μ = 0.9)"

    def __init__(self, sizes: list[int], mu: float = 0.9) -> None:
        super().__init__(sizes)
        self.mu = mu
        self.velocity = self._slots("v")

    def step(self, m, W, b, gW, gb, lr, scratch=False):
        vW, vb = self.velocity[m - 1]
        for p, v, g in ((W, vW, gW), (b, vb, gb)):
            v *= self.mu
            if scratch:
                g *= lr
                v -= g
            else:
                v -= lr * g
            p += v

    def state_dict(self):
        return self._dump("v", self.velocity)

    def load_state_dict(self, state):
        self._load("v", self.velocity, state)


class Adam(Optimizer):
    name = "adam"
    formula = "W{m} ← W{m} − α m̂/(√v̂ + ε)   (Adam)"

    def __init__(self, sizes, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(sizes)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m = self._slots("m")
        self.v = self._slots("v")

    def begin_iteration(self) -> None:
        self.t += 1

    def step(self, m, W, b, gW, gb, lr, scratch=False):
        t = max(self.t, 1)
        c1 = 1.0 - self.beta1**t
        c2 = 1.0 - self.beta2**t
        (mW, mb), (vW, vb) = self.m[m - 1], self.v[m - 1]
        for p, g, mom, sq in ((W, gW, mW, vW), (b, gb, mb, vb)):
            mom *= self.beta1
            mom += (1.0 - self.beta1) * g
            sq *= self.beta2
            sq += (1.0 - self.beta2) * (g * g)
            p -= lr * (mom / c1) / (np.sqrt(sq / c2) + self.eps)

    def state_dict(self):
        return {"t": np.array(self.t), **self._dump("m", self.m), **self._dump("v", self.v)}

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self._load("m", self.m, state)
        self._load("v", self.v, state)


def get_optimizer(name: str, sizes: list[int]) -> Optimizer:
    """A fresh optimiser ``name`` for a network of ``sizes``."""
    classes = {"sgd": Optimizer, "momentum": Momentum, "adam": Adam}
    if not isinstance(name, str) or name not in classes:
        raise ConfigError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZERS)}")
    return classes[name](sizes)
