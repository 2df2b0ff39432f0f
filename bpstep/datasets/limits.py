"""How much memory bpstep lets one data set or network take, and checking it before allocating.

Sizes are estimated from what a file says about itself (an ``.npy`` header, an IDX header, a
file's size) or from the layer sizes, before anything is read or allocated, so that a hostile or
mistaken input (a header claiming 10¹² entries, a zip or gzip bomb, ``--layers 2,1000000000,1``)
is refused with one line instead of meeting the out-of-memory killer.

The ceiling is half of this machine's RAM, or ``BPSTEP_MEMORY_LIMIT`` (bytes, or with a K, M, G
or T suffix, e.g. ``4G``) when set.
"""

from __future__ import annotations

import os
import re

from bpstep.engine.errors import DataError

__all__ = ["MEMORY_LIMIT_ENV", "check_memory", "format_bytes", "memory_limit"]

MEMORY_LIMIT_ENV = "BPSTEP_MEMORY_LIMIT"
RAM_FRACTION = 0.5
FALLBACK_LIMIT = 4 * 2**30  # when the machine's RAM cannot be read
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def format_bytes(n: float) -> str:
    """1536 → '1.5 KB', 3·2³⁰ → '3.0 GB' (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _ram() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit() -> tuple[int, str]:
    """(the ceiling in bytes, where it comes from, for messages)."""
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)B?", text.upper())
        if match is None:
            raise DataError(
                f"{MEMORY_LIMIT_ENV}={text!r} is not a size; expected bytes or a number with K, "
                "M, G or T, e.g. 4G"
            )
        value = int(float(match.group(1)) * _UNITS[match.group(2)])
        return value, f"{MEMORY_LIMIT_ENV}={text}"
    ram = _ram()
    if ram is None:
        return FALLBACK_LIMIT, f"set {MEMORY_LIMIT_ENV} to change it"
    return int(ram * RAM_FRACTION), (
        f"half of this machine's {format_bytes(ram)} of RAM; {MEMORY_LIMIT_ENV} changes it"
    )


def check_memory(need: float, what: str) -> None:
    """DataError when ``need`` bytes are more than bpstep allows: ``what`` says what would take
    them (e.g. "data.npz: its arrays")."""
    limit, why = memory_limit()
    if need > limit:
        raise DataError(
            f"{what} would take about {format_bytes(need)} of memory, more than bpstep allows "
            f"({format_bytes(limit)}: {why})"
        )
