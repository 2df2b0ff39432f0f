"""The sandbox's child process: it imports the learner's file and runs calls into it, one at a time.

``bpstep.checker.sandbox.Sandbox`` starts it (its docstring states the contract) with
``python -P -u -c …``, passing a JSON configuration. Only :func:`exec_module` and :func:`plain` are
also used in bpstep's own process; everything else here runs in the child. At import time this
module needs the standard library only, so the child starts lean.

The conversation over two pipes (the child's original fds 0 and 1, moved aside so that fd 0 reads
/dev/null and fd 1 writes to fd 2): each message is an 8-byte big-endian length and a pickle.
Child → parent replies are built from plain data only (see :func:`plain`):

    ("ready", pid, seconds)                    started, NumPy imported
    ("ok", value)                              the learner's file imported / the call returned
    ("fail", kind, line, message, exception_type, bpstep_error)
    ("internal", message)                      bpstep's own fault (a target that does not exist)

Parent → child requests: ("call", "module:function", args, kwargs, time_limit).
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback
import types
from pathlib import Path

HEADER = struct.Struct("!Q")  # the length of the pickle that follows
DUMP_AFTER = 0.5  # s past the time limit: faulthandler dumps the stack and ends the child
PARENT_POLL = 0.5  # s between checks that the parent is still alive (the fallback watch)
MAX_DEPTH = 64  # nesting of lists/tuples/dicts in a result
PLAIN = "numbers, arrays of numbers, str, bool, None, and tuples/lists/dicts of these"
NUMERIC_KINDS = "biufc"  # bool, int, unsigned, float, complex
DEFAULT_LOADER = "bpstep.checker.sandbox:exec_module"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_real_exit = os._exit  # kept before the learner's os._exit is wrapped (see _record_exits)


class TimeLimit(BaseException):
    """Raised inside the learner's code (by the line tracer) once it runs past its time limit.

    A BaseException, so that a learner's ``except Exception`` does not swallow it."""


# ---------------------------------------------------------------------------- loading


def exec_module(path) -> tuple[types.ModuleType, dict]:
    """The default loader: compile and run the learner's file as a fresh module.

    The file's folder is on ``sys.path`` while it runs (so it may import a helper next to it),
    like ``bpstep.session.usergrads.load_user_module``. Returns the module and a report:
    ``{"path": str, "functions": [names of the functions the file defines]}``. A syntax error
    or an exception while running propagates (the child reports the learner's file:line);
    a missing file is a ``UserCodeError``.
    """
    path = Path(path)
    if not path.is_file():
        from bpstep.engine.errors import UserCodeError

        what = (
            "a folder"
            if path.is_dir()
            else "not a regular file (a FIFO or a device)"
            if path.exists()
            else "no such file"
        )
        raise UserCodeError(f"cannot read {path}: {what} (a Python file of your functions)")
    resolved = path.resolve()
    code = compile(path.read_bytes(), str(resolved), "exec")
    name = "bpstep_learner"
    module = types.ModuleType(name)
    module.__file__ = str(resolved)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    folder = str(resolved.parent)
    sys.path.insert(0, folder)
    try:
        exec(code, module.__dict__)
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    functions = sorted(
        n
        for n, v in vars(module).items()
        if isinstance(v, types.FunctionType) and v.__module__ == name and not n.startswith("_")
    )
    return module, {"path": str(path), "functions": functions}


# ---------------------------------------------------------------------------- plain data


def plain(value, depth: int = 0):
    """``value`` as plain data: numbers, str, bool, None, NumPy arrays of numbers (bool, int,
    float, complex; an ndarray subclass becomes a plain ndarray copy), and tuples, lists and
    dicts of these, rebuilt with the exact built-in types. NumPy scalars become Python numbers.
    TypeError for anything else (a learner's object, an object array, a list that holds itself).
    """
    kind = type(value)
    if value is None or kind in (bool, int, float, complex, str):
        return value
    if depth > MAX_DEPTH:
        raise TypeError(f"the result is nested more than {MAX_DEPTH} deep (or holds itself)")
    if kind in (list, tuple):
        items = [plain(v, depth + 1) for v in value]
        return items if kind is list else tuple(items)
    if kind is dict:
        return {plain(k, depth + 1): plain(v, depth + 1) for k, v in value.items()}
    np = sys.modules.get("numpy")  # an array can only exist once NumPy is imported
    if np is not None:
        if kind is np.ndarray or isinstance(value, np.ndarray):
            array = value if kind is np.ndarray else np.array(value, subok=False)
            if array.dtype.kind in NUMERIC_KINDS:
                return array
            raise TypeError(f"the result holds an array of {array.dtype}, not numbers; {PLAIN}")
        if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
            return value.item()
    raise TypeError(f"the result holds a {kind.__name__}, which is not plain data ({PLAIN})")


