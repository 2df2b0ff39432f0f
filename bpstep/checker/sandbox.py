"""Run the learner's code in a child process that can be stopped for certain.

The contract (tests/test_sandbox.py checks each sentence):

- The learner's file is imported, and every call into it runs, in a child process started as a
  plain subprocess (``python -P -u -c …``, never a fork of bpstep's process, which has threads);
  bpstep's own process runs none of the learner's code. ``Sandbox.start()`` imports the file;
  ``Sandbox.call("pkg.module:function", *args)`` runs bpstep's own (trusted) adapter function in
  the child as ``function(learner_module, *args, **kwargs)``.
- In the child fd 1 is fd 2: the learner's prints go to our stderr (or to ``stderr=``), never to
  our stdout; its stdin reads /dev/null. The child ignores SIGINT and sits in its own process
  group, so Ctrl-C is bpstep's alone.
- The child dies when bpstep's process dies: PR_SET_PDEATHSIG (Linux), a thread that watches the
  parent's pid (the fallback), end of file on its request pipe while idle, and its own
  faulthandler exit at the time limit. Children are started from the calling thread when that is
  the main thread, else from one long-lived spawner thread (PR_SET_PDEATHSIG fires when the
  *thread* that started the child ends, and the TUI's worker threads end after each job).
- Time limit (``time_limit`` seconds per call and for the import; None for none): the line
  tracer raises TimeLimit inside Python code at the limit (the child survives); faulthandler
  dumps the stack and ends the child ``DUMP_AFTER`` s later (C-level loops such as
  ``sum(itertools.count())`` or ``time.sleep(1e9)``, loops that swallow TimeLimit); the parent
  kills the child's process group (SIGKILL) ``GRACE`` s after the limit. The failure gives the
  learner's file:line whenever the tracer or the dump found it.
- Every BaseException out of the learner's code (KeyboardInterrupt, GeneratorExit, SystemExit,
  custom subclasses) is a LearnerFailure with the learner's file:line, and the child survives
  it. A process that ends (``os._exit``, a crash) is a LearnerFailure of kind "exited" or
  "crashed" with its exit status or signal, never a success; the next call starts a fresh child,
  importing the file again.
- Results are plain data (numbers, arrays of numbers, str, bool, None, and tuples/lists/dicts of
  these), checked in the child and again here after a RESTRICTED unpickler (NumPy's array
  reconstruction and built-in containers only), so a learner's object can never run code in
  bpstep's process. Arguments and results cross by value: arrays come back as new arrays of
  our own, so the learner mutating its inputs, or returning a view of them, cannot change ours.
- Memory: the child's address space is limited (RLIMIT_AS, soft and hard) to ``memory_limit``
  bytes, by default min(4 GiB, half the RAM) (None: no limit); a MemoryError is kind "memory".
  BLAS runs one thread in the child (OPENBLAS/OMP/MKL_NUM_THREADS=1 unless set): the learner's
  matrices are small, and the machine's cores are the TUI's too.
- One call at a time per Sandbox (a lock); ``interrupt()`` from any thread kills the child now and
  a pending call raises LearnerFailure(kind="interrupted"). ``close()`` (idempotent; also the
  context manager's exit, and a finalizer) leaves no child process, zombie or temporary file.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pickle
import queue
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

from bpstep.checker.sandbox_child import DEFAULT_LOADER, HEADER, PLAIN, exec_module, plain
from bpstep.engine.errors import UserCodeError

__all__ = [
    "MEMORY_LIMIT",
    "LearnerFailure",
    "Sandbox",
    "SandboxError",
    "default_memory_limit",
    "exec_module",
]

GRACE = 1.0  # s past the time limit before the parent kills the child
STARTUP = 60.0  # s for the child to start (Python and NumPy), before the learner's file
MAX_REPLY = 1 << 30  # bytes: a larger reply is refused (it would cost bpstep's memory)
PIPE_SIZE = 1 << 20  # bytes of pipe buffer asked for (Linux; a 784×100 array is 627 KB)
SLICE = 0.25  # s between looks at whether the child has died while waiting for it
KINDS = ("raised", "time_limit", "exited", "crashed", "interrupted", "memory")
_PDEATHSIG = True  # tests turn it off to exercise the fallback watch
_CHILD = (
    "import sys, json; c = json.loads(sys.argv[1]); sys.path[:] = c['sys_path']; "
    "from bpstep.checker.sandbox_child import main; main(c)"
)


class LearnerFailure(Exception):
    """The learner's code did not return normally. ``str()`` is one line: ``where: message``.

    ``kind``: "raised" | "time_limit" | "exited" | "crashed" | "interrupted" | "memory";
    ``where``: "path/to/file.py:LINE" in the learner's own file, when known;
    ``message``: one line; ``exception_type``: the exception's class name, when there was one.
    """

    def __init__(
        self, kind: str, message: str, where: str | None = None, exception_type: str | None = None
    ) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.kind = kind
        self.where = where
        self.message = message
        self.exception_type = exception_type

    def __reduce__(self):
        return (type(self), (self.kind, self.message, self.where, self.exception_type))


class SandboxError(RuntimeError):
    """bpstep's own fault, not the learner's: the child did not start, or a target is missing."""


def default_memory_limit() -> int:
    """min(4 GiB, half of the RAM), in bytes."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 << 30
    return min(4 << 30, ram // 2)


MEMORY_LIMIT = default_memory_limit()  # bytes of address space for the child, by default


# ---------------------------------------------------------------------------- restricted pickle

_ALLOWED = {
    ("numpy._core.multiarray", "_reconstruct"),  # NumPy 2
    ("numpy.core.multiarray", "_reconstruct"),  # NumPy 1
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "complex"),
}


