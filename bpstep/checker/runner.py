"""Where the learner's code runs: the sandbox interface, and an in-process stand-in for it.

Everything that touches the learner's module goes through one object with this interface::

    box = open_sandbox(path, time_limit=10.0)
    report = box.start()                 # loads the file: plain data about what it defines
    value = box.call("bpstep.checker.shapes.nielsen:backprop", spec, params, X, Y)
    box.close()

``call(target, *args, **kwargs)`` runs ``function(learner_module, *args, **kwargs)``, where
``target`` is ``"package.module:function"``, next to the learner's module, and returns plain data
(arrays, numbers, str, None, tuples, lists, dicts). The learner's code failing there (raising,
exiting, running past the time limit) is a :class:`LearnerFailure`, never a crash of ours.

The real sandbox, ``bpstep.checker.sandbox.Sandbox``, runs the learner's code in a child process
that is killed at the time limit (so C-level loops and ``os._exit`` are handled too). Until that
module exists, :class:`InProcessSandbox` stands in for it with the same interface: the learner's
code runs in this process under the line-tracing time limit of :mod:`bpstep.checker.deadline`,
arguments and results are deep-copied (as crossing a process boundary would), ``sys.exit`` and
``os._exit`` in their code become failures of kind ``"exited"``. ``open_sandbox`` picks the real
one when it can be imported: that is the switch.
"""

from __future__ import annotations

import copy
import importlib
import os
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from bpstep.checker import deadline
from bpstep.engine.errors import UserCodeError

LOADER = "bpstep.checker.loader:exec_module"


class LearnerFailure(Exception):
    """The learner's code failed inside a call: ``kind`` says how.

    ``kind``: "raised" | "time_limit" | "exited" | "crashed" | "interrupted" | "memory" (from
    the sandbox), or "returned" (the checker's own: a result that is not what the shape
    returns, e.g. no (nabla_b, nabla_w) pair);
    ``where``: "file:line" of the innermost line of the learner's file, when known;
    ``exception_type``: the name of the exception raised (None when nothing was raised).
    ``str()`` is one line: ``where: ExceptionType: message``.
    """

    def __init__(
        self, kind: str, where: str | None, message: str, exception_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.where = where
        self.message = message
        self.exception_type = exception_type

    def __str__(self) -> str:
        what = f"{self.exception_type}: {self.message}" if self.exception_type else self.message
        return f"{self.where}: {what}" if self.where else what


class Sandbox(Protocol):
    """What the checker needs from a sandbox (the child-process one or the stand-in)."""

    def start(self) -> dict: ...

    def call(self, target: str, /, *args: Any, **kwargs: Any) -> Any: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


def resolve(target: str) -> Callable[..., Any]:
    """The function named by ``"package.module:function"``."""
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)


def describe(exc: BaseException) -> str:
    """``Type: first line of the message``."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def learner_frame(exc: BaseException, path: Path) -> str | None:
    """``file:line`` of the innermost frame of the learner's file (or notebook cell)."""
    target = str(path)
    resolved = str(path.resolve())
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename
        if name.startswith(target + " (cell "):  # the loader's name for a notebook's cell
            where = f"{name}:{frame.lineno}"
            continue
        try:
            same = str(Path(name).resolve()) == resolved
        except (OSError, ValueError):
            continue
        if same:
            where = f"{target}:{frame.lineno}"
    return where


class _Exited(SystemExit):
    """``os._exit`` called by the learner's code, in the in-process stand-in."""


def _no_os_exit(status: int = 0) -> None:
    raise _Exited(status)


class InProcessSandbox:
    """The stand-in: the learner's code in this process, under the line-tracing time limit."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        time_limit: float | None = deadline.TIME_LIMIT,
        loader: str = LOADER,
        memory_limit: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.time_limit = time_limit
        self.loader = loader
        self.memory_limit = memory_limit  # not enforced in-process
        self.module: Any = None
        self._lock = threading.RLock()  # one call of the learner's code at a time

    def start(self) -> dict:
        """Load the file with the loader; UserCodeError (one line, file:line) if it cannot be."""
        load = resolve(self.loader)
        try:
            module, report = deadline.call_with_time_limit(self.time_limit, load, self.path)
        except deadline.TimeLimit as exc:
            where = learner_frame(exc, self.path) or str(self.path)
            raise UserCodeError(
                f"{where}: TimeLimit: {exc} (while loading {self.path.name})"
            ) from None
        self.module = module
        return copy.deepcopy(report)

    def call(self, target: str, /, *args: Any, **kwargs: Any) -> Any:
        """``target(module, *args, **kwargs)``; LearnerFailure when the learner's code fails."""
        if self.module is None:
            raise RuntimeError("start() the sandbox before calling into it")
        fn = resolve(target)
        args, kwargs = copy.deepcopy((args, kwargs))
        with self._lock:
            real_exit = os._exit
            os._exit = _no_os_exit  # type: ignore[assignment]
            try:
                value = deadline.call_with_time_limit(
                    self.time_limit, fn, self.module, *args, **kwargs
                )
            except deadline.TimeLimit as exc:
                kind = "interrupted" if "closing" in str(exc) else "time_limit"
                raise self._failure(kind, exc) from None
            except KeyboardInterrupt as exc:
                if learner_frame(exc, self.path) is None:
                    raise  # the user pressed Ctrl-C
                raise self._failure("raised", exc) from None
            except (Exception, SystemExit, GeneratorExit) as exc:
                kind = "exited" if isinstance(exc, SystemExit) else "raised"
                raise self._failure(kind, exc) from None
            finally:
                os._exit = real_exit  # type: ignore[assignment]
        return copy.deepcopy(value)

    def _failure(self, kind: str, exc: BaseException) -> LearnerFailure:
        where = learner_frame(exc, self.path) or str(self.path)
        text = str(exc).strip().splitlines()
        message = text[0] if text else ""
        name = type(exc).__name__
        if isinstance(exc, _Exited):
            name, message = "os._exit", f"called with status {exc.code}"
        elif isinstance(exc, SystemExit):
            message = f"called with status {exc.code}"
        return LearnerFailure(kind, where, message, name)

    def interrupt(self) -> None:
        """Stop the learner's code running now (at its next line); later calls still run."""
        deadline.interrupt_all()

    def close(self) -> None:
        self.module = None

    def __enter__(self) -> InProcessSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sandbox(
    path: str | os.PathLike[str],
    *,
    time_limit: float | None = deadline.TIME_LIMIT,
    loader: str = LOADER,
) -> Sandbox:
    """The child-process sandbox when ``bpstep.checker.sandbox`` exists, else the stand-in."""
    try:
        from bpstep.checker.sandbox import Sandbox as ChildSandbox  # type: ignore[import-not-found]
    except ImportError:
        return InProcessSandbox(path, time_limit=time_limit, loader=loader)
    return ChildSandbox(path, time_limit=time_limit, loader=loader)  # type: ignore[no-any-return]
