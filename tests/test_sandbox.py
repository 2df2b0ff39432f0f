"""The sandbox (bpstep.checker.sandbox): each sentence of its module docstring, with the learner's
files written in a temporary folder and bpstep's side of every call in tests/sandbox_targets.py.

Time limits are small (0.5 s) so that a hazard costs about 1.5 s; the only timed assertions are
generous bounds that prove a call did not hang, and the 1 s the contract gives interrupt().
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bpstep.checker.sandbox import (
    GRACE,
    LearnerFailure,
    Sandbox,
    SandboxError,
    default_memory_limit,
    loads,
)
from bpstep.engine.errors import UserCodeError

LIMIT = 0.5
HUNG = 10.0  # s: a call that took longer than this hung
CALL = "sandbox_targets:call"
TESTS = Path(__file__).resolve().parent


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def line_of(path: Path, marker: str) -> int:
    """The line number of the first line holding ``marker``."""
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if marker in text:
            return number
    raise AssertionError(f"{marker} not in {path}")


@pytest.fixture
def make(request):
    """make(path, **kw) → a started Sandbox, closed at the end of the test."""
    boxes: list[Sandbox] = []

    def _make(path, start=True, **kw) -> Sandbox:
        kw.setdefault("time_limit", LIMIT)
        box = Sandbox(path, **kw)
        boxes.append(box)
        if start:
            box.start()
        return box

    yield _make
    for box in boxes:
        box.close()


def failure_of(box: Sandbox, *args, target: str = CALL) -> tuple[LearnerFailure, float]:
    start = time.monotonic()
    with pytest.raises(LearnerFailure) as info:
        box.call(target, *args)
    failure = info.value
    assert "\n" not in str(failure) and str(failure) == (
        f"{failure.where}: {failure.message}" if failure.where else failure.message
    )
    return failure, time.monotonic() - start


def gone(pid: int) -> bool:
    """True when no process ``pid`` exists, or it is a zombie not ours to reap."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid: int, seconds: float = HUNG) -> bool:
    end = time.monotonic() + seconds
    while not gone(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


GOOD = """\
import numpy as np

def double(x):
    return 2 * x

def slow(seconds):
    import time
    time.sleep(seconds)
    return "done"
"""


# ------------------------------------------------------------------ where the code runs


def test_the_learners_code_runs_in_a_plain_subprocess_not_here(tmp_path, make):
    path = write(tmp_path, GOOD + "\nimport os\nIMPORTED_IN = os.getpid()\n")
    before = {name for name in sys.modules if "bpstep_learner" in name}  # other tests' loads
    box = make(path)
    assert box.report == {"path": str(path), "functions": ["double", "slow"]}
    child = box.call(CALL, "__getattribute__", "IMPORTED_IN")
    assert child == box.pid == box.call("sandbox_targets:pid") != os.getpid()
    assert {name for name in sys.modules if "bpstep_learner" in name} == before
    argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
    assert argv[:3] == [sys.executable.encode(), b"-P", b"-u"]  # started afresh, not forked
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(box.call(CALL, "double", x), 2 * x)


def test_the_sandbox_sits_in_the_checker_layer_and_the_child_stays_lean(tmp_path, make):
    code = (
        "import sys, bpstep.checker.sandbox; print(sorted(m for m in sys.modules if "
        "m.split('.')[0] in ('textual', 'rich') or m.startswith(('bpstep.session', "
        "'bpstep.tui', 'bpstep.commands', 'bpstep.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    box = make(write(tmp_path, GOOD))
    assert box.call("sandbox_targets:modules") == [
        "bpstep",
        "bpstep.checker",
        "bpstep.checker.sandbox_child",
    ]


def test_a_784_by_100_array_goes_there_and_back(tmp_path, make):
    box = make(write(tmp_path, GOOD))
    x = np.random.default_rng(0).normal(size=(784, 100))
    np.testing.assert_array_equal(box.call(CALL, "double", x), 2 * x)
    assert box.startup is not None and 0 < box.startup < HUNG


def test_prints_go_to_stderr_never_to_stdout(tmp_path, make, capfd):
    path = write(
        tmp_path,
        """\
        import sys
        print("PRINTED-AT-IMPORT")
        def shout():
            print("PRINTED-IN-A-CALL")
            sys.stdout.write("WRITTEN-TO-STDOUT\\n")
            return 1
        def ask():
            return input()
        """,
    )
    box = make(path)
    assert box.call(CALL, "shout") == 1
    failure, _ = failure_of(box, "ask")  # stdin is /dev/null: EOF, not our pipe
    assert failure.exception_type == "EOFError"
    out, err = capfd.readouterr()
    assert "PRINTED" not in out and "WRITTEN" not in out
    for text in ("PRINTED-AT-IMPORT", "PRINTED-IN-A-CALL", "WRITTEN-TO-STDOUT"):
        assert text in err


def test_blas_runs_one_thread_in_the_child(tmp_path, make, monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # a user's own setting is kept
    box = make(write(tmp_path, GOOD))
    assert box.call("sandbox_targets:environ", "OPENBLAS_NUM_THREADS") == "1"
    assert box.call("sandbox_targets:environ", "OMP_NUM_THREADS") == "2"


def test_ctrl_c_is_ours_the_child_ignores_sigint_in_its_own_process_group(tmp_path, make):
    box = make(write(tmp_path, GOOD), time_limit=5)
    assert box.call("sandbox_targets:sigint_handler_ignored") is True
    assert os.getpgid(box.pid) == box.pid != os.getpgid(0)
    pid = box.pid
    threading.Timer(0.2, os.kill, (pid, signal.SIGINT)).start()
    assert box.call(CALL, "slow", 0.6) == "done"
    assert box.pid == pid


# ------------------------------------------------------------------ the time limit

HAZARDS = {
    "one-line while True": """\
        def hazard():
            while True: pass  # HERE
        """,
    "one-line while 1 continue": """\
        def hazard():
            while 1: continue  # HERE
        """,
    "bare except retry loop": """\
        def attempt():
            return 1 / 0
        def hazard():
            while True:
                try:
                    return attempt()
                except:  # HERE
                    continue
        """,
    "C loop": """\
        import itertools
        def hazard():
            return sum(itertools.count())  # HERE
        """,
    "sleep": """\
        import time
        def hazard():
            time.sleep(1e9)  # HERE
        """,
}


@pytest.mark.parametrize("name", HAZARDS)
def test_endless_code_is_stopped_at_the_time_limit_with_its_line(tmp_path, make, name):
    path = write(tmp_path, textwrap.dedent(HAZARDS[name]) + GOOD)
    box = make(path)
    failure, took = failure_of(box, "hazard")
    assert failure.kind == "time_limit"
    assert failure.message == "still running after 0.5 s (an endless loop?)"
    here = line_of(path, "# HERE")
    # the retry loop may be stopped in the function it retries (line 2) or in the loop
    allowed = set(range(2, here + 2)) if name.startswith("bare") else {here}
    assert failure.where in {f"{path}:{n}" for n in allowed}, failure.where
    assert took < LIMIT + GRACE + HUNG
    assert box.call(CALL, "double", 2) == 4  # the next call works (in a fresh child if need be)


def test_an_array_interface_that_never_returns_is_stopped(tmp_path, make):
    path = write(
        tmp_path,
        """\
        class Never:
            def __array__(self, dtype=None, copy=None):
                while True: pass  # HERE
        def result():
            return Never()
        """,
    )
    failure, took = failure_of(make(path), "result", target="sandbox_targets:as_array")
    assert (failure.kind, failure.where) == ("time_limit", f"{path}:{line_of(path, '# HERE')}")
    assert took < HUNG


def test_faulthandler_ends_a_c_level_hang_even_if_the_parent_never_kills(
    tmp_path, make, monkeypatch
):
    import bpstep.checker.sandbox as sandbox

    monkeypatch.setattr(sandbox, "GRACE", 60.0)  # the parent's kill would come after a minute
    path = write(tmp_path, textwrap.dedent(HAZARDS["sleep"]))
    failure, took = failure_of(make(path), "hazard")
    assert (failure.kind, failure.where) == ("time_limit", f"{path}:{line_of(path, '# HERE')}")
    assert took < HUNG


def test_the_parent_kills_what_disarms_the_tracer_and_faulthandler(tmp_path, make):
    path = write(
        tmp_path,
        """\
        import faulthandler, sys
        def hazard():
            sys.settrace(None)
            faulthandler.cancel_dump_traceback_later()
            while True:
                pass
        """,
    )
    box = make(path)
    failure, took = failure_of(box, "hazard")
    assert failure.kind == "time_limit" and failure.where is None and took < HUNG
    assert box.call("sandbox_targets:pid") == box.pid  # a fresh child


def test_a_python_loop_is_stopped_by_the_tracer_and_the_child_survives(tmp_path, make):
    path = write(tmp_path, "def spin():\n    n = 0\n    while True:\n        n += 1  # HERE\n")
    box = make(path)
    pid = box.pid
    failure, _ = failure_of(box, "spin")
    assert failure.kind == "time_limit" and failure.where in (f"{path}:3", f"{path}:4")
    assert box.pid == pid  # no kill was needed


# ------------------------------------------------------------------ exceptions and exits

RAISERS = """\
    import sys

    class Mine(BaseException):
        pass

    def interrupt():
        raise KeyboardInterrupt  # KeyboardInterrupt

    def generator_exit():
        raise GeneratorExit("closing")  # GeneratorExit

    def custom():
        raise Mine("my own")  # Mine

    def exits():
        sys.exit(0)  # SystemExit

    def divides():
        return 1 / 0  # ZeroDivisionError

    def fine():
        return 1
"""


@pytest.mark.parametrize(
    "function, exception_type, kind, message",
    [
        ("interrupt", "KeyboardInterrupt", "raised", "KeyboardInterrupt"),
        ("generator_exit", "GeneratorExit", "raised", "GeneratorExit: closing"),
        ("custom", "Mine", "raised", "Mine: my own"),
        ("divides", "ZeroDivisionError", "raised", "ZeroDivisionError: division by zero"),
        ("exits", "SystemExit", "exited", "your code called sys.exit(0)"),
    ],
)
def test_every_base_exception_is_a_failure_at_its_line_and_the_child_survives(
    tmp_path, make, function, exception_type, kind, message
):
    path = write(tmp_path, RAISERS)
    box = make(path)
    pid = box.pid
    failure, _ = failure_of(box, function)
    assert (failure.kind, failure.exception_type) == (kind, exception_type)
    assert failure.where == f"{path}:{line_of(path, '# ' + exception_type)}"
    assert failure.message.startswith(message)
    assert box.pid == pid and box.call(CALL, "fine") == 1


@pytest.mark.parametrize("status", [0, 3])
def test_os_exit_is_never_a_success(tmp_path, make, status):
    path = write(
        tmp_path, f"import os\ndef leave():\n    os._exit({status})\ndef fine():\n    return 1\n"
    )
    box = make(path)
    pid = box.pid
    failure, _ = failure_of(box, "leave")
    assert failure.kind == "exited" and failure.where == f"{path}:3"
    assert failure.message == (
        f"your code ended the process with os._exit({status}) (exit status {status})"
    )
    assert box.call(CALL, "fine") == 1 and box.pid != pid  # a fresh child


def test_a_segfault_is_a_crash_at_its_line_and_the_next_call_reimports(tmp_path, make):
    log = tmp_path / "imports.log"
    path = write(
        tmp_path,
        f"""\
        import ctypes
        with open({str(log)!r}, "a") as f:
            f.write("imported\\n")
        def crash():
            return ctypes.string_at(0)  # HERE
        def fine():
            return 1
        """,
    )
    box = make(path)
    failure, took = failure_of(box, "crash")
    assert failure.kind == "crashed" and failure.where == f"{path}:{line_of(path, '# HERE')}"
    assert "SIGSEGV" in failure.message and took < HUNG
    assert box.call(CALL, "fine") == 1
    assert log.read_text().count("imported") == 2


def test_memory_past_the_limit_is_a_memory_failure(tmp_path, make):
    limit = 1 << 30
    path = write(
        tmp_path,
        """\
        import numpy as np
        def hog():
            return np.ones(2**28).sum()  # HERE (2 GiB)
        def fine():
            return 1
        """,
    )
    box = make(path, memory_limit=limit)
    assert box.call("sandbox_targets:address_space_limit") == [limit, limit]
    failure, _ = failure_of(box, "hog")
    assert (failure.kind, failure.exception_type) == ("memory", "MemoryError")
    assert failure.where == f"{path}:3" and "Unable to allocate" in failure.message
    assert box.call(CALL, "fine") == 1


def test_the_default_memory_limit_protects_the_machine(tmp_path, make):
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert default_memory_limit() == min(4 << 30, ram // 2)
    box = make(write(tmp_path, GOOD))
    assert box.call("sandbox_targets:address_space_limit") == [default_memory_limit()] * 2
    import resource

    unlimited = make(write(tmp_path, GOOD, "other.py"), memory_limit=None)
    assert unlimited.call("sandbox_targets:address_space_limit") == list(
        resource.getrlimit(resource.RLIMIT_AS)
    )  # as ours


# ------------------------------------------------------------------ results and arguments


def test_arguments_and_results_cross_by_value(tmp_path, make):
    path = write(
        tmp_path,
        """\
        def mutate_and_view(x):
            x[:] = -1.0
            return x[:, :2]
        def mutate_list(items):
            items.append("theirs")
            return items
        """,
    )
    box = make(path)
    ours = np.arange(12.0).reshape(3, 4)
    before = ours.copy()
    view = box.call(CALL, "mutate_and_view", ours)
    np.testing.assert_array_equal(ours, before)  # they changed their copy, not ours
    np.testing.assert_array_equal(view, -np.ones((3, 2)))
    assert type(view) is np.ndarray and view.flags.writeable and view.flags.owndata
    assert not np.shares_memory(view, ours)
    items = ["ours"]
    assert box.call(CALL, "mutate_list", items) == ["ours", "theirs"] and items == ["ours"]


def test_plain_results_keep_their_types(tmp_path, make):
    path = write(
        tmp_path,
        """\
        import numpy as np
        class Sub(np.ndarray):
            pass
        def everything():
            return {"f": 1.5, "i": 2, "c": 1j, "s": "x", "b": True, "n": None,
                    "t": (1, [2, 3]), "np": np.float64(0.25), "ints": np.arange(3),
                    "sub": np.zeros(2).view(Sub)}
        """,
    )
    got = make(path).call(CALL, "everything")
    assert got["t"] == (1, [2, 3]) and got["c"] == 1j and got["np"] == 0.25
    assert type(got["np"]) is float and type(got["sub"]) is np.ndarray
    assert got["ints"].dtype.kind == "i"


MARKER_CODE = """\
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch {marker}",))

    def evil():
        return Evil()

    def evil_inside():
        return [1, {{"x": Evil()}}]

    def objects():
        import numpy as np
        return np.array([Evil()], dtype=object)

    def fine():
        return 1
"""


@pytest.mark.parametrize(
    "function, what", [("evil", "Evil"), ("evil_inside", "Evil"), ("objects", "array of object")]
)
def test_a_result_that_is_not_plain_data_is_refused_and_runs_no_code(
    tmp_path, make, function, what
):
    marker = tmp_path / "pwned"
    box = make(write(tmp_path, MARKER_CODE.format(marker=marker)))
    failure, _ = failure_of(box, function)
    assert (failure.kind, failure.exception_type) == ("raised", "TypeError")
    assert what in failure.message
    assert not marker.exists()
    assert box.call(CALL, "fine") == 1


def test_the_restricted_unpickler_refuses_any_other_class(tmp_path):
    """What the parent does with a reply: a forged pickle naming os.system runs nothing."""

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    with pytest.raises(pickle.UnpicklingError, match="refused .*system"):
        loads(pickle.dumps(("ok", Evil()), protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        loads(pickle.dumps(("ok", np.float64(1.0)), protocol=4))  # numpy scalars: not needed
    assert not (tmp_path / "pwned").exists()
    with pytest.raises(TypeError, match="array of object"):
        loads(pickle.dumps(("ok", np.array([1, "a"], dtype=object)), protocol=4))
    value = loads(pickle.dumps(("ok", [np.eye(2), 1j, {"k": (1, None)}]), protocol=4))
    np.testing.assert_array_equal(value[1][0], np.eye(2))


# ------------------------------------------------------------------ importing the file


@pytest.mark.parametrize(
    "source, expected",
    [
        ("x = 1\ndef f(:\n    pass\n", r"mine.py:2: SyntaxError: .*\(while importing mine.py\)"),
        ("x = 1\ny = 1 / 0\n", r"mine.py:2: ZeroDivisionError: division by zero \(while"),
        ("x = 1\nwhile True: pass\n", r"mine.py:2: still running after 0.5 s \(an endless"),
        ("import sys\nsys.exit(0)\n", r"mine.py:2: your code called sys.exit\(0\)"),
        ("import os\nos._exit(0)\n", r"mine.py:2: your code ended the process with os._exit\(0"),
        ("class B(BaseException): pass\nraise B('x')\n", r"mine.py:2: B: x \(while importing"),
    ],
)
def test_a_file_that_does_not_import_is_a_one_line_usage_error(tmp_path, make, source, expected):
    box = make(write(tmp_path, source), start=False)
    start = time.monotonic()
    with pytest.raises(UserCodeError, match=expected) as info:
        box.start()
    assert "\n" not in str(info.value) and time.monotonic() - start < HUNG
    assert box.pid is None


def test_a_missing_file_is_a_usage_error(tmp_path, make):
    with pytest.raises(UserCodeError, match=r"cannot read .*nothere.py: no such file"):
        make(tmp_path / "nothere.py")


def test_another_loader_gives_its_report_and_its_own_usage_errors(tmp_path, make):
    loader = "sandbox_targets:tolerant_loader"
    box = make(write(tmp_path, GOOD), loader=loader)
    assert box.report == {"custom": True, "functions": ["double", "slow"]}
    assert box.call(CALL, "double", 2) == 4
    refused = write(tmp_path, GOOD, "refused.py")
    with pytest.raises(UserCodeError, match=r"^\S*refused.py defines none of f, g: nothing to"):
        make(refused, loader=loader)
    with pytest.raises(SandboxError, match="cannot find the loader sandbox_targets:nope"):
        make(refused, loader="sandbox_targets:nope")


def test_start_again_reimports_an_edited_file(tmp_path, make):
    path = write(tmp_path, "def f():\n    return 1\n")
    box = make(path)
    path.write_text("def f():\n    return 2\ndef g():\n    return 3\n")
    assert box.start()["functions"] == ["f", "g"] and box.call(CALL, "f") == 2


def test_a_missing_target_is_bpsteps_fault_not_the_learners(tmp_path, make):
    box = make(write(tmp_path, GOOD))
    with pytest.raises(SandboxError, match="sandbox_targets:nope"):
        box.call("sandbox_targets:nope")
    with pytest.raises(ValueError, match="module:function"):
        box.call("no colon")
    assert box.call(CALL, "double", 1) == 2


# ------------------------------------------------------------------ threads, interrupt, close


def test_one_call_at_a_time_from_many_threads(tmp_path, make):
    box = make(write(tmp_path, GOOD))
    results: dict[int, object] = {}

    def work(k: int) -> None:
        for i in range(5):
            results[10 * k + i] = box.call(CALL, "double", np.full(1000, 10 * k + i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HUNG)
    assert len(results) == 20
    for key, value in results.items():
        np.testing.assert_array_equal(value, np.full(1000, 2 * key))


def test_a_call_abandoned_by_an_exception_here_does_not_leave_its_reply_for_the_next(
    tmp_path, make, monkeypatch
):
    """Ctrl-C in bpstep while it waits: the child is dropped, not left to answer late."""
    import bpstep.checker.sandbox as sandbox

    box = make(write(tmp_path, GOOD))
    pid = box.pid
    receive = sandbox._Child.receive
    calls = []

    def interrupted_once(self, deadline):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return receive(self, deadline)

    monkeypatch.setattr(sandbox._Child, "receive", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        box.call(CALL, "double", 1)
    assert gone(pid)
    assert box.call(CALL, "double", 21) == 42


def test_a_learner_failure_pickles_and_copies_whole():
    import copy

    failure = LearnerFailure("raised", "ValueError: x", "mine.py:3", "ValueError")
    for twin in (copy.copy(failure), pickle.loads(pickle.dumps(failure))):
        assert (twin.kind, twin.message, twin.where, twin.exception_type, str(twin)) == (
            "raised",
            "ValueError: x",
            "mine.py:3",
            "ValueError",
            "mine.py:3: ValueError: x",
        )


def test_interrupt_from_another_thread_ends_a_pending_call_within_a_second(tmp_path, make):
    box = make(write(tmp_path, GOOD), time_limit=None)
    pid = box.pid
    stopped: list[float] = []
    threading.Timer(0.3, lambda: (stopped.append(time.monotonic()), box.interrupt())).start()
    failure, _ = failure_of(box, "slow", 1e6)
    assert time.monotonic() - stopped[0] < 1.0
    assert failure.kind == "interrupted"
    assert wait_gone(pid, 0) and box.call(CALL, "double", 1) == 2 and box.pid != pid


def test_interrupt_ends_an_import_that_never_finishes(tmp_path, make):
    box = make(write(tmp_path, "while True:\n    pass\n"), start=False, time_limit=None)
    threading.Timer(0.5, box.interrupt).start()
    start = time.monotonic()
    with pytest.raises(LearnerFailure) as info:
        box.start()
    assert info.value.kind == "interrupted" and time.monotonic() - start < HUNG
    assert box.pid is None


def test_close_leaves_no_child_and_ends_a_pending_call(tmp_path):
    box = Sandbox(write(tmp_path, GOOD), time_limit=None)
    box.start()
    pid = box.pid
    threading.Timer(0.3, box.close).start()
    with pytest.raises(LearnerFailure) as info:
        box.call(CALL, "slow", 1e6)
    assert info.value.kind == "interrupted"
    box.close()  # idempotent
    assert gone(pid) and box.pid is None
    with pytest.raises(SandboxError, match="closed"):
        box.call(CALL, "double", 1)


def test_the_context_manager_closes_and_no_temporary_file_is_left(tmp_path, monkeypatch):
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with Sandbox(write(tmp_path, GOOD), time_limit=LIMIT) as box:
        box.start()
        pid = box.pid
        failure_of(box, "slow", 60)  # killed at the time limit: a fresh child later
        box.call(CALL, "double", 1)
        second = box.pid
    assert gone(pid) and gone(second)
    assert list(temp.iterdir()) == []


def test_a_child_started_from_a_thread_that_ends_lives_on(tmp_path, make):
    """PR_SET_PDEATHSIG fires when the starting thread ends: the spawner thread starts it."""
    box = make(write(tmp_path, GOOD), start=False)
    worker = threading.Thread(target=box.start)
    worker.start()
    worker.join(HUNG)
    pid = box.pid
    time.sleep(0.3)
    assert box.call("sandbox_targets:pid") == pid == box.pid


def test_an_idle_child_ends_when_its_request_pipe_closes(tmp_path, make):
    box = make(write(tmp_path, GOOD))
    child = box._holder[0]
    child.proc.stdin.close()  # what the kernel does when bpstep's process dies
    assert child.reap() == 0  # it left by itself, before reap() would kill it (after 5 s)


PARENT = """\
import sys, time
sys.path.insert(0, {tests!r})
import bpstep.checker.sandbox as sandbox
sandbox._PDEATHSIG = {pdeathsig}
box = sandbox.Sandbox({path!r}, time_limit=None)
box.start()
print(box.pid, flush=True)
box.call("sandbox_targets:call", "slow", 1e6)
"""


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl", "fallback"])
def test_the_child_dies_when_bpsteps_process_dies_and_leaves_no_file(tmp_path, pdeathsig):
    script = PARENT.format(tests=str(TESTS), pdeathsig=pdeathsig, path=str(write(tmp_path, GOOD)))
    temp = tmp_path / "temp"
    temp.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    try:
        child = int(parent.stdout.readline())
        time.sleep(0.3)  # the call is pending
        assert not gone(child)
    finally:
        parent.kill()
        parent.wait()
    assert wait_gone(child)
    assert list(temp.iterdir()) == []
