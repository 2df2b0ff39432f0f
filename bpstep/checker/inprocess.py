"""Checking code that lives in this process: a module, a class or an object, a dict of functions.

A notebook's own classes and functions exist only in its kernel: they cannot be sent to the
sandbox's child process. ``bpstep.check(TwoLayerNet)`` therefore runs them here, behind the
sandbox's interface (``start``, ``call``, ``interrupt``, ``close``: ``runner.Sandbox``), so that
every shape's adapters run unchanged. :func:`describe` turns the source into what the child's
loader would report (a module to call into and the plain-data report the shapes recognise);
:class:`InProcessBox` runs the adapters.

What the box does as the sandbox does:

- arguments go in as deep copies and results come back as plain data, copied: the learner's
  code cannot change bpstep's arrays, nor hand back a live object of its own;
- every exception out of the learner's code (``SystemExit`` included) is a
  :class:`~bpstep.checker.sandbox.LearnerFailure` naming the learner's file:line;
- the time limit (seconds per call) stops Python code at its next line past the limit, and
  ``interrupt()`` (from any thread) stops it at its next line: a line tracer
  (``sys.settrace``, in the calling thread, the previous tracer put back after each call).

What it cannot do, which the child process can (the report's notes say so, ``NOTE``):

- stop what does not run Python lines: a loop inside C (a huge NumPy product, ``time.sleep``),
  nor code that catches ``BaseException`` and carries on (Python removes a tracer that raised),
  nor threads the code starts;
- survive ``os._exit``, a crash or running out of memory: they end this process (a notebook's
  kernel with it); and undo what the code changes in this process (globals, ``np.seterr``…).

``KeyboardInterrupt`` is not the learner's failure here: in this process Ctrl-C is the user's
(a notebook's "interrupt kernel"), so it propagates. The learner's prints go where this
process's go (a notebook's cell output).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass
from typing import Any

from bpstep.checker.loader import class_entry, params_of
from bpstep.checker.sandbox import LearnerFailure, SandboxError
from bpstep.checker.sandbox_child import PLAIN, TimeLimit, plain
from bpstep.engine.errors import ConfigError, UserCodeError

ACCEPTED = (
    "a path (.py or .ipynb), a module, a class or an object of it (a CS231n TwoLayerNet, a "
    "Nielsen Network…), a function, or a dict of functions"
)
NOTE = (
    "checked in this process, not in a sandbox (a notebook's code cannot be sent to another "
    "process): the time limit stops Python lines only; a loop inside C, code that catches "
    "BaseException and carries on, os._exit or a crash are not stopped (a file's path is)"
)
TARGETS = "bpstep.checker."  # the adapters the box may run: bpstep's own, never a given name


class Interrupted(TimeLimit):
    """Raised inside the learner's code by the tracer once ``interrupt()`` was called."""


@dataclass
class Given:
    """An in-memory source, described as the child's loader describes a file."""

    module: types.ModuleType  # what the adapters receive: the definitions by name
    report: dict  # the loader's plain-data report (functions, classes…)
    label: str  # how the report names the source
    files: frozenset[str]  # the learner's source files, to find its file:line


# ---------------------------------------------------------------------------- describing


