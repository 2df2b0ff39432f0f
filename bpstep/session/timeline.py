"""The stops of one training iteration, in order.

One iteration on one mini-batch is the fixed sequence
forward m = 1..L → cost (Ĵ on the batch, before the update) → backward m = L..1 → update m = 1..L,
that is 3L + 1 stops. Stop 0 of a session is START, before anything has happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bpstep.engine.errors import ConfigError


class Phase(StrEnum):
    START = "start"
    FORWARD = "forward"
    COST = "cost"
    BACKWARD = "backward"
    UPDATE = "update"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class StopId:
    """A place in an iteration: a phase and, except for START and COST, a layer m."""

    phase: Phase
    layer: int | None = None

    def __str__(self) -> str:
        return f"{self.phase.value}" + (f" m={self.layer}" if self.layer is not None else "")

    @classmethod
    def parse(cls, text: str) -> StopId:
        """``forward:2``, ``backward:1``, ``update:3``, ``cost``."""
        name, _, layer = text.partition(":")
        try:
            phase = Phase(name.strip().lower())
            m = int(layer) if layer else None
        except ValueError:
            raise ConfigError(
                f"a stop is phase:layer such as backward:2 or cost, got {text!r}"
            ) from None
        if (phase in (Phase.COST, Phase.START)) != (m is None):
            raise ConfigError(f"{phase.value} {'takes no' if m is not None else 'needs a'} layer")
        return cls(phase, m)


def iteration_stops(L: int) -> list[StopId]:
    """The 3L + 1 stops of one iteration of an L-layer network, in order."""
    return (
        [StopId(Phase.FORWARD, m) for m in range(1, L + 1)]
        + [StopId(Phase.COST)]
        + [StopId(Phase.BACKWARD, m) for m in range(L, 0, -1)]
        + [StopId(Phase.UPDATE, m) for m in range(1, L + 1)]
    )
