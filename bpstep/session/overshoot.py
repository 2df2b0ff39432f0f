"""Overshoot, seen: the batch cost along this iteration's step direction.

The lesson warns that gradient descent "may end up overshooting the optimal point". At an update
stop every gradient of the iteration is known, so the cost of this batch can be evaluated along
the line the step moves on,

    Ĵ(s) = Ĵ(θ − s ∂Ĵ/∂θ),   θ = every Wᵐ and bᵐ as the iteration started,  s in [0, 3α],

and the learning rate α marked on it: plain gradient descent's step lands at s = α; where the
lowest point of the line lies says whether α undershoots or overshoots on this batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bpstep.engine.errors import OrderError
from bpstep.engine.events import BackwardEvent
from bpstep.session.timeline import Phase, StopId

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.session.session import Session

POINTS = 61  # s = 0, α/20, …, 3α: α is the 21st point


@dataclass(frozen=True)
class LineScan:
    """Ĵ(θ − s g) at ``steps`` s; ``alpha`` is the session's α, at ``steps[POINTS // 3]``."""

    steps: np.ndarray
    costs: np.ndarray
    alpha: float
    optimizer: str

    @property
    def start(self) -> float:
        """Ĵ at s = 0: the batch cost before the update."""
        return float(self.costs[0])

    @property
    def at_alpha(self) -> float:
        """Ĵ at s = α: where plain gradient descent's step lands."""
        return float(self.costs[int(np.argmin(np.abs(self.steps - self.alpha)))])

    @property
    def lowest(self) -> tuple[float, float]:
        """(s, Ĵ) of the lowest finite point of the line."""
        finite = np.where(np.isfinite(self.costs), self.costs, np.inf)
        k = int(np.argmin(finite))
        return float(self.steps[k]), float(self.costs[k])

    def verdict(self) -> str:
        """What the line says about α on this batch, in one sentence."""
        best, low = self.lowest
        where = f"s = {best / self.alpha:.2g}α"
        finite = self.costs[np.isfinite(self.costs)]
        if finite.size and finite.max() - finite.min() <= 1e-3 * abs(self.start):
            text = "the line is flat: Ĵ changes by under 0.1% over 3α (saturated units?)"
        elif self.at_alpha > self.start:
            text = (
                f"the step goes uphill ({self.start:.4g} → {self.at_alpha:.4g}): α overshoots "
                f"the valley; the lowest point is at {where}"
            )
        elif best < 0.67 * self.alpha:
            text = f"α overshoots the lowest point of this line ({where}): a smaller step would do"
        elif best > 1.5 * self.alpha:
            text = f"α undershoots: Ĵ keeps falling past α (lowest at {where} of the 3α shown)"
        else:
            text = f"α lands near the lowest point of this line ({where})"
        if self.optimizer != "sgd":
            text += f"; {self.optimizer}'s own step is not along −∂Ĵ/∂θ"
        return text


def line_scan(session: Session, points: int = POINTS) -> LineScan:
    """Ĵ on the current batch along −∂Ĵ/∂θ from the iteration's start, s from 0 to 3α.

    OrderError until the backward pass of this iteration is complete (at the last backward
    stop and the update stops).
    """
    events = [session.event_at(StopId(Phase.BACKWARD, m)) for m in range(1, session.L + 1)]
    grads = [ev for ev in events if isinstance(ev, BackwardEvent)]
    X, Y = session.X_batch, session.Y_batch
    if len(grads) < session.L or X is None or Y is None:
        raise OrderError(
            "the step's direction needs every gradient of this iteration: "
            "at an update stop (or the last backward stop)"
        )
    start = session.iteration_start()
    alpha = float(session.config.lr)
    steps = np.linspace(0.0, 3.0 * alpha, points)
    net = session.network.copy()
    costs = np.empty(points)
    for k, s in enumerate(steps):
        net.set_params(
            [W - s * ev.grad_W for W, ev in zip(start.weights, grads, strict=True)],
            [b - s * ev.grad_b for b, ev in zip(start.biases, grads, strict=True)],
        )
        costs[k] = net.cost(X, Y)
    return LineScan(steps, costs, alpha, session.config.optimizer)
