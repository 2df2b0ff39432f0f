"""What every shape of learner's code provides, and the signature rules they recognise it by."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bpstep.checker.batch import Checked, Found, Options
from bpstep.checker.reference import Params, Problem

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker.code import LearnerCode


class Shape:
    """One way learners write backprop (see ``bpstep.checker.shapes``)."""

    name = ""
    title = ""
    looks_like = ""  # what the file must define, for the "nothing to check" message
    source = ""  # the public course code it follows

    def recognise(self, report: dict) -> Found | None:
        raise NotImplementedError

    def prepare(self, code: LearnerCode) -> None:
        """Ask the learner's loaded code what the static report cannot tell (its cost…)."""

    def defaults(self, found: Found) -> dict[str, Any]:
        """The session settings of this shape's default network and data."""
        raise NotImplementedError

    def fits(self, found: Found, problem: Problem) -> str | None:
        """None when the shape can be checked on ``problem``, else one line saying why not."""
        return None

    def check(
        self,
        code: LearnerCode,
        problem: Problem,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        iteration: int,
        options: Options,
    ) -> Checked:
        raise NotImplementedError


# ---------------------------------------------------------------------------- signatures


def positional(params: list[list]) -> list[list]:
    return [p for p in params if p[1] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]


def takes(params: list[list] | None, spec: list[set[str] | None], self_first: bool = False) -> bool:
    """Whether a signature has the positional parameters ``spec`` (each a set of accepted
    lower-case names, None for any name), any further ones having defaults, and no required
    keyword-only parameter. ``self_first``: a method, whose first parameter is skipped."""
    if params is None:
        return False
    ps = params[1:] if self_first else params
    pos = positional(ps)
    if len(pos) < len(spec):
        return False
    for p, accepted in zip(pos, spec, strict=False):
        if accepted is not None and p[0].lower() not in accepted:
            return False
    extra = pos[len(spec) :]
    required_kw = [p for p in ps if p[1] == "KEYWORD_ONLY" and not p[2]]
    return all(p[2] for p in extra) and not required_kw


def method(report: dict, cls: str, name: str) -> list[list] | None:
    return report["classes"][cls]["methods"].get(name)


def function(report: dict, name: str) -> list[list] | None:
    entry = report["functions"].get(name)
    return None if entry is None else entry["params"]
