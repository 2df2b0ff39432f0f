"""Gradient checking by central differences, banded as the CS231n notes band it.

For every parameter θ (an entry of some W^m or b^m) the numerical gradient is
ĝ = (Ĵ(θ + h) − Ĵ(θ − h)) / 2h with h = 1e-5 in float64, compared with the analytic g from
backpropagation by the relative error |g − ĝ| / max(1e-8, |g| + |ĝ|). Bands: > 1e-2 wrong,
1e-4..1e-2 suspicious, 1e-7..1e-4 ok (fine for kinked activations such as ReLU), < 1e-7 good.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

BANDS = (("good", 1e-7), ("ok", 1e-4), ("suspicious", 1e-2))


def relative_error(g: np.ndarray, g_hat: np.ndarray) -> np.ndarray:
    """|g − ĝ| / max(1e-8, |g| + |ĝ|), elementwise."""
    g = np.asarray(g, dtype=np.float64)
    g_hat = np.asarray(g_hat, dtype=np.float64)
    return np.abs(g - g_hat) / np.maximum(1e-8, np.abs(g) + np.abs(g_hat))


def band(rel: float) -> str:
    """ "good" (< 1e-7), "ok" (< 1e-4), "suspicious" (< 1e-2) or "wrong"."""
    if not np.isfinite(rel):
        return "wrong"
    for name, limit in BANDS:
        if rel < limit:
            return name
    return "wrong"


@dataclass
class ParamCheck:
    """The check of one parameter array (W^m or b^m)."""

    layer: int
    param: str
    max_rel_error: float
    band: str
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    n_checked: int
    n_total: int


@dataclass
class GradcheckReport:
    checks: list[ParamCheck] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return max((c.max_rel_error for c in self.checks), default=0.0)

    @property
    def band(self) -> str:
        return band(self.worst)


def _param(net, layer: int, param: str) -> np.ndarray:
    if param == "W":
        return net.weights[layer - 1]
    if param == "b":
        return net.biases[layer - 1]
    raise ValueError(f"param must be 'W' or 'b', got {param!r}")


def numerical_gradient(
    net,
    X,
    Y,
    layer: int,
    param: str,
    h: float = 1e-5,
    indices: Iterable | None = None,
    order: int = 2,
) -> np.ndarray:
    """Central differences of Ĵ on (X, Y) w.r.t. W^layer or b^layer.

    ``order=2``: ĝ = (Ĵ(θ+h) − Ĵ(θ−h)) / 2h, error O(h²) (about 1e-11 absolute at h = 1e-5).
    ``order=4``: ĝ = (−Ĵ(θ+2h) + 8Ĵ(θ+h) − 8Ĵ(θ−h) + Ĵ(θ−2h)) / 12h, error O(h⁴) (about 1e-13
    at h = 1e-3), for checks that must resolve small gradients.
    With ``indices`` (flat indices) only those entries are computed; the rest are NaN. The
    parameter is restored exactly afterwards.
    """
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order}")
    p = _param(net, layer, param)
    flat = p.reshape(-1)
    out = np.full(flat.shape, np.nan)
    idx = range(flat.size) if indices is None else indices

    def cost_at(i: int, value: float) -> float:
        flat[i] = value
        return net.cost(X, Y)

    for i in idx:
        old = flat[i]
        try:
            if order == 2:
                out[i] = (cost_at(i, old + h) - cost_at(i, old - h)) / (2.0 * h)
            else:
                out[i] = (
                    -cost_at(i, old + 2 * h)
                    + 8 * cost_at(i, old + h)
                    - 8 * cost_at(i, old - h)
                    + cost_at(i, old - 2 * h)
                ) / (12.0 * h)
        finally:
            flat[i] = old
    return out.reshape(p.shape)


def gradcheck(
    net,
    X,
    Y,
    h: float = 1e-5,
    max_entries: int | None = None,
    layers: Iterable[int] | None = None,
    seed: int = 0,
) -> GradcheckReport:
    """Check backpropagation's ∂Ĵ/∂W^m and ∂Ĵ/∂b^m against central differences.

    ``max_entries`` checks a random sample of at most that many entries per array (for big
    layers); ``layers`` restricts the check to some m.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    gWs, gbs = net.gradients(X, Y)
    rng = np.random.default_rng(seed)
    report = GradcheckReport()
    for m in layers if layers is not None else range(1, net.L + 1):
        for param, g in (("W", gWs[m - 1]), ("b", gbs[m - 1])):
            size = g.size
            if max_entries is not None and size > max_entries:
                idx = np.sort(rng.choice(size, size=max_entries, replace=False))
            else:
                idx = np.arange(size)
            num = numerical_gradient(net, X, Y, m, param, h, idx).reshape(-1)[idx]
            ana = g.reshape(-1)[idx]
            rel = relative_error(ana, num)
            k = int(np.nanargmax(rel)) if rel.size else 0
            worst = float(rel[k]) if rel.size else 0.0
            report.checks.append(
                ParamCheck(
                    layer=m,
                    param=param,
                    max_rel_error=worst,
                    band=band(worst),
                    worst_index=tuple(int(v) for v in np.unravel_index(idx[k], g.shape)),
                    analytic=float(ana[k]) if rel.size else 0.0,
                    numeric=float(num[k]) if rel.size else 0.0,
                    n_checked=int(idx.size),
                    n_total=int(size),
                )
            )
    return report