def describe(source: object) -> Given:
    """What ``source`` defines; ConfigError when it is not a source (see ``ACCEPTED``),
    UserCodeError when a dict holds something that is not a function or a class. A method
    bound to an object (``net.loss``) stands for the object's class."""
    if isinstance(source, types.ModuleType):
        name = source.__name__
        found = {
            k: v
            for k, v in vars(source).items()
            if (inspect.isfunction(v) or inspect.isclass(v))
            and getattr(v, "__module__", None) == name
        }
        label = f"module {name}"
        return _given(found, label, source, getattr(source, "__file__", None))
    if isinstance(source, dict):
        return _given(_from_dict(source), _dict_label(source), None, None)
    if inspect.isclass(source):
        return _given({source.__name__: source}, _class_label(source), None, None)
    if inspect.ismethod(source):  # net.loss, Network.from_sizes: the class it belongs to
        owner = source.__self__
        source = owner if inspect.isclass(owner) else type(owner)
        return _given({source.__name__: source}, _class_label(source), None, None)
    if inspect.isfunction(source):
        label = f"function {source.__name__} from {source.__module__}"
        return _given({source.__name__: source}, label, None, None)
    if type(source).__module__ == "builtins" or inspect.isroutine(source):
        raise ConfigError(
            f"cannot check an object of type {type(source).__name__}; give {ACCEPTED}"
        )
    cls = type(source)  # an object: its class is checked, on fresh objects as the shapes make
    return _given({cls.__name__: cls}, _class_label(cls, instance=True), None, None)


def _from_dict(source: dict) -> dict[str, Any]:
    for key, value in source.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ConfigError(
                f"a dict of functions needs names as keys (such as 'output_delta'), got {key!r}"
            )
        if not (inspect.isfunction(value) or inspect.isclass(value)):
            raise UserCodeError(
                f"{key!r} is a {type(value).__name__}, not a function or a class (define it "
                "with def, then give it by name: {" + repr(key) + ": " + key + "})"
            )
    return dict(source)


def _dict_label(source: dict) -> str:
    return "functions " + ", ".join(source) if source else "an empty dict"


def _class_label(cls: type, instance: bool = False) -> str:
    what = "an object of class" if instance else "class"
    return f"{what} {cls.__qualname__} from {cls.__module__}"


def _given(
    found: dict[str, Any], label: str, module: types.ModuleType | None, file: str | None
) -> Given:
    if module is None:
        module = types.ModuleType("bpstep_given")
        for name, value in found.items():
            setattr(module, name, value)
    functions, classes, files = {}, {}, set()
    for name, value in found.items():
        where, value_files = _where(value, label)
        files |= value_files
        if inspect.isclass(value):
            members: dict[str, Any] = {}
            for base in reversed(value.__mro__[:-1]):  # inherited methods count (not object's)
                members.update(vars(base))
            classes[name] = class_entry(value, where, members)
        else:
            functions[name] = {"params": params_of(value), "where": where}
    if file:
        files.add(file)
    report = {
        "path": label,
        "kind": "object",
        "functions": functions,
        "classes": classes,
        "skipped": [],
        "unavailable": {},
        "failed_imports": {},
        "needs": {},
    }
    return Given(module, report, label, frozenset(files))


def _codes(value: Any) -> list[types.CodeType]:
    """The code objects of a function, or of a class's own methods and properties."""
    if inspect.isfunction(value):
        return [value.__code__]
    out = []
    if inspect.isclass(value):
        for base in value.__mro__[:-1]:
            for member in vars(base).values():
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                parts = [member.fget, member.fset] if isinstance(member, property) else [member]
                out += [p.__code__ for p in parts if inspect.isfunction(p)]
    return out


def _where(value: Any, label: str) -> tuple[str, set[str]]:
    """Where ``value`` is defined ("file:line"), and the files of its code."""
    codes = _codes(value)
    if not codes:
        return label, set()
    first = min(codes, key=lambda c: (c.co_filename, c.co_firstlineno))
    return f"{first.co_filename}:{first.co_firstlineno}", {c.co_filename for c in codes}


# ---------------------------------------------------------------------------- running


