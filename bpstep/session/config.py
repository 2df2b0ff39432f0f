"""A session's configuration: the network, the data and the training settings, validated."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

from bpstep.engine.activations import ACTIVATIONS
from bpstep.engine.costs import COSTS
from bpstep.engine.errors import ConfigError
from bpstep.engine.init import INITS
from bpstep.engine.optimizers import OPTIMIZERS

# the settings a user gives by name (bpstep's options, bpstep.check's keywords), beside a preset
NETWORK_OPTIONS = (
    "data",
    "layers",
    "activation",
    "cost",
    "lr",
    "batch_size",
    "l2",
    "optimizer",
    "init",
    "seed",
)


@dataclass
class SessionConfig:
    """Everything needed to rebuild a session from nothing.

    ``layers`` gives every size (n_0, ..., n_L); when None the sizes are the data's n_features,
    then ``hidden``, then the data's n_outputs.
    """

    data: str = "xor"
    layers: list[int] | None = None
    hidden: list[int] = field(default_factory=lambda: [3])
    activation: str | list[str] = "sigmoid"
    cost: str = "quadratic"
    lr: float = 0.5
    batch_size: int = 4
    l2: float = 0.0
    optimizer: str = "sgd"
    init: str = "normal"
    seed: int = 0
    test_fraction: float = 0.2
    n_train: int | None = None

    def validate(self) -> None:
        """Raise ConfigError (one line naming the value and what is accepted) on a bad value."""
        if self.layers is not None:
            _sizes(self.layers, "--layers")
            if len(self.layers) < 2:
                raise ConfigError(
                    f"--layers needs at least two sizes (input and output), got {len(self.layers)}"
                )
        else:
            _sizes(self.hidden, "hidden layer sizes", allow_empty=True)
        if not isinstance(self.activation, str | list | tuple) or not self.activation:
            raise ConfigError(
                f"--activation must be a name or one name per layer, got {self.activation!r}"
            )
        names = [self.activation] if isinstance(self.activation, str) else list(self.activation)
        n_layers = len(self.layers) - 1 if self.layers is not None else len(self.hidden) + 1
        if len(names) not in (1, n_layers):
            raise ConfigError(
                f"--activation needs one name or one per layer ({n_layers}), got {len(names)}: "
                f"{','.join(map(str, names))}"
            )
        for name in names:
            if name not in ACTIVATIONS:
                raise ConfigError(
                    f"unknown activation {name!r}; accepted: {', '.join(ACTIVATIONS)}"
                )
        if self.cost not in COSTS:
            raise ConfigError(f"unknown cost {self.cost!r}; accepted: {', '.join(COSTS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer {self.optimizer!r}; accepted: {', '.join(OPTIMIZERS)}"
            )
        if self.init not in INITS:
            raise ConfigError(f"unknown initialisation {self.init!r}; accepted: {', '.join(INITS)}")
        if not _is_number(self.lr) or not math.isfinite(self.lr) or self.lr <= 0:
            raise ConfigError(f"--lr (α) must be a finite number > 0, got {self.lr!r}")
        if not _is_int(self.batch_size) or self.batch_size <= 0:
            raise ConfigError(f"--batch-size must be a positive integer, got {self.batch_size!r}")
        if not _is_number(self.l2) or not math.isfinite(self.l2) or self.l2 < 0:
            raise ConfigError(f"--l2 (λ) must be a finite number ≥ 0, got {self.l2!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ConfigError(f"--seed must be an integer ≥ 0, got {self.seed!r}")
        if (
            not _is_number(self.test_fraction)
            or not math.isfinite(self.test_fraction)
            or not 0 <= self.test_fraction < 1
        ):
            raise ConfigError(
                f"the test fraction must be a number in [0, 1), got {self.test_fraction!r}"
            )
        if self.n_train is not None and (not _is_int(self.n_train) or self.n_train <= 0):
            raise ConfigError(
                f"n_train (training samples kept) must be a positive integer or None, "
                f"got {self.n_train!r}"
            )
        if not isinstance(self.data, str) or not self.data:
            raise ConfigError("--data needs a built-in data set name or a file path")

    def sizes_for(self, n_features: int, n_outputs: int) -> list[int]:
        if self.layers is not None:
            return list(self.layers)
        return [n_features, *self.hidden, n_outputs]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SessionConfig:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _sizes(sizes: object, what: str, allow_empty: bool = False) -> None:
    ok = isinstance(sizes, list | tuple) and all(_is_int(s) and s > 0 for s in sizes)
    if not ok or (not sizes and not allow_empty):
        shown = ",".join(map(str, sizes)) if isinstance(sizes, list | tuple) else sizes
        raise ConfigError(f"{what} must be positive integers such as 2,3,1, got {shown}")
