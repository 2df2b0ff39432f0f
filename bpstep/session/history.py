"""Bounded history for stepping back: parameter checkpoints at iteration starts.

Copying every tensor at every stop would cost (3L + 1) × |θ| bytes per iteration; instead the
session keeps, at the start of some iterations, a copy of the parameters θ = (W^m, b^m) and of the
optimiser state, and reaches any earlier stop by restoring the nearest checkpoint at or before it
and replaying (whole iterations by the engine's fast path, the last one stop by stop). The engine
guarantees both paths give bit-identical numbers, so the replayed stop equals the one left.

The store keeps a checkpoint every ``spacing``-th iteration over a window of iterations long
enough to reach ``history_stops`` stops back, and chooses ``spacing`` so that the window's
checkpoints fit in ``budget`` bytes: a small network keeps one per iteration (back is a single
restore plus at most 3L stops), a 784-100-10 network with Adam one every few iterations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HISTORY_STOPS = 1000  # stepping back reaches at least this many stops
HISTORY_BUDGET = 48 * 2**20  # bytes of checkpoints at most (history of 1,000 stops < 64 MB)


@dataclass
class Checkpoint:
    """θ and the optimiser state at the start of one iteration (deep copies)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    optimizer: dict[str, np.ndarray]

    @property
    def nbytes(self) -> int:
        arrays = [*self.weights, *self.biases, *self.optimizer.values()]
        return sum(np.asarray(a).nbytes for a in arrays)


class CheckpointStore:
    """Checkpoints keyed by global iteration number, within a byte budget.

    ``keep(g, ...)`` is called at the start of every iteration g; it stores a checkpoint when g is a
    multiple of ``spacing`` and forgets those older than ``window`` iterations before g. At most
    ``max_count`` checkpoints are held, so ``nbytes ≤ max_bytes``, which is ≤ ``budget`` unless
    even two checkpoints exceed it (then two are kept: the history still reaches far enough).
    """

    def __init__(
        self,
        first: Checkpoint,
        stops_per_iteration: int,
        history_stops: int = HISTORY_STOPS,
        budget: int = HISTORY_BUDGET,
    ) -> None:
        self.checkpoint_bytes = first.nbytes
        # iterations a back of history_stops stops can reach into, counting the current one
        self.reach = math.ceil(history_stops / stops_per_iteration) + 1
        spacing = 1
        while spacing <= self.reach and self._count(spacing) * self.checkpoint_bytes > budget:
            spacing += 1
        self.spacing = spacing
        # keys ≥ g − window keep a checkpoint at or before g − reach + 1 for every g
        self.window = self.reach + spacing
        self.max_count = self._count(spacing)
        self.budget = budget
        self._items: dict[int, Checkpoint] = {0: first}

    def _count(self, spacing: int) -> int:
        """Most multiples of ``spacing`` in a window of reach + spacing + 1 iterations."""
        return (self.reach + spacing) // spacing + 1

    @property
    def max_bytes(self) -> int:
        return self.max_count * self.checkpoint_bytes

    def keep(self, g: int, make: Callable[[], Checkpoint] | Checkpoint) -> None:
        """At the start of iteration g: store a checkpoint if g is due one; forget old ones."""
        if g % self.spacing or g in self._items:
            return
        self._items[g] = make() if callable(make) else make
        oldest = g - self.window
        for key in [k for k in self._items if k < oldest]:
            del self._items[key]

    def nearest(self, g: int) -> tuple[int, Checkpoint] | None:
        """The latest checkpoint at or before iteration g, or None beyond the history."""
        keys = [k for k in self._items if k <= g]
        if not keys:
            return None
        k = max(keys)
        return k, self._items[k]

    def reaches(self, g: int) -> bool:
        return any(k <= g for k in self._items)

    @property
    def oldest(self) -> int:
        return min(self._items)

    def reset(self, g: int, ck: Checkpoint, earlier: dict[int, Checkpoint] | None = None) -> None:
        """Forget everything and start again from the checkpoint at iteration g, and any
        ``earlier`` ones (after a load)."""
        self._items = {**(earlier or {}), g: ck}

    def items(self) -> dict[int, Checkpoint]:
        """The checkpoints held, by iteration (for saving them)."""
        return dict(self._items)

    def __contains__(self, ck: object) -> bool:
        return any(ck is item for item in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return sum(ck.nbytes for ck in self._items.values())
