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


def modules(module) -> list[str]:
    """The modules of bpstep, textual and rich the child has imported."""
    import sys

    return sorted(m for m in sys.modules if m.split(".")[0] in ("bpstep", "textual", "rich"))


def tolerant_loader(path):
    """A loader as the checker supplies one: its own report; a UserCodeError of its own."""
    from bpstep.checker.sandbox_child import exec_module
    from bpstep.engine.errors import UserCodeError

    if str(path).endswith("refused.py"):
        raise UserCodeError(f"{path} defines none of f, g: nothing to check")
    module, report = exec_module(path)
    return module, {"custom": True, "functions": report["functions"]}
