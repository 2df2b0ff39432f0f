"""Watches: conditions that stop any run where they fire, with a message naming tensor and layer.

- non-finite values (always on): the first stop whose z, a, δ, ∂Ĵ/∂W, ∂Ĵ/∂b, W or b holds NaN or
  ±inf stops the run there;
- ‖δ^m‖ or ‖∂Ĵ/∂W^m‖ (Frobenius norm, at backward stops) below a threshold (vanishing gradients)
  or above one (exploding gradients);
- the training cost rising from one epoch to the next.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from bpstep.engine.errors import ConfigError
from bpstep.notation import sup


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

    def __post_init__(self) -> None:
        if self.tensor not in ("delta", "grad_W"):
            raise ConfigError(f"a norm watch is on delta or grad_W, got {self.tensor!r}")
        if self.layer is not None and (
            isinstance(self.layer, bool) or not isinstance(self.layer, int) or self.layer < 1
        ):
            raise ConfigError(f"a watch's layer must be an integer m ≥ 1, got {self.layer!r}")
        for name in ("below", "above"):
            v = getattr(self, name)
            ok = v is None or (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and math.isfinite(v)
                and v >= 0
            )
            if not ok:
                raise ConfigError(f"a watch threshold must be a finite number ≥ 0, got {v!r}")
        if self.below is None and self.above is None:
            raise ConfigError("a norm watch needs a threshold: below, above or both")

    @property
    def spec(self) -> str:
        """For a screen, e.g. ‖δ¹‖<0.001 or ‖∂Ĵ/∂Wᵐ‖>10 (m: every layer)."""
        sym = "δ" if self.tensor == "delta" else "∂Ĵ/∂W"
        m = sup(self.layer) if self.layer else "ᵐ"
        bounds = [f"<{self.below:g}"] if self.below is not None else []
        bounds += [f">{self.above:g}"] if self.above is not None else []
        return f"‖{sym}{m}‖" + " or ".join(bounds)

    def check_layer(self, L: int) -> None:
        """ConfigError when the watch is on a layer the network does not have (it could never
        fire): it must be on one of m = 1..L, or on every layer."""
        if self.layer is not None and self.layer > L:
            raise ConfigError(
                f"the watch {self.spec} is on layer m = {self.layer}, but the network has layers "
                f"m = 1..{L}; give one of them, or no layer to watch every layer"
            )

    def check(self, layer: int, value: np.ndarray) -> str | None:
        if self.layer is not None and layer != self.layer:
            return None
        norm = float(np.linalg.norm(value))
        sym = "δ" if self.tensor == "delta" else "∂Ĵ/∂W"
        if self.below is not None and norm < self.below:
            return f"watch: ‖{sym}{sup(layer)}‖ = {norm:.3g} fell below {self.below:g} (vanishing)"
        if self.above is not None and norm > self.above:
            return f"watch: ‖{sym}{sup(layer)}‖ = {norm:.3g} rose above {self.above:g} (exploding)"
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


def parse_watch(text: str) -> NormWatch | str:
    """A watch from a short spec: ``delta<1e-3``, ``grad_W:2>10``, ``delta:1<1e-4``, or ``cost``
    (training cost rising; returned as the string "cost"). ConfigError on anything else."""
    spec = text.strip().replace(" ", "")
    if spec in ("cost", "cost_rising"):
        return "cost"
    m = re.fullmatch(r"(delta|grad_W)(?::(\d+))?([<>])([0-9.eE+-]+)", spec)
    if not m:
        raise ConfigError(
            f"a watch is like delta<1e-3, grad_W:2>10 (tensor[:layer] < or > threshold) or cost, "
            f"got {text!r}"
        )
    tensor, layer, op, value = m.groups()
    try:
        threshold = float(value)
    except ValueError:
        raise ConfigError(f"a watch threshold must be a number, got {value!r}") from None
    return NormWatch(
        tensor,
        int(layer) if layer else None,
        below=threshold if op == "<" else None,
        above=threshold if op == ">" else None,
    )
