"""Sandbox targets for tests/test_sandbox.py: bpstep-side adapter functions that run in the child
as ``function(learner_module, *args, **kwargs)`` (the child has our sys.path, so it imports this
module as ``sandbox_targets``)."""

from __future__ import annotations

import os
import resource

import numpy as np


def call(module, name: str, *args, **kwargs):
    """The learner's function ``name``, called with the arguments, its result as it is."""
    return getattr(module, name)(*args, **kwargs)


def as_array(module, name: str, *args):
    """The learner's result through np.asarray, as the checker's adapters do."""
    return np.asarray(getattr(module, name)(*args), dtype=np.float64)


def pid(module) -> int:
    return os.getpid()


def address_space_limit(module) -> list[int]:
    return list(resource.getrlimit(resource.RLIMIT_AS))


def sigint_handler_ignored(module) -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def same(module, x):
    return x


def environ(module, name: str) -> str | None:
    return os.environ.get(name)