class _Unpickler(pickle.Unpickler):
    """Builds built-in containers, numbers, strings and NumPy arrays; refuses every other class
    or function a pickle names, so a pickle from the child cannot run code here."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refused {module}.{name}: not plain data")
        return super().find_class(module, name)


def loads(data) -> object:
    """Unpickle a reply from the child: restricted, then checked to be plain data (``plain``).
    pickle.UnpicklingError (or TypeError, ValueError) for anything else."""
    value = _Unpickler(io.BytesIO(data)).load()
    return plain(value)


# ---------------------------------------------------------------------------- the child process


class _Timeout(Exception):
    pass


class _Dead(Exception):
    pass


class _Child:
    """bpstep's handle on one child process: its pipes, its fault file, kill and reap."""

    def __init__(self, proc: subprocess.Popen, fault_fd: int, fault: str) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.fault_fd = fault_fd  # ours, to read what faulthandler wrote once the path is gone
        self.fault = fault
        self._disposed = False
        assert proc.stdin is not None and proc.stdout is not None  # started with PIPEs
        self.requests = proc.stdin.fileno()
        self.replies = proc.stdout.fileno()
        for fd in (self.requests, self.replies):
            os.set_blocking(fd, False)
            try:  # fewer round trips through the kernel for a large array
                fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
            except OSError:
                pass
        self._lock = threading.Lock()  # kill and poll: never signal a reaped (reusable) pid

    def kill(self) -> None:
        """SIGKILL the child's process group (itself and anything it started)."""
        with self._lock:
            if self.proc.returncode is None:  # not reaped: the pid and group id are still its
                for kill in (os.killpg, os.kill):  # os.kill: if it left its group
                    try:
                        kill(self.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass

    def poll(self) -> int | None:
        with self._lock:
            return self.proc.poll()

    def reap(self, timeout: float = 5.0) -> int | None:
        """Wait for the process to end (killing it past ``timeout``); its return code."""
        end = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > end:
                self.kill()
                end = time.monotonic() + timeout
            time.sleep(0.005)
        return code

    def dispose(self) -> None:
        """Kill, reap, close the pipes and the fault file (the caller holds the call lock, or
        it is the finalizer); once only."""
        self.kill()
        self.reap()
        if self._disposed:
            return
        self._disposed = True
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        os.close(self.fault_fd)
        self.unlink_fault()

    def unlink_fault(self) -> None:
        """Remove the fault file's name (both processes keep it open): nothing is left on disk
        even if bpstep's process is killed."""
        try:
            os.unlink(self.fault)
        except OSError:
            pass

    def fault_text(self) -> str:
        try:
            return os.pread(self.fault_fd, 1 << 16, 0).decode("utf-8", "replace")
        except OSError:
            return ""

    def send(self, data: bytes, deadline: float | None) -> None:
        for view in (memoryview(HEADER.pack(len(data))), memoryview(data)):
            while view:
                self._wait(self.requests, select.POLLOUT, deadline)
                try:
                    view = view[os.write(self.requests, view) :]
                except BlockingIOError:
                    continue
                except OSError as exc:  # EPIPE: it has died
                    raise _Dead from exc

    def receive(self, deadline: float | None) -> bytearray:
        (size,) = HEADER.unpack(self._read(HEADER.size, deadline))
        if size > MAX_REPLY:
            raise pickle.UnpicklingError(f"a reply of {size} bytes")
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float | None) -> bytearray:
        buf = bytearray(size)
        view, got = memoryview(buf), 0
        while got < size:
            self._wait(self.replies, select.POLLIN, deadline)
            try:
                n = os.readv(self.replies, [view[got:]])
            except BlockingIOError:
                continue
            if not n:
                raise _Dead
            got += n
        return buf

    def _wait(self, fd: int, event: int, deadline: float | None) -> None:
        """Until ``fd`` is ready; _Timeout past ``deadline``; _Dead when the process has ended
        (looked at every SLICE s, in case something it started holds the pipe open)."""
        poller = select.poll()
        poller.register(fd, event)
        while True:
            wait = SLICE if deadline is None else min(SLICE, deadline - time.monotonic())
            if wait <= 0:
                raise _Timeout
            if poller.poll(wait * 1000):
                return
            if self.poll() is not None:
                raise _Dead


