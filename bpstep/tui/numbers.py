"""Numbers as the screen writes them: as few cells as their significant digits need, never cut.

A number that does not fit its column is written with fewer digits or in scientific notation
(``-2.2e-4``, not ``-0.000…``); a table that still does not fit drops columns, or its pane draws a
heatmap instead. Nothing here ever truncates a number.
"""

from __future__ import annotations

import math

MIN_DIGITS = 2  # fewer significant digits than this no longer tell numbers apart


def compact(v: float, digits: int = 3, strip: bool = True) -> str:
    """``v`` with ``digits`` significant digits, fixed-point or scientific, whichever is
    shorter (a tie goes to fixed-point): 0.00491 → 0.00491, -0.000216 → -2.16e-4,
    1234567 → 1.23e6. Exponents have no leading zeros or plus sign; ``strip`` drops trailing
    zeros (0.5, not 0.500)."""
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    sci = scientific(v, digits, strip)
    exponent = int(sci.partition("e")[2])  # of the rounded value: 9.996 → 1.00e1
    fixed = f"{v:.{max(0, digits - 1 - exponent)}f}"
    if strip and "." in fixed:
        fixed = fixed.rstrip("0").rstrip(".")
    return fixed if len(fixed) <= len(sci) else sci


def scientific(v: float, digits: int, strip: bool = False) -> str:
    """``v`` as ``m.mme-k`` with ``digits`` significant digits and a short exponent."""
    mantissa, _, exponent = f"{v:.{max(0, digits - 1)}e}".partition("e")
    if strip and "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def fixed_decimals(v: float, decimals: int) -> str:
    """The numbers pane's form: ``decimals`` places in fixed point, scientific (with
    ``decimals`` + 1 significant digits) for magnitudes from 1e5 up or below 10^-decimals."""
    if not math.isfinite(v):
        return str(v)
    if abs(v) >= 1e5 or (v != 0 and abs(v) < 10.0**-decimals):
        return scientific(v, decimals + 1)
    return f"{v:.{decimals}f}"


def widest(texts: list[str]) -> int:
    """Cells the widest of ``texts`` takes (numbers are one cell a character)."""
    return max((len(t) for t in texts), default=0)
