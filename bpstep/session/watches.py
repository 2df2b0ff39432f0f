"""Watches: conditions that stop any run where they fire, with a message naming tensor and layer.

- non-finite values (always on): the first stop whose z, a, δ, ∂Ĵ/∂W, ∂Ĵ/∂b, W or b holds NaN or
  ±inf stops the run there;
- ‖δ^m‖ or ‖∂Ĵ/∂W^m‖ (Frobenius norm, at backward stops) below a threshold (vanishing gradients)
  or above one (exploding gradients);
- the training cost rising from one epoch to the next;
- units that stopped learning (at forward stops): saturated σ or tanh units, dead ReLUs
  (``bpstep.session.units``), more than a given number of them in a layer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from bpstep.engine.errors import ConfigError
from bpstep.notation import sup
from bpstep.session.units import SATURATED_FPRIME, dead, saturated


def check_layer(spec: str, layer: int | None, L: int) -> None:
    """ConfigError when a watch is on a layer the network does not have (it could never fire):
    it must be on one of m = 1..L, or on every layer."""
    if layer is not None and layer > L:
        raise ConfigError(
            f"the watch {spec} is on layer m = {layer}, but the network has layers "
            f"m = 1..{L}; give one of them, or no layer to watch every layer"
        )


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
        """ConfigError when the watch is on a layer the network does not have."""
        check_layer(self.spec, self.layer, L)

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
class UnitWatch:
    """Stops a run at a forward stop where more than ``more_than`` units of a layer (``layer``
    None: any layer) are saturated (σ′ or tanh′ < 0.1 on most of the batch) or dead (a ReLU
    with z ≤ 0 on the whole batch)."""

    kind: str  # "saturated" or "dead"
    layer: int | None = None
    more_than: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("saturated", "dead"):
            raise ConfigError(f"a unit watch is on saturated or dead units, got {self.kind!r}")
        for name, low in (("layer", 1), ("more_than", 0)):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
                raise ConfigError(f"a unit watch's {name} must be an integer ≥ {low}, got {v!r}")

    @property
    def spec(self) -> str:
        """For a screen, e.g. saturated¹>3 or dead units (every layer)."""
        m = sup(self.layer) if self.layer else "ᵐ"
        return f"{self.kind}{m}" + (f">{self.more_than}" if self.more_than else "")

    def check_layer(self, L: int) -> None:
        """ConfigError when the watch is on a layer the network does not have."""
        check_layer(self.spec, self.layer, L)

    def check(self, layer: int, z: np.ndarray, a: np.ndarray, activation: str) -> str | None:
        if self.layer is not None and layer != self.layer:
            return None
        if self.kind == "saturated":
            count = int(saturated(z, a, activation).sum())
            what = f"saturated (f′(z) < {SATURATED_FPRIME:g} on most of the batch)"
        else:
            count = int(dead(z, activation).sum())
            what = "dead (ReLUs with z ≤ 0 on the whole batch)"
        if count > self.more_than:
            return f"watch: {count} of {z.shape[0]} units of layer {layer} are {what}"
        return None


@dataclass
class WatchSet:
    """The watches of a session. Non-finite values always stop a run; the rest are optional."""

    norms: list[NormWatch] = field(default_factory=list)
    cost_rising: bool = False
    units: list[UnitWatch] = field(default_factory=list)

    @property
    def stop_level(self) -> bool:
        return bool(self.norms or self.units)

    def add(self, watch: NormWatch | UnitWatch | str) -> None:
        """Arm a watch as ``parse_watch`` returns it ("cost": the training cost rising)."""
        if isinstance(watch, NormWatch):
            self.norms.append(watch)
        elif isinstance(watch, UnitWatch):
            self.units.append(watch)
        else:
            self.cost_rising = True

    def clear(self) -> None:
        self.norms.clear()
        self.units.clear()
        self.cost_rising = False

    def check_forward(
        self, layer: int, z: np.ndarray, a: np.ndarray, activation: str
    ) -> str | None:
        for w in self.units:
            msg = w.check(layer, z, a, activation)
            if msg:
                return msg
        return None

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
            "units": [vars(w) for w in self.units],
        }

    @classmethod
    def from_dict(cls, d: dict) -> WatchSet:
        """The watches of ``to_dict`` (a file saved before unit watches existed has none)."""
        return cls(
            norms=[NormWatch(**w) for w in d.get("norms", [])],
            cost_rising=bool(d.get("cost_rising", False)),
            units=[UnitWatch(**w) for w in d.get("units", [])],
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


WATCH_FORMS = (
    "delta<1e-3, grad_W:2>10 (tensor[:layer] < or > threshold), saturated, dead:1>3 "
    "(units[:layer][>count]) or cost"
)


def parse_watch(text: str) -> NormWatch | UnitWatch | str:
    """A watch from a short spec: ``delta<1e-3``, ``grad_W:2>10``, ``delta:1<1e-4``,
    ``saturated``, ``saturated:2>5``, ``dead:1``, or ``cost`` (training cost rising; returned as
    the string "cost"). ConfigError on anything else."""
    spec = text.strip().replace(" ", "")
    if spec in ("cost", "cost_rising"):
        return "cost"
    units = re.fullmatch(r"(saturated|dead)(?::(\d+))?(?:>(\d+))?", spec)
    if units:
        kind, layer, count = units.groups()
        return UnitWatch(kind, int(layer) if layer else None, int(count) if count else 0)
    m = re.fullmatch(r"(delta|grad_W)(?::(\d+))?([<>])([0-9.eE+-]+)", spec)
    if not m:
        raise ConfigError(f"a watch is like {WATCH_FORMS}, got {text!r}")
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