class _Spawner:
    """One long-lived daemon thread that starts children for non-main threads: the kernel's
    PR_SET_PDEATHSIG fires when the thread that forked the child ends, not the process."""

    _lock = threading.Lock()
    _queue: queue.Queue | None = None

    @classmethod
    def popen(cls, *args, **kwargs) -> subprocess.Popen:
        if threading.current_thread() is threading.main_thread():
            return subprocess.Popen(*args, **kwargs)
        with cls._lock:
            if cls._queue is None:
                cls._queue = queue.Queue()
                threading.Thread(target=cls._serve, name="bpstep-spawner", daemon=True).start()
        done: queue.Queue = queue.Queue(1)
        cls._queue.put((args, kwargs, done))
        ok, value = done.get()
        if ok:
            return value
        raise value

    @classmethod
    def _serve(cls) -> None:
        jobs = cls._queue
        assert jobs is not None  # set before this thread starts
        while True:
            args, kwargs, done = jobs.get()
            try:
                done.put((True, subprocess.Popen(*args, **kwargs)))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                done.put((False, exc))


def _dispose(holder: list) -> None:
    """The finalizer: end the child in ``holder`` (no reference to the Sandbox)."""
    child = holder[0]
    holder[0] = None
    if child is not None:
        child.dispose()


# ---------------------------------------------------------------------------- the sandbox