# ---------------------------------------------------------------------------- failures


class _Learner:
    """Where the learner's file is, to find its lines in a traceback."""

    def __init__(self, path: str) -> None:
        self.cwd = os.getcwd()  # before their code can chdir
        self.path = os.path.realpath(path)

    def owns(self, filename: str) -> bool:
        return os.path.realpath(os.path.join(self.cwd, filename)) == self.path

    def line(self, frames) -> int | None:
        """The line of the innermost frame in the learner's file, of ``traceback`` frames."""
        found = None
        for frame in frames:
            if self.owns(frame.filename):
                found = frame.lineno
        return found


def _describe(exc: BaseException) -> str:
    """``Type: first line of the message`` (a learner's __str__ that fails gives the type)."""
    try:
        text = str(exc.msg if isinstance(exc, SyntaxError) else exc).strip().splitlines()
    except BaseException:  # noqa: BLE001 - their __str__ may raise anything
        text = []
    name = type(exc).__name__
    return f"{name}: {text[0][:300]}" if text else name


def failure(exc: BaseException, learner: _Learner, limit: float | None) -> tuple:
    """The ("fail", …) reply for an exception out of the learner's code (or bpstep's target)."""
    line = learner.line(traceback.extract_tb(exc.__traceback__))
    if isinstance(exc, SyntaxError) and type(exc.filename) is str and learner.owns(exc.filename):
        line = exc.lineno or line
    line = line if type(line) is int else None
    name = type(exc).__name__
    bpstep_error = any(c.__name__ == "BpstepError" for c in type(exc).__mro__)
    if isinstance(exc, TimeLimit):
        return ("fail", "time_limit", line, _over(limit), None, False)
    if isinstance(exc, MemoryError):
        return ("fail", "memory", line, _describe(exc), name, False)
    if isinstance(exc, SystemExit):
        message = f"your code called sys.exit({_code(exc)}); a function should return its result"
        return ("fail", "exited", line, message, name, False)
    return ("fail", "raised", line, _describe(exc), name, bpstep_error)


def _over(limit: float | None) -> str:
    return f"still running after {limit:g} s (an endless loop?)"


def _code(exc: SystemExit) -> str:
    try:
        return repr(exc.code)[:60] if exc.code is not None else ""
    except BaseException:  # noqa: BLE001 - a learner's object as the exit code
        return "…"


# ---------------------------------------------------------------------------- running


class Runner:
    """Runs the loader and the calls under the time limit (the child's half of the contract)."""

    def __init__(self, learner: _Learner, fault) -> None:
        self.learner = learner
        self.fault = fault  # faulthandler's file (the parent reads it after a kill or a crash)
        self.module: types.ModuleType | None = None
        self.targets: dict[str, object] = {}

    def load(self, path: str, loader: str, limit: float | None) -> tuple:
        try:
            load = (
                exec_module if loader == DEFAULT_LOADER else _resolve(loader)
            )  # the default without importing bpstep.checker.sandbox (the parent's half)
        except Exception as exc:  # noqa: BLE001 - bpstep's own mistake, said as such
            return ("internal", f"cannot find the loader {loader}: {_describe(exc)}")
        reply = self.timed(limit, load, (path,), {})
        if reply[0] != "ok":
            return reply
        value = reply[1]
        if not (isinstance(value, tuple) and len(value) == 2):
            return ("internal", f"the loader {loader} returned {value!r:.80}, not (module, dict)")
        self.module, report = value
        try:
            return ("ok", plain(report))
        except TypeError as exc:
            return ("internal", f"the loader {loader}'s report: {exc}")

    def call(self, target: str, args: tuple, kwargs: dict, limit: float | None) -> tuple:
        try:
            fn = self.targets.get(target) or _resolve(target)
        except Exception as exc:  # noqa: BLE001 - bpstep's own mistake, said as such
            return ("internal", f"cannot find the sandbox target {target}: {_describe(exc)}")
        self.targets[target] = fn
        return self.timed(limit, fn, (self.module, *args), kwargs, finish=plain)

    def timed(self, limit: float | None, fn, args: tuple, kwargs: dict, finish=None) -> tuple:
        """``("ok", finish(fn(*args, **kwargs)))``, or the failure. Three time limits: the line
        tracer raises TimeLimit in Python code at ``limit``; faulthandler dumps the stack to the
        fault file and ends the process at ``limit + DUMP_AFTER`` (C loops, swallowed
        TimeLimits); the parent kills the process a little later still. ``finish`` (``plain``
        for a call: an ndarray subclass's copy may run the learner's code) runs under the last
        two only."""
        self.fault.seek(0)
        self.fault.truncate()
        if limit is not None:
            faulthandler.dump_traceback_later(limit + DUMP_AFTER, exit=True, file=self.fault)
        try:
            value = _traced(limit, fn, args, kwargs)
            return ("ok", value if finish is None else finish(value))
        except BaseException as exc:  # noqa: BLE001 - every BaseException is the learner's failure
            return failure(exc, self.learner, limit)
        finally:
            if limit is not None:
                faulthandler.cancel_dump_traceback_later()


