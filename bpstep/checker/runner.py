"""Where the learner's code runs: the child-process sandbox, as the checker opens it.

Everything that touches the learner's module goes through one object::

    box = open_sandbox(path, time_limit=10.0)
    report = box.start()                 # loads the file: plain data about what it defines
    value = box.call("bpstep.checker.shapes.nielsen:backprop", spec, params, X, Y)
    box.close()

``call(target, *args, **kwargs)`` runs ``function(learner_module, *args, **kwargs)`` in the child
process of ``bpstep.checker.sandbox.Sandbox``, where ``target`` is ``"package.module:function"``,
and returns plain data (arrays, numbers, str, None, tuples, lists, dicts). The learner's code
failing there (raising, exiting, crashing, running past the time limit) is a
:class:`LearnerFailure`, never a crash of ours; the child is killed at the time limit, so C-level
loops and ``os._exit`` are stopped and reported too.
"""

from __future__ import annotations

import os
from typing import IO, Any, Protocol

from bpstep.checker.sandbox import LearnerFailure
from bpstep.checker.sandbox import Sandbox as ChildSandbox

# seconds per call of the learner's code, and for loading their file (the debugger: 5)
TIME_LIMIT = 10.0
LOADER = "bpstep.checker.loader:exec_module"  # the tolerant loader, run in the child

__all__ = ["LOADER", "TIME_LIMIT", "LearnerFailure", "Sandbox", "open_sandbox"]


class Sandbox(Protocol):
    """What the checker needs from a sandbox."""

    def start(self) -> dict: ...

    def call(self, target: str, /, *args: Any, **kwargs: Any) -> Any: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


def open_sandbox(
    path: str | os.PathLike[str],
    *,
    time_limit: float | None = TIME_LIMIT,
    loader: str = LOADER,
    stderr: int | IO[Any] | None = None,
) -> Sandbox:
    """A child-process sandbox for the learner's file (not started yet).

    ``stderr``: where the learner's prints go (they never reach our stdout); None inherits
    ours, which the debugger must not (it would write over the screen).
    """
    return ChildSandbox(path, time_limit=time_limit, loader=loader, stderr=stderr)
