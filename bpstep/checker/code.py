"""The learner's code, loaded: its sandbox, what the loader found, and the shape recognised.

``load(path, time_limit)`` opens a sandbox (``runner.open_sandbox``), loads the file in it with
the tolerant loader; ``load_object(source, time_limit)`` takes code that lives in this process
(a module, a class or an object, a function, a dict of functions) behind the same interface
(``inprocess.InProcessBox``). Both recognise the shape the code is written in
(``shapes.recognise``: by the names the courses use *and* their signatures), and check what the
shape's functions need: a helper that cannot be imported and that a checked function reads is a
usage error naming it (``UserCodeError``, exit 2); a name set by a skipped statement makes that
function's results an error naming the statement. ``LearnerCode.call`` is how every check calls
into the learner's code: it remembers a function stopped at the time limit and does not wait
for it again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bpstep.checker.inprocess import NOTE, InProcessBox, describe
from bpstep.checker.runner import TIME_LIMIT, LearnerFailure, Sandbox, open_sandbox
from bpstep.checker.shapes import SHAPES, Found, Shape, by_name, recognise
from bpstep.engine.errors import UserCodeError


@dataclass
class LearnerCode:
    """A loaded learner's file (see the module docstring)."""

    path: Path | None  # None: code that lives in this process (``load_object``)
    box: Sandbox
    report: dict
    shape: Shape
    found: Found
    also: list[str] = field(default_factory=list)  # other shapes the file also has
    time_limit: float | None = TIME_LIMIT
    blocked: dict[str, str] = field(default_factory=dict)  # function → why it cannot run
    timed_out: dict[str, str] = field(default_factory=dict)  # function → where it was stopped
    cache: dict = field(default_factory=dict)  # the shape's results, by batch
    lock: threading.Lock = field(default_factory=threading.Lock)
    label: str = ""  # how the report names the code: the path, or what was given
    notes: list[str] = field(default_factory=list)  # for the report (e.g. checked in-process)

    @property
    def skipped(self) -> list[dict]:
        return list(self.report.get("skipped", []))

    @property
    def functions(self) -> list[str]:
        """The learner's functions (or methods) the check calls."""
        return list(self.found.functions)

    defined = functions

    @property
    def fallbacks(self) -> list[str]:
        """bpstep's four functions the learner left out (the engine's are used)."""
        return list(self.found.info.get("fallbacks", []))

    def call(self, function: str, target: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run the adapter ``target`` for the learner's ``function``; LearnerFailure if their
        code fails, cannot run (it needs a skipped name) or was stopped at the time limit."""
        if function in self.blocked:
            raise LearnerFailure("raised", self.blocked[function])
        if function in self.timed_out:  # one endless loop is enough: do not wait for it again
            raise LearnerFailure(
                "time_limit", f"not run again: {self.timed_out[function]} (an endless loop?)"
            )
        try:
            return self.box.call(target, *args, **kwargs)
        except LearnerFailure as exc:
            if exc.kind in ("time_limit", "interrupted"):
                limit = f"{self.time_limit:g} s" if self.time_limit else "its time limit"
                self.timed_out[function] = f"it ran past {limit} at {exc.where or self.label}"
            raise

    def interrupt(self) -> None:
        self.box.interrupt()

    def close(self) -> None:
        self.box.close()


def load(
    path: str | Path,
    time_limit: float | None = TIME_LIMIT,
    shape: str | None = None,
    *,
    stderr: int | IO[Any] | None = None,
) -> LearnerCode:
    """Load and recognise the learner's file; UserCodeError (one line) when it cannot be.

    ``stderr``: where the learner's prints go (``runner.open_sandbox``)."""
    path = Path(path)
    box = open_sandbox(path, time_limit=time_limit, stderr=stderr)
    return recognised(box, path, str(path), time_limit, shape)


def load_object(
    source: object, time_limit: float | None = TIME_LIMIT, shape: str | None = None
) -> LearnerCode:
    """Recognise code that lives in this process (``inprocess.describe``: a module, a class or
    an object of it, a function, a dict of functions); ConfigError when ``source`` is none of
    these, UserCodeError (one line) when it cannot be checked. Its calls run in this process:
    ``inprocess`` says what that cannot stop, and the report's notes say it too."""
    given = describe(source)
    box = InProcessBox(given, time_limit)
    return recognised(box, None, given.label, time_limit, shape, notes=[NOTE])


def recognised(
    box: Sandbox,
    path: Path | None,
    label: str,
    time_limit: float | None,
    shape: str | None,
    notes: list[str] | None = None,
) -> LearnerCode:
    """The code in ``box`` (not started yet) loaded, its shape recognised and prepared."""
    report = box.start()
    found_all = recognise(report)
    if shape is not None:
        found_all = [(s, f) for s, f in found_all if s.name == shape]
    if not found_all:
        box.close()
        raise UserCodeError(nothing_to_check(label, report, shape))
    (chosen, found), *others = found_all
    code = LearnerCode(
        path,
        box,
        report,
        chosen,
        found,
        [s.name for s, _ in others],
        time_limit=time_limit,
        label=label,
        notes=list(notes or []),
    )
    try:
        code.blocked = blocked_functions(code)
        if not code.blocked:
            chosen.prepare(code)
    except UserCodeError:
        box.close()
        raise
    return code


def nothing_to_check(path: Path | str, report: dict, shape: str | None) -> str:
    if shape is not None:
        wanted = by_name(shape)
        if wanted is None:
            return f"unknown shape {shape!r}; accepted: {', '.join(s.name for s in SHAPES)}"
        return f"{path} is not written in the {shape} shape: it needs {wanted.looks_like}"
    looked_for = "; ".join(s.looks_like for s in SHAPES)
    return f"{path} defines nothing bpstep can check; it looks for {looked_for}"


def blocked_functions(code: LearnerCode) -> dict[str, str]:
    """For each checked function, why it cannot run (it needs a name the loader skipped).

    A needed import that failed is a usage error: the learner must make the helper importable.
    """
    needs: dict[str, list[str]] = code.report.get("needs", {})
    unavailable: dict[str, dict] = code.report.get("unavailable", {})
    failed: dict[str, str] = code.report.get("failed_imports", {})
    blocked = {}
    for entry in code.found.entry_points:
        for name in sorted(closure(entry, needs)):
            if name not in unavailable:
                continue
            where, why = unavailable[name]["where"], unavailable[name]["why"]
            if name in failed:
                raise UserCodeError(
                    f"{entry} needs {name}, which cannot be imported ({where}: {why}); "
                    f"put {failed[name]}.py beside {Path(code.label).name} or install it"
                )
            message = f"{entry} needs {name}, which was not set: {where} was skipped ({why})"
            # a class (Nielsen's Network…) blocks every method the check calls
            for function in [entry] if entry in code.found.functions else code.found.functions:
                blocked[function] = message
            break
    return blocked


def closure(name: str, needs: dict[str, list[str]]) -> set[str]:
    """Every global name ``name`` reads, through the module's own definitions it calls."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        for dep in needs.get(current, []):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen
