"""The shapes learners write backprop in, recognised by name and signature together.

Each shape (a :class:`~bpstep.checker.shapes.base.Shape`) knows how to recognise itself in the
loader's report, its default network and data, and how to check one batch: which of the
learner's functions to call (through the sandbox) and how to turn what they return into the
lesson's quantities. ``SHAPES`` is in order of precedence: when a file has several, the first
is checked and the others are named (``--shape`` picks one).
"""

from __future__ import annotations

from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.shapes.base import Shape
from bpstep.checker.shapes.cs231n import CS231n
from bpstep.checker.shapes.dlai import GradCheck, LLayer, TwoLayer
from bpstep.checker.shapes.functions import Functions
from bpstep.checker.shapes.ng import Ng
from bpstep.checker.shapes.nielsen import Nielsen

SHAPES: tuple[Shape, ...] = (
    LLayer(),
    GradCheck(),
    TwoLayer(),
    Nielsen(),
    CS231n(),
    Ng(),
    Functions(),
)


def recognise(report: dict) -> list[tuple[Shape, Found]]:
    """Every shape the loaded file is written in, in order of precedence."""
    out = []
    for shape in SHAPES:
        found = shape.recognise(report)
        if found is not None:
            out.append((shape, found))
    return out


def by_name(name: str) -> Shape | None:
    return next((s for s in SHAPES if s.name == name), None)


__all__ = ["SHAPES", "Checked", "Found", "Options", "Shape", "by_name", "recognise"]
