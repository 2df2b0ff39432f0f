"""Breakpoints (where a run stops) and watches (conditions that stop any run)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bpstep.session.timeline import Phase, StopId

EVERY_UPDATE = "update"  # the first update stop of every iteration
EPOCH_END = "epoch"  # the last stop of every epoch


class BreakpointSet:
    """Stops at which runs pause: StopIds, every update, or every epoch boundary."""

    def __init__(self) -> None:
        self._items: set[StopId | str] = set()

    def add(self, where: StopId | str) -> None:
        self._items.add(where)

    def remove(self, where: StopId | str) -> None:
        self._items.discard(where)

    def toggle(self, where: StopId | str) -> bool:
        """Add or remove ``where``; returns True when it is now set."""
        if where in self._items:
            self._items.discard(where)
            return False
        self._items.add(where)
        return True

    def clear(self) -> None:
        self._items.clear()

    def __contains__(self, where: object) -> bool:
        return where in self._items

    def __iter__(self):
        return iter(sorted(self._items, key=str))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def stop_level(self) -> bool:
        """True when some breakpoint can fire inside an iteration (not only at epoch ends)."""
        return any(item != EPOCH_END for item in self._items)

    def hit(self, stop: StopId, epoch_end: bool) -> str | None:
        """The breakpoint message for arriving at ``stop``, or None."""
        if stop in self._items:
            return f"breakpoint at {stop}"
        if EVERY_UPDATE in self._items and stop.phase is Phase.UPDATE and stop.layer == 1:
            return "breakpoint at every update"
        if EPOCH_END in self._items and epoch_end:
            return "breakpoint at the end of the epoch"
        return None

    def to_list(self) -> list[str]:
        out = []
        for item in self._items:
            if isinstance(item, StopId):
                out.append(item.phase.value + (f":{item.layer}" if item.layer else ""))
            else:
                out.append(item)
        return sorted(out)

    @classmethod
    def from_list(cls, items: list[str]) -> BreakpointSet:
        bs = cls()
        for text in items:
            bs.add(text if text in (EVERY_UPDATE, EPOCH_END) else StopId.parse(text))
        return bs


@dataclass
class NormWatch:
    """Stops a run when ‖tensor^m‖ (Frobenius) leaves [below, above] at a backward stop.

    ``tensor`` is "delta" (δ^m, per-sample columns) or "grad_W" (∂Ĵ/∂W^m); ``layer`` None means
    every layer. Catches vanishing (below) and exploding (above) gradients.
    """

    tensor: str
    layer: int | None = None
    below: float | None = None
    above: float | None = None

    def check(self, layer: int, value: np.ndarray) -> str | None:
        if self.layer is not None and layer != self.layer:
            return None
        norm = float(np.linalg.norm(value))
        sym = "δ" if self.tensor == "delta" else "∂Ĵ/∂W"
        if self.below is not None and norm < self.below:
            return f"watch: ‖{sym}^{layer}‖ = {norm:.3g} fell below {self.below:g} (vanishing)"
        if self.above is not None and norm > self.above:
            return f"watch: ‖{sym}^{layer}‖ = {norm:.3g} rose above {self.above:g} (exploding)"
        return None


@dataclass
class WatchSet:
    """The watches of a session. Non-finite values always stop a run; the rest are optional."""

    norms: list[NormWatch] = field(default_factory=list)
    cost_rising: bool = False

    @property
    def stop_level(self) -> bool:
        return bool(self.norms)

    def check_backward(self, layer: int, delta: np.ndarray, grad_W: np.ndarray) -> str | None:
        for w in self.norms:
            msg = w.check(layer, delta if w.tensor == "delta" else grad_W)
            if msg:
                return msg
        return None

    def check_epoch(self, costs: list[float]) -> str | None:
        if self.cost_rising and len(costs) >= 2 and costs[-1] > costs[-2]:
            return f"watch: training cost rose from {costs[-2]:.6g} to {costs[-1]:.6g}"
        return None

    def to_dict(self) -> dict:
        return {
            "cost_rising": self.cost_rising,
            "norms": [vars(w) for w in self.norms],
        }

    @classmethod
    def from_dict(cls, d: dict) -> WatchSet:
        return cls(
            norms=[NormWatch(**w) for w in d.get("norms", [])],
            cost_rising=bool(d.get("cost_rising", False)),
        )


NONFINITE_FIELDS = {
    "forward": (("z", "z"), ("a", "a")),
    "backward": (("delta", "δ"), ("grad_W", "∂Ĵ/∂W"), ("grad_b", "∂Ĵ/∂b")),
    "update": (("W_after", "W"), ("b_after", "b")),
}


def first_nonfinite(phase: str, event: object) -> str | None:
    """The name of the first tensor of ``event`` holding NaN or ±inf, or None."""
    for attr, sym in NONFINITE_FIELDS.get(phase, ()):
        value = getattr(event, attr, None)
        if value is not None and not np.isfinite(value).all():
            return sym
    return None


def finite(x: float | None) -> bool:
    return x is None or math.isfinite(x)
