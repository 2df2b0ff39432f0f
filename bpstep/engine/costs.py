"""Per-sample costs C_i and their gradients ∂C_i/∂a^L.

Quadratic: C = ½‖a − y‖², ∂C/∂a = a − y.
Cross-entropy, binary (sigmoid output): C = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)],
∂C/∂a = (a − y) / (a (1 − a)).
Cross-entropy, categorical (softmax output): C = −Σ_j y_j ln a_j, ∂C/∂a = −y / a.
Given z^L, cross-entropy is computed from the logits, which is exact where a rounds to 0 or 1:
ln a = −softplus(−z) and ln(1 − a) = −softplus(z) for the sigmoid; ln a = z − logsumexp(z) for
the softmax.
The batch cost is Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖W^m‖² (the network adds the L2 term).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstep.engine.errors import ConfigError

EPS = 1e-12  # without z, logs are clipped here for the cost's value only


def quadratic_mean(d: np.ndarray) -> float:
    """(1/n) Σᵢ ½‖dᵢ‖² for d = a − y with n columns: the quadratic cost from its gradient."""
    f = d.ravel()
    return 0.5 * float(f @ f) / d.shape[1]


@dataclass(frozen=True)
class Cost:
    """A per-sample cost; ``categorical`` selects the softmax form of cross-entropy."""

    name: str
    categorical: bool = False

    @property
    def formula(self) -> str:
        """Cᵢ, the cost of one sample i, summed over the output units k."""
        if self.name == "quadratic":
            return "Cᵢ = ½ Σₖ (aₖ − yₖ)²"
        if self.categorical:
            return "Cᵢ = −Σₖ yₖ ln aₖ"
        return "Cᵢ = −Σₖ [yₖ ln aₖ + (1−yₖ) ln(1−aₖ)]"

    def per_sample(self, a: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        """C_i for each column i, shape (batch,); pass z^L for the exact cross-entropy."""
        if self.name == "quadratic":
            d = a - y
            return 0.5 * np.einsum("ij,ij->j", d, d)
        if z is not None:
            if self.categorical:  # −Σ y (z − logsumexp z)
                zmax = z.max(axis=0)
                lse = zmax + np.log(np.exp(z - zmax).sum(axis=0))
                return -np.einsum("ij,ij->j", y, z) + y.sum(axis=0) * lse
            # y softplus(−z) + (1 − y) softplus(z) = softplus(z) − y z
            return np.sum(np.logaddexp(0.0, z) - y * z, axis=0)
        if self.categorical:
            return -np.sum(y * np.log(np.clip(a, EPS, None)), axis=0)
        ac = np.clip(a, EPS, 1.0 - EPS)
        return -np.sum(y * np.log(ac) + (1.0 - y) * np.log1p(-ac), axis=0)

    def mean(self, a: np.ndarray, y: np.ndarray, z: np.ndarray | None = None) -> float:
        """(1/n) Σᵢ Cᵢ over the n columns (the data part of Ĵ); z^L as for ``per_sample``."""
        if self.name == "quadratic":
            return quadratic_mean(a - y)
        return float(self.per_sample(a, y, z).sum()) / a.shape[1]

    def grad_a(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∂C_i/∂a^L per column, shaped like a."""
        if self.name == "quadratic":
            return a - y
        if self.categorical:
            return -y / a
        return (a - y) / (a * (1.0 - a))


COSTS = ("quadratic", "cross_entropy")
FUSED_OUTPUTS = ("sigmoid", "softmax")  # the outputs cross-entropy fits


def get_cost(name: str, output_activation: str) -> Cost:
    """The cost ``name`` for a network whose output layer uses ``output_activation``."""
    if name == "quadratic":
        return Cost("quadratic")
    if name == "cross_entropy":
        if output_activation not in FUSED_OUTPUTS:
            raise ConfigError(
                f"cross_entropy needs a sigmoid or softmax output layer, not {output_activation!r};"
                " change the last activation or use --cost quadratic"
            )
        return Cost("cross_entropy", categorical=output_activation == "softmax")
    raise ConfigError(f"unknown cost {name!r}; accepted: {', '.join(COSTS)}")
