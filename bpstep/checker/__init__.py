"""Checking the backprop a learner wrote, as they wrote it, against the engine.

The learner's file (a ``.py`` file or a notebook, top-level training code and all) is loaded in
a sandbox (``runner``) by a tolerant loader (``loader``) that runs only what the check needs
(code that lives in this process, a notebook's class or functions, runs behind the same
interface: ``inprocess``); the shape it is written in is recognised by the names and signatures
the courses use (``shapes``: bpstep's four functions, Nielsen's network.py/network2.py,
CS231n's TwoLayerNet, deeplearning.ai's assignments, Ng's ex4 ``nnCostFunction``). Each batch
is checked against the engine's values in the learner's own conventions (``reference``), every
disagreement is named by the slip that fits its numbers (``slips``, a table), whole-backprop
code is traced back to the *origin* of what is wrong (``analysis``), and the results gather
into a report (``report.CheckReport``: ``.ok``, ``.results``, ``.to_json()``, ``str()``).

This package imports the engine, the notation and the data sets only; stepping a session and
checking at its stops is the session's (``bpstep.session.usergrads``).
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode, load, load_object
    from bpstep.checker.compare import AGREE, FLOAT32_AGREE
    from bpstep.checker.reference import Params, Problem
    from bpstep.checker.report import CheckReport
    from bpstep.checker.results import Result, Status
    from bpstep.checker.runner import LearnerFailure
    from bpstep.checker.shapes import SHAPES, Checked, Options
    from bpstep.checker.slips import SLIPS

# Imported on first use: the child process that runs the learner's code imports this package
# (for its sandbox_child module) and must stay lean (no NumPy before the learner's file needs it).
_LAZY = {
    "LearnerCode": "code",
    "load": "code",
    "load_object": "code",
    "AGREE": "compare",
    "FLOAT32_AGREE": "compare",
    "Params": "reference",
    "Problem": "reference",
    "CheckReport": "report",
    "Result": "results",
    "Status": "results",
    "LearnerFailure": "runner",
    "SHAPES": "shapes",
    "Checked": "shapes",
    "Options": "shapes",
    "SLIPS": "slips",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"bpstep.checker.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bpstep.checker' has no attribute {name!r}")


__all__ = [
    "AGREE",
    "FLOAT32_AGREE",
    "SHAPES",
    "SLIPS",
    "CheckReport",
    "Checked",
    "LearnerCode",
    "LearnerFailure",
    "Options",
    "Params",
    "Problem",
    "Result",
    "Status",
    "load",
    "load_object",
]
