"""Breakpoints: the places where a run pauses (watches, the conditions, are in ``watches``)."""

from __future__ import annotations

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