class InProcessBox:
    """The sandbox's interface for code in this process (see the module docstring)."""

    def __init__(self, given: Given, time_limit: float | None = 10.0) -> None:
        if time_limit is not None and not time_limit > 0:
            raise ValueError(
                f"time_limit must be a positive number of seconds or None, not {time_limit!r}"
            )
        self.given = given
        self.time_limit = time_limit
        self._lock = threading.Lock()  # one call at a time, as in the child
        self._interrupted = False
        self._closed = False

    def start(self) -> dict:
        """The report of what the source defines (nothing runs: it is loaded already)."""
        if self._closed:
            raise SandboxError(f"the checker for {self.given.label} is closed")
        return copy.deepcopy(self.given.report)

    def call(self, target: str, /, *args: Any, **kwargs: Any) -> Any:
        """``function(module, *args, **kwargs)`` for bpstep's adapter ``target``
        ("bpstep.checker.….module:function"), under the time limit; its result as plain data.
        LearnerFailure when the learner's code does not return normally."""
        if not isinstance(target, str) or target.count(":") != 1:
            raise ValueError(f"target must be 'module:function', not {target!r}")
        if not target.startswith(TARGETS):
            raise ValueError(f"target must be one of bpstep's adapters, not {target!r}")
        module_name, _, name = target.partition(":")
        try:
            fn = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError) as exc:  # bpstep's own mistake, said as such
            raise SandboxError(f"cannot find the adapter {target}: {exc}") from None
        args, kwargs = copy.deepcopy((args, kwargs))
        with self._lock:
            if self._closed:
                raise SandboxError(f"the checker for {self.given.label} is closed")
            self._interrupted = False
            try:
                value = self._traced(fn, (self.given.module, *args), kwargs)
            except KeyboardInterrupt:
                raise  # Ctrl-C here is the user's, not a failure of their code
            except BaseException as exc:  # noqa: BLE001 - every other one is the learner's failure
                raise self._failure(exc) from None
        try:
            return copy.deepcopy(plain(value))
        except TypeError as exc:
            message = f"the result was not plain data ({PLAIN}): {exc}"
            raise LearnerFailure("crashed", message) from None

    def interrupt(self) -> None:
        """Stop the running call at its next Python line (it raises LearnerFailure of kind
        "interrupted"); a loop inside C runs on until it returns to Python."""
        self._interrupted = True

    def close(self) -> None:
        """Idempotent; a running call is interrupted, and no call runs after."""
        self._closed = True
        self._interrupted = True

    def _traced(self, fn: Any, args: tuple, kwargs: dict) -> Any:
        """``fn(*args, **kwargs)`` with a line tracer that raises TimeLimit past the deadline
        and Interrupted once interrupt() was called (see the module docstring for the limits)."""
        deadline = None if self.time_limit is None else time.monotonic() + self.time_limit
        clock, box = time.monotonic, self

        def tracer(frame: types.FrameType, event: str, arg: Any) -> Any:
            if box._interrupted:
                raise Interrupted("stopped: bpstep interrupted your code")
            if deadline is not None and clock() > deadline:
                raise TimeLimit(f"still running after {box.time_limit:g} s (an endless loop?)")
            return tracer

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.settrace(previous)

    def _failure(self, exc: BaseException) -> LearnerFailure:
        """The LearnerFailure for ``exc``, at the innermost line of the learner's own files."""
        where = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename in self.given.files:
                where = f"{frame.filename}:{frame.lineno}"
        if isinstance(exc, Interrupted):
            return LearnerFailure("interrupted", str(exc), where)
        if isinstance(exc, TimeLimit):
            return LearnerFailure("time_limit", str(exc), where)
        name = type(exc).__name__
        if isinstance(exc, MemoryError):
            return LearnerFailure("memory", _describe(exc), where, name)
        if isinstance(exc, SystemExit):
            message = f"your code called sys.exit({exc.code!r:.60}); a function should return"
            return LearnerFailure("exited", message, where, name)
        return LearnerFailure("raised", _describe(exc), where, name)


def _describe(exc: BaseException) -> str:
    """``Type: first line of the message`` (the type alone when its str() fails or is empty)."""
    try:
        lines = str(exc).strip().splitlines()
    except Exception:  # noqa: BLE001 - a learner's __str__ may raise anything
        lines = []
    name = type(exc).__name__
    return f"{name}: {lines[0][:300]}" if lines else name


__all__ = ["ACCEPTED", "NOTE", "Given", "InProcessBox", "describe"]
