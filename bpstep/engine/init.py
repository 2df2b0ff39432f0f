"""Weight initialisations.

- ``normal`` (the lesson's, as in Nielsen's network2.py): W^m ~ N(0, 1)/√n_{m−1}, b^m ~ N(0, 1).
  Scaling by 1/√n_in keeps z^m of order one, so sigmoid units do not start saturated.
- ``xavier`` (Glorot & Bengio 2010): W^m ~ N(0, 2/(n_{m−1} + n_m)), b^m = 0.
- ``he`` (He et al. 2015, for ReLU): W^m ~ N(0, 2/n_{m−1}), b^m = 0.
"""

from __future__ import annotations

import numpy as np

from bpstep.engine.errors import ConfigError

INITS = ("normal", "xavier", "he")


def initialise(
    sizes: list[int], init: str, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases for ``sizes`` drawn from ``rng`` by the scheme ``init``."""
    if not isinstance(init, str) or init not in INITS:
        raise ConfigError(f"unknown initialisation {init!r}; accepted: {', '.join(INITS)}")
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        if init == "normal":
            weights.append(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in))
            biases.append(rng.standard_normal((n_out, 1)))
        else:
            var = 2.0 / (n_in + n_out) if init == "xavier" else 2.0 / n_in
            weights.append(rng.standard_normal((n_out, n_in)) * np.sqrt(var))
            biases.append(np.zeros((n_out, 1)))
    return weights, biases
