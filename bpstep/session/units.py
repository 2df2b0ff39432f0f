"""Units that stopped learning: saturated σ and tanh units, dead ReLUs.

A unit j of layer m passes its error back through f′(zᵐⱼ) (δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹), so
where f′ is small its weights barely move:

- saturated: σ′ or tanh′ below ``SATURATED_FPRIME`` on more than half of the batch, i.e. the
  unit sits in f's flat tail (σ: a < 0.113 or a > 0.887, |z| > 2.07; tanh: |a| > 0.949);
- dead: a ReLU with zᵐⱼ ≤ 0 on the whole batch, where f′ = 0 and no gradient reaches Wᵐⱼ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bpstep.engine.events import ForwardEvent
from bpstep.session.timeline import Phase, StopId

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.session.session import Session

SATURATED_FPRIME = 0.1  # f′ below this is "saturated" (σ′ peaks at 0.25, tanh′ at 1)
SATURATING = ("sigmoid", "tanh")


def saturated(z: np.ndarray, a: np.ndarray, activation: str) -> np.ndarray:
    """Per unit (row): True where f′(z) < SATURATED_FPRIME on more than half of the columns.
    Only σ and tanh saturate; other activations give all False."""
    if activation not in SATURATING:
        return np.zeros(z.shape[0], dtype=bool)
    fprime = a * (1.0 - a) if activation == "sigmoid" else 1.0 - a * a
    return np.mean(fprime < SATURATED_FPRIME, axis=1) > 0.5


def dead(z: np.ndarray, activation: str) -> np.ndarray:
    """Per unit (row): True for a ReLU whose z ≤ 0 on every sample of the batch."""
    if activation != "relu":
        return np.zeros(z.shape[0], dtype=bool)
    return np.all(z <= 0, axis=1)


@dataclass(frozen=True)
class UnitHealth:
    """The units of one layer that stopped learning on this batch (0-based unit numbers)."""

    layer: int
    n_units: int
    saturated: tuple[int, ...]
    dead: tuple[int, ...]

    @property
    def counts(self) -> str:
        """ "3 saturated", "2 dead", both, or "" when every unit learns."""
        parts = [f"{len(self.saturated)} saturated"] if self.saturated else []
        parts += [f"{len(self.dead)} dead"] if self.dead else []
        return ", ".join(parts)

    @property
    def short(self) -> str:
        """For a narrow column: "3 sat", "2 dead"."""
        parts = [f"{len(self.saturated)} sat"] if self.saturated else []
        parts += [f"{len(self.dead)} dead"] if self.dead else []
        return " ".join(parts)


def layer_health(ev: ForwardEvent) -> UnitHealth:
    """Which units of the event's layer are saturated or dead on its batch."""
    sat = saturated(ev.z, ev.a, ev.activation)
    off = dead(ev.z, ev.activation)
    return UnitHealth(
        ev.layer,
        ev.z.shape[0],
        tuple(int(j) for j in np.flatnonzero(sat)),
        tuple(int(j) for j in np.flatnonzero(off)),
    )


def unit_health(session: Session) -> dict[int, UnitHealth]:
    """Each layer whose forward stop this iteration has passed, by m (the output layer too:
    a saturated output unit is as stuck as a hidden one)."""
    out = {}
    for m in range(1, session.L + 1):
        ev = session.event_at(StopId(Phase.FORWARD, m))
        if isinstance(ev, ForwardEvent):
            out[m] = layer_health(ev)
    return out
