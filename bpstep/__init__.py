"""bpstep: a keyboard-driven terminal step-through debugger for backpropagation.

Checking a learner's backprop (the autograder API; ``bpstep.testing.assert_backprop`` for
pytest, nbgrader and GitHub Classroom)::

    report = bpstep.check("backprop.py")   # or a notebook's class, module or dict of functions
    report.ok, report.results, str(report)

The public engine API::

    from bpstep import Network
    net = Network([2, 3, 1], activation="sigmoid", cost="quadratic", l2=0.0, seed=0)
    for ev in net.forward(X): ...      # m = 1..L
    for ev in net.backward(Y): ...     # m = L..1
    for ev in net.update(lr): ...      # m = 1..L

The digits data shipped in ``bpstep/datasets/data`` is the UCI Optical Recognition of Handwritten
Digits set (E. Alpaydin, C. Kaynak, 1998), licence CC BY 4.0; the iris data is UCI Iris
(R. A. Fisher, 1936), licence CC BY 4.0.
"""

from __future__ import annotations

import importlib

# typing.TYPE_CHECKING without importing typing (2 ms before every command, where a Ctrl-C
# could not be caught yet: see cli.py); mypy takes a name TYPE_CHECKING as True
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from bpstep.engine.errors import (
        BpstepError,
        ConfigError,
        DataError,
        OrderError,
        UserCodeError,
    )
    from bpstep.engine.gradcheck import GradcheckReport, gradcheck
    from bpstep.engine.network import Network
    from bpstep.session.grading import check

# Imported on first use, so that `bpstep --help` and `import bpstep` start without NumPy.
_LAZY = {
    "BpstepError": "bpstep.engine.errors",
    "ConfigError": "bpstep.engine.errors",
    "DataError": "bpstep.engine.errors",
    "OrderError": "bpstep.engine.errors",
    "UserCodeError": "bpstep.engine.errors",
    "GradcheckReport": "bpstep.engine.gradcheck",
    "gradcheck": "bpstep.engine.gradcheck",
    "Network": "bpstep.engine.network",
    "check": "bpstep.session.grading",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bpstep' has no attribute {name!r}")


__all__ = [
    "BpstepError",
    "ConfigError",
    "DataError",
    "GradcheckReport",
    "Network",
    "OrderError",
    "UserCodeError",
    "check",
    "gradcheck",
]
__version__ = "0.1.0"