class Sandbox:
    """The learner's file in a child process; see the module docstring for the contract."""

    def __init__(
        self,
        path,
        *,
        time_limit: float | None = 10.0,
        loader: str = DEFAULT_LOADER,
        memory_limit: int | None = MEMORY_LIMIT,
        stderr=None,
    ) -> None:
        """``path``: the learner's file. ``time_limit``: seconds per call and for the import
        (None: no limit). ``loader``: "module:function" called in the child as loader(path) ->
        (module, report_dict). ``memory_limit``: bytes of address space for the child (by
        default ``MEMORY_LIMIT`` = min(4 GiB, half the RAM); None: no limit). ``stderr``: where
        the child's stderr (and so the learner's prints) go, as for subprocess.Popen (default:
        ours; the TUI should give a file or DEVNULL, the terminal being its screen)."""
        if time_limit is not None and not time_limit > 0:
            raise ValueError(
                f"time_limit must be a positive number of seconds or None, not {time_limit!r}"
            )
        if not isinstance(loader, str) or loader.count(":") != 1:
            raise ValueError(f"loader must be 'module:function', not {loader!r}")
        if memory_limit is not None and not memory_limit > 0:
            raise ValueError(
                f"memory_limit must be a number of bytes or None, not {memory_limit!r}"
            )
        if stderr is subprocess.PIPE:
            raise ValueError("stderr=PIPE would fill up unread; give a file, a fd or DEVNULL")
        self.path = Path(path)
        self.time_limit = time_limit
        self.loader = loader
        self.memory_limit = None if memory_limit is None else int(memory_limit)
        self.stderr = stderr
        self.report: dict | None = None  # the loader's report from the last import
        self.startup: float | None = None  # s the last child spent setting up and importing NumPy
        self._lock = threading.Lock()  # one call (or start) at a time
        self._state = threading.Lock()  # _holder, _interrupts, _closed
        self._holder: list[_Child | None] = [None]
        self._interrupts = 0
        self._closed = False
        self._finalizer = weakref.finalize(self, _dispose, self._holder)

    # ------------------------------------------------------------------ public

    @property
    def pid(self) -> int | None:
        """The child's process id, while one is running."""
        child = self._holder[0]
        return None if child is None or child.poll() is not None else child.pid

    def start(self) -> dict:
        """Start a child that imports the learner's file (again, if one was running: a reload);
        return the loader's report. UserCodeError ("file:line: …") if the file cannot be
        imported: a syntax error, an exception, an endless loop or an exit at import."""
        with self._lock:
            token = self._token()
            self._drop()
            return self._launch(token)

    def call(self, target: str, /, *args, **kwargs):
        """``function(learner_module, *args, **kwargs)`` in the child, for ``target``
        "pkg.module:function", under the time limit; its (plain) result. LearnerFailure if the
        learner's code did not return normally. Starts the child first if it is not running (a
        UserCodeError then, if the file no longer imports)."""
        if not isinstance(target, str) or target.count(":") != 1:
            raise ValueError(f"target must be 'module:function', not {target!r}")
        request = pickle.dumps(("call", target, args, kwargs, self.time_limit), protocol=5)
        with self._lock:
            token = self._token()
            child = self._holder[0]
            if child is None or child.poll() is not None:
                self._drop()
                self._launch(token)
                child = self._holder[0]
                assert child is not None  # _launch raises when no child starts
            reply = self._exchange(child, request, self.time_limit, token)
        return self._outcome(reply)

    def interrupt(self) -> None:
        """Kill the child now (from any thread); a pending call raises LearnerFailure of kind
        "interrupted". The next call starts a fresh child."""
        with self._state:
            self._interrupts += 1
            child = self._holder[0]
        if child is not None:
            child.kill()
            child.reap()

    def close(self) -> None:
        """Kill the child and clean up; idempotent. A pending call raises "interrupted"."""
        with self._state:
            self._closed = True
        self.interrupt()
        if self._lock.acquire(timeout=10):
            try:
                self._finalizer()
            finally:
                self._lock.release()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _token(self) -> int:
        with self._state:
            if self._closed:
                raise SandboxError(f"the sandbox for {self.path} is closed")
            return self._interrupts

    def _drop(self) -> None:
        """Dispose of the current child, if any (the caller holds the call lock)."""
        with self._state:
            child, self._holder[0] = self._holder[0], None
        if child is not None:
            child.dispose()

    def _spawn(self) -> _Child:
        fault_fd, fault = tempfile.mkstemp(prefix="bpstep-sandbox-", suffix=".txt")
        config = {
            "sys_path": [os.fspath(p) for p in sys.path if isinstance(p, str | os.PathLike)],
            "parent": os.getpid(),
            "pdeathsig": _PDEATHSIG,
            "path": str(self.path),
            "loader": self.loader,
            "time_limit": self.time_limit,
            "memory_limit": self.memory_limit,
            "fault": fault,
        }
        env = dict(os.environ)
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        try:
            proc = _Spawner.popen(
                [sys.executable, "-P", "-u", "-c", _CHILD, json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=env,
                process_group=0,
            )
        except OSError as exc:
            os.close(fault_fd)
            os.unlink(fault)
            raise SandboxError(f"cannot start a process for {self.path}: {exc}") from None
        return _Child(proc, fault_fd, fault)

    def _launch(self, token: int) -> dict:
        """A new child (the caller holds the call lock), with the learner's file imported."""
        child = self._spawn()
        with self._state:
            self._holder[0] = child
            interrupted = self._interrupts != token
        if interrupted:  # interrupt() came between the token and the spawn
            child.kill()
        try:
            ready = loads(child.receive(time.monotonic() + STARTUP))
        except (_Dead, _Timeout) as exc:
            failure = self._stopped(child, token, timed_out=isinstance(exc, _Timeout))
            if failure.kind == "interrupted":
                raise failure from None
            raise SandboxError(f"the process for {self.path} did not start: {failure}") from None
        except (pickle.UnpicklingError, TypeError, ValueError, EOFError, AttributeError):
            refused = self._refused(child)
            raise SandboxError(f"the process for {self.path} did not start: {refused}") from None
        child.unlink_fault()  # the child has it open now
        self.startup = ready[2] if isinstance(ready, tuple) and len(ready) == 3 else None
        try:
            reply = self._exchange(child, None, self.time_limit, token)
            self._outcome(reply)
        except LearnerFailure as exc:
            self._drop()
            if exc.kind == "interrupted":
                raise
            raise UserCodeError(
                f"{exc.where or self.path}: {exc.message} (while importing {self.path.name})"
            ) from None
        except BaseException:
            self._drop()
            raise
        self.report = reply[1]
        return reply[1]

    def _exchange(self, child: _Child, request: bytes | None, limit, token: int) -> tuple:
        """Send ``request`` (None: just wait for the next reply) and return the reply; on a
        time limit, a death or a reply that is not plain data, dispose of the child and raise
        the LearnerFailure."""
        deadline = None if limit is None else time.monotonic() + limit + GRACE
        try:
            if request is not None:
                child.send(request, deadline)
            data = child.receive(deadline)
        except _Timeout:
            raise self._stopped(child, token, timed_out=True) from None
        except _Dead:
            raise self._stopped(child, token, timed_out=False) from None
        except pickle.UnpicklingError:
            raise self._refused(child) from None
        except BaseException:  # e.g. Ctrl-C in bpstep: its reply would be read as the next one's
            self._drop_child(child)
            raise
        try:
            reply = loads(data)
        except (pickle.UnpicklingError, TypeError, ValueError, EOFError, AttributeError):
            raise self._refused(child) from None
        if not (isinstance(reply, tuple) and reply and reply[0] in ("ok", "fail", "internal")):
            raise self._refused(child)
        return reply

    def _outcome(self, reply: tuple):
        """The value of an "ok" reply; raise the failure of the others."""
        if reply[0] == "ok" and len(reply) == 2:
            return reply[1]
        if reply[0] == "internal" and len(reply) == 2:
            raise SandboxError(str(reply[1]))
        if len(reply) != 6 or reply[1] not in KINDS:
            raise LearnerFailure("crashed", f"an unreadable reply from the process ({reply!r:.80})")
        _, kind, line, message, exception_type, bpstep_error = reply
        where = f"{self.path}:{line}" if type(line) is int else None
        if bpstep_error and where is None:  # the loader's own one-line error (a missing file)
            raise UserCodeError(str(message).removeprefix(f"{exception_type}: "))
        raise LearnerFailure(kind, str(message), where, exception_type)

    def _refused(self, child: _Child) -> LearnerFailure:
        self._drop_child(child)
        return LearnerFailure(
            "crashed",
            f"a reply from the process running your code was not plain data ({PLAIN}); "
            "it was refused and the process stopped",
        )

    def _drop_child(self, child: _Child) -> None:
        with self._state:
            if self._holder[0] is child:
                self._holder[0] = None
        child.dispose()

    def _stopped(self, child: _Child, token: int, timed_out: bool) -> LearnerFailure:
        """Kill and reap the child, and say why it stopped: interrupted, time limit (with the
        line from faulthandler's dump), exited (os._exit) or crashed (a signal)."""
        if timed_out:
            child.kill()
        code = child.reap()
        text = child.fault_text()
        self._drop_child(child)
        with self._state:
            interrupted = self._interrupts != token
        line = self._dump_line(text)
        where = f"{self.path}:{line}" if line else None
        if interrupted:
            return LearnerFailure("interrupted", "stopped: bpstep interrupted your code", where)
        limit = self.time_limit
        if timed_out or text.startswith("Timeout ("):
            message = f"still running after {limit:g} s (an endless loop?)"
            return LearnerFailure("time_limit", message, where)
        return _ended(code, text, where)

    def _dump_line(self, text: str) -> int | None:
        """The learner's innermost line in a faulthandler dump or an os._exit record."""
        exited = re.search(r"^bpstep: os\._exit\(.*\) at line (\d+)$", text, re.M)
        if exited:
            return int(exited.group(1))
        mine = os.path.realpath(self.path)
        for filename, line in re.findall(r'^\s+File "(.+)", line (\d+) in ', text, re.M):
            if os.path.realpath(filename) == mine:
                return int(line)  # most recent call first
        return None


def _ended(code: int | None, text: str, where: str | None) -> LearnerFailure:
    """The failure of a child that ended by itself with return code ``code``."""
    if code is not None and code < 0:
        sig = -code
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        what = signal.strsignal(sig) or name
        if sig == signal.SIGKILL:
            message = f"the process running your code was killed ({name}; out of memory?)"
        else:
            message = f"your code crashed the process: {what} ({name})"
        return LearnerFailure("crashed", message, where)
    exited = re.search(r"^bpstep: os\._exit\((.*)\) at line", text, re.M)
    if exited:
        message = (
            f"your code ended the process with os._exit({exited.group(1)}) (exit status {code})"
        )
    else:
        message = (
            f"the process running your code ended with exit status {code} before it returned "
            "(os._exit, or exit() from C?)"
        )
    return LearnerFailure("exited", message, where)
