"""Calling the learner's code where it lives, and bringing back plain data.

These helpers run next to the learner's module (in the sandbox's child process): each shape's
adapter calls a learner's function through :func:`invoke`, which records the NumPy and Python
warnings it raises and turns its result into plain data (:func:`plain`): arrays copied with
their dtype, numbers, str, None, lists, tuples and dicts of those. Anything else comes back as
``{"__opaque__": type name}``, so that a result is never a live object of the learner's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

OPAQUE = "__opaque__"


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            try:
                return np.array(value.tolist(), dtype=np.float64)
            except (TypeError, ValueError):
                return {OPAQUE: "array of objects"}
        return np.array(value, copy=True)
    if isinstance(value, np.generic):
        return np.array(value)  # a 0-d array keeps float32 as float32
    if depth > 6:
        return {OPAQUE: type(value).__name__}
    if isinstance(value, list | tuple):
        return type(value)(plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {
            k if isinstance(k, str | int) else str(k): plain(v, depth + 1) for k, v in value.items()
        }
    if hasattr(value, "__array__"):
        try:
            return np.array(np.asarray(value), copy=True)
        except Exception:  # the learner's object: whatever it raises, it is not numbers
            pass
    return {OPAQUE: type(value).__name__}


def invoke(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
    """``fn(*args, **kwargs)`` with its warnings recorded: {"value": plain, "warnings": [str]}."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        value = fn(*args, **kwargs)
        out = plain(value)
    seen = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    return {"value": out, "warnings": list(seen)}


def dtype_of(value: Any) -> str | None:
    """The dtype name of an array result (None for other values)."""
    return str(value.dtype) if isinstance(value, np.ndarray) else None
