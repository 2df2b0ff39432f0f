"""Checks of a network against its data before it is built: what it would learn, what it takes.

``check_network`` refuses, with one line saying what is accepted, a network that cannot learn
by construction (a softmax over a single output unit is always 1) and one whose parameters and
working arrays would take more memory than bpstep allows (``datasets.limits``), before any of
it is allocated (``--layers 2,1000000000,1`` would otherwise ask NumPy for 16 GB of weights).
"""

from __future__ import annotations

from collections.abc import Sequence

from bpstep.datasets.limits import check_memory
from bpstep.engine.errors import ConfigError

__all__ = ["check_network", "network_bytes"]

# copies of θ = (W, b) alive at once: θ, ∂Ĵ/∂θ, the iteration's checkpoint, and W before and ΔW
# at the update stops; optimisers add their state (momentum v; Adam m and v)
PARAMETER_COPIES = {"sgd": 5, "momentum": 6, "adam": 7}
# arrays per unit and sample in one iteration's events: z, a, f′(z), ∂C/∂a, δ
BATCH_ARRAYS = 5
FLOAT = 8  # bytes of a float64


def network_bytes(
    sizes: Sequence[int], batch_size: int, n_samples: int, optimizer: str = "sgd"
) -> int:
    """Bytes a session on a network of ``sizes`` takes at least: its parameter copies
    (``PARAMETER_COPIES``), one batch's events, and a pass over ``n_samples`` samples at once
    (the epoch-end cost on the whole set: a^{m-1}, z^m and a^m of the widest layer)."""
    params = sum(n * (n_prev + 1) for n_prev, n in zip(sizes, sizes[1:], strict=False))
    copies = PARAMETER_COPIES.get(optimizer, max(PARAMETER_COPIES.values()))
    units = sum(sizes[1:])
    whole_set = n_samples * 3 * max(sizes)
    return FLOAT * (params * copies + batch_size * BATCH_ARRAYS * units + whole_set)


def check_network(
    sizes: Sequence[int],
    activations: str | Sequence[str],
    batch_size: int,
    n_samples: int,
    optimizer: str = "sgd",
) -> None:
    """ConfigError for a network that cannot learn; DataError for one too big to allocate."""
    last = activations if isinstance(activations, str) else list(activations)[-1]
    if last == "softmax" and sizes[-1] == 1:
        raise ConfigError(
            "softmax over a single output unit is always 1 and learns nothing; use sigmoid for "
            "one output (two classes), or softmax with one output unit per class (k ≥ 2)"
        )
    need = network_bytes(sizes, batch_size, n_samples, optimizer)
    check_memory(need, f"the network {'-'.join(map(str, sizes))}")
