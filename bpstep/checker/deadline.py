"""A time limit for the learner's code: an endless loop becomes a finding, not a hung program.

Python cannot stop a thread from outside, but a thread can stop itself: while the learner's
function runs, a trace function (``sys.settrace``, which applies to the calling thread only)
looks at the clock on every line of Python it executes and raises ``TimeLimit`` inside that
code once the limit has passed. So it works in the TUI's worker threads as well as the main
thread, with no signals. ``TimeLimit`` derives from BaseException so that a learner's
``except Exception`` inside the loop does not swallow it. A single long NumPy call (C code, no
Python lines) is not interrupted; it is also not a loop that never ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

TIME_LIMIT = 10.0  # seconds, per call of a learner's function (and for loading the file)

_generation = 0  # interrupt_all() moves it on; calls started before then stop at their next line


class TimeLimit(BaseException):
    """Raised inside the learner's code when it runs past its time limit."""


def call_with_time_limit(seconds: float | None, fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)``, raising TimeLimit inside it after ``seconds`` (None: no limit)."""
    if seconds is None:
        return fn(*args, **kwargs)
    deadline = time.monotonic() + seconds
    clock = time.monotonic
    generation = _generation

    def tracer(frame, event, arg):
        if clock() > deadline:
            raise TimeLimit(
                f"still running after {seconds:g} s (an endless loop?); it was stopped here"
            )
        if _generation != generation:
            raise TimeLimit("stopped: bpstep is closing")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn(*args, **kwargs)
    finally:
        sys.settrace(previous)


def interrupt_all() -> None:
    """Stop every call of learner's code running now (in any thread) at its next line of
    Python, with TimeLimit; later calls are not affected. The debugger calls it as it quits,
    so that it does not wait for an endless loop's time limit."""
    global _generation
    _generation += 1
