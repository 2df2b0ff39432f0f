"""How many threads the BLAS under NumPy may use while the engine trains.

A mini-batch iteration of a small network is a handful of small matrix products (784-100-10 with
batches of 32: 2.5 million multiply-adds in the largest, W¹a⁰). Split over threads, each product
costs a hand-off and a wait, and OpenBLAS's threads keep spinning between products, taking a core
from the Python thread that drives them (and, in the debugger, from the one that paints). On this
project's 2-core machines, shared with other work, one thread was 2-5× faster for such products
(``benchmarks/bench_fit.py`` prints both); so runs of networks whose largest product is under
``SMALL_PRODUCT`` multiply-adds use one BLAS thread, and larger ones keep the default.

threadpoolctl sets the limit (for whichever BLAS NumPy was built with); without it this module
does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

# multiply-adds of the largest product of one iteration (n_m · n_{m−1} · batch) below which
# training uses one BLAS thread: 784-500-10 with batches of 32 is under it, 784-1000 with 128 not
SMALL_PRODUCT = 2**24


def training_threads(sizes: Sequence[int], batch_size: int) -> int | None:
    """1 for a network whose largest product per iteration is small, else None (the default)."""
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) * batch_size
    return 1 if largest < SMALL_PRODUCT else None


_blas: list[Any] = []  # threadpoolctl's controller of the BLAS libraries, found once


def _controller() -> Any:
    """The BLAS libraries loaded (NumPy's), or None without threadpoolctl."""
    if not _blas:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # an optional speed-up: the numbers are the same without it
            _blas.append(None)
        else:  # looking the libraries up takes ~1 ms: once, not at every run
            _blas.append(ThreadpoolController().select(user_api="blas"))
    return _blas[0]


def prepare() -> None:
    """Find the BLAS libraries now (the first limit otherwise pays ~20 ms for it), e.g. while
    a screen waits for its first key."""
    _controller()


@contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Run the block with the BLAS limited to ``threads`` threads (None: leave it as it is)."""
    controller = _controller() if threads is not None else None
    if controller is None:
        yield
        return
    with controller.limit(limits=threads):
        yield