def _traced(limit: float | None, fn, args: tuple, kwargs: dict):
    """``fn(*args, **kwargs)``, with a line tracer raising TimeLimit once ``limit`` has passed
    (it keeps raising on every later line, so a loop that swallows one is stopped at its next)."""
    if limit is None:
        return fn(*args, **kwargs)
    deadline = time.monotonic() + limit
    clock = time.monotonic

    def tracer(frame, event, arg):
        if clock() > deadline:
            raise TimeLimit(_over(limit))
        return tracer

    sys.settrace(tracer)
    try:
        return fn(*args, **kwargs)
    finally:
        sys.settrace(None)


def _resolve(spec: str):
    module, _, name = spec.partition(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------- the process


def _channels() -> tuple[int, int]:
    """Move the pipes to the parent off fds 0 and 1: fd 0 reads /dev/null, fd 1 writes to fd 2
    (so the learner's prints never reach bpstep's stdout). Returns (requests, replies)."""
    requests, replies = os.dup(0), os.dup(1)  # not inherited by processes the learner starts
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return requests, replies


def _die_with_parent(parent: int, pdeathsig: bool) -> None:
    """End this process when bpstep's ends: PR_SET_PDEATHSIG on Linux (the kernel sends SIGKILL
    when the parent goes), and, as a fallback, a thread that watches the parent's pid."""
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before prctl took effect
        _real_exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        _real_exit(0)

    threading.Thread(target=watch, name="bpstep-parent-watch", daemon=True).start()


def _limit_memory(limit: int) -> None:
    """RLIMIT_AS, soft and hard (so the learner cannot raise it): an allocation past it is a
    MemoryError here instead of a machine that swaps."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _record_exits(fault, learner: _Learner) -> None:
    """Wrap os._exit so that the parent learns the learner's line that ended the process."""

    def _exit(status):
        line = learner.line(traceback.extract_stack())
        try:
            fault.write(f"bpstep: os._exit({status!r:.40}) at line {line}\n")
            fault.flush()
        except BaseException:  # noqa: BLE001 - exit whatever happens
            pass
        _real_exit(status)

    os._exit = _exit


def _send(fd: int, message: tuple) -> None:
    data = pickle.dumps(message, protocol=4)  # no out-of-band buffers: the parent's allowlist
    for view in (memoryview(HEADER.pack(len(data))), memoryview(data)):
        while view:
            view = view[os.write(fd, view) :]


def _receive(fd: int):
    """The next request, or None when the parent has closed the pipe."""
    header = _read(fd, HEADER.size)
    if header is None:
        return None
    data = _read(fd, HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)  # from bpstep itself: trusted


def _read(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main(config: dict) -> None:
    """The child's life: set up, import the learner's file, then answer calls until EOF."""
    started = time.monotonic()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for bpstep, not for this process
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group's prints under `stty tostop`
    requests, replies = _channels()
    _die_with_parent(config["parent"], config.get("pdeathsig", True))
    if config["memory_limit"]:
        _limit_memory(config["memory_limit"])
    learner = _Learner(config["path"])
    fault = open(config["fault"], "w")  # noqa: SIM115 - open for the process's life
    faulthandler.enable(file=fault)
    _record_exits(fault, learner)
    try:
        import numpy  # noqa: F401 - start-up, not the learner's time limit
    except ImportError:
        pass
    runner = Runner(learner, fault)
    try:
        _send(replies, ("ready", os.getpid(), time.monotonic() - started))
        reply = runner.load(config["path"], config["loader"], config["time_limit"])
        _send(replies, reply)
        if reply[0] != "ok":
            return
        while (request := _receive(requests)) is not None:
            _, target, args, kwargs, limit = request
            _send(replies, runner.call(target, args, kwargs, limit))
    except BrokenPipeError:  # bpstep has gone: nobody to tell
        _real_exit(0)
