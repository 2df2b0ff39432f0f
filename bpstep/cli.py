"""The ``bpstep`` command: the TUI with no command, or a headless command.

``bpstep [options]`` opens the step-through debugger; ``bpstep train|trace|export|check`` run
without a screen. Every bad option or input file ends with one line on stderr,
``bpstep: error: …``, and exit status 2; never a traceback (set ``BPSTEP_DEBUG=1`` to see one for an
internal error).
"""

from __future__ import annotations

# Ctrl-C before main() runs (while this module is imported) ends the program quietly, as the
# first thing here; everything slow (NumPy, the session, Textual) is imported inside main(),
# whose try turns Ctrl-C into one line. A Ctrl-C while Python itself starts (its site and .pth
# files, before any of bpstep runs) is beyond any program's reach.
import _signal  # type: ignore[import-not-found]  # the C module: no enum to import first
import os
import sys


def _quiet_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C before main(): one line and exit 130, no traceback."""
    try:
        os.write(2, b"bpstep: interrupted\n")
    finally:
        os._exit(130)


# only in the program itself (its console script, or python -m bpstep), not in an importer
if os.path.basename(sys.argv[0]) == "bpstep" or sys.argv[0].endswith(
    os.path.join("bpstep", "__main__.py")
):
    _signal.signal(_signal.SIGINT, _quiet_interrupt)

import argparse  # noqa: E402
import importlib  # noqa: E402
import signal  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

from bpstep import __version__  # noqa: E402

PROG = "bpstep"

COMMANDS: dict[str, str] = {
    "train": "train the network for N epochs and print the cost table",
    "trace": "print every stop of K training iterations (text or JSON lines)",
    "export": "write the weights and per-layer tensors as .npy/.csv files",
    "check": "check your hand-derived gradient functions against the engine",
    "serve": "serve the debugger in a browser tab (needs the serve extra)",
}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """An argparse usage error, raised instead of argparse's print-usage-and-exit."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised rather than printed."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive_int_list(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"layer sizes must be comma-separated integers such as 2,3,1, got {text!r}"
        ) from None


def _activation(text: str) -> str | list[str]:
    names = [p.strip() for p in text.split(",")]
    return names if len(names) > 1 else names[0]


def _number(kind: type) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            return kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None

    parse.__name__ = kind.__name__
    return parse


def add_network_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command shares; beside a preset they override it.

    In subcommands the defaults are suppressed, so that ``bpstep --lr 1 train`` keeps the value
    given before the command name.
    """
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("network and data (override the preset)")
    g.add_argument("--preset", metavar="NAME", default=default, help="ready-made session (xor)")
    g.add_argument(
        "--layers", metavar="N,N,…", type=_positive_int_list, default=default, help="e.g. 2,3,1"
    )
    g.add_argument(
        "--activation",
        metavar="NAME[,NAME…]",
        type=_activation,
        default=default,
        help="sigmoid, tanh, relu, leaky_relu, identity, softmax (output only); "
        "one for all layers or one per layer",
    )
    g.add_argument("--cost", metavar="NAME", default=default, help="quadratic or cross_entropy")
    g.add_argument("--lr", metavar="α", type=_number(float), default=default, help="learning rate")
    g.add_argument(
        "--batch-size", metavar="N", type=_number(int), default=default, help="mini-batch size"
    )
    g.add_argument("--l2", metavar="λ", type=_number(float), default=default, help="L2 strength")
    g.add_argument("--optimizer", metavar="NAME", default=default, help="sgd, momentum or adam")
    g.add_argument("--init", metavar="NAME", default=default, help="normal, xavier or he")
    g.add_argument("--seed", metavar="N", type=_number(int), default=default, help="random seed")
    g.add_argument(
        "--data", metavar="NAME|FILE", default=default, help="built-in data set or a file"
    )
    g.add_argument(
        "--load", metavar="FILE", default=default, help="continue a saved session (.npz)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A keyboard-driven step-through debugger for backpropagation. "
        "With no command, opens the debugger on the default preset (xor).",
        epilog="Presets: xor (default), lesson, digits, softmax, overfit, l2, vanishing. "
        "Keys inside the debugger: n/→ step, p/← back, ? help, q quit.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument(
        "--grads", metavar="FILE", default=None, help="check your gradient module at each stop"
    )
    parser.add_argument(
        "--quiz",
        action="store_true",
        help="predict, then reveal: each stop hides what it computes and asks about it",
    )
    add_network_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        p = sub.add_parser(name, help=summary, description=summary)
        add_network_options(p, suppress=True)
        _command_module(name).add_arguments(p)
    return parser


def _version() -> str:
    return __version__


def _command_module(name: str):
    return importlib.import_module(f"bpstep.commands.{name}")


def _error(message: str) -> None:
    first = str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"
    print(f"{PROG}: error: {first}", file=sys.stderr)


class _CtrlC:
    """Remembers that Ctrl-C was pressed: an import interrupted inside C code can surface as
    an ImportError that no longer says why (NumPy's, for one), and it is still an interrupt."""

    pressed = False

    @classmethod
    def handler(cls, signum: int, frame: object) -> None:
        cls.pressed = True
        raise KeyboardInterrupt

    @classmethod
    def install(cls) -> Callable[[], None]:
        """Install the handler (in the main thread, over Python's default); returns an undo."""
        cls.pressed = False
        try:
            previous = signal.getsignal(signal.SIGINT)
            if previous not in (signal.default_int_handler, _quiet_interrupt):
                return lambda: None  # an embedding program's own handler stays
            signal.signal(signal.SIGINT, cls.handler)
        except ValueError:  # not the main thread
            return lambda: None

        def undo() -> None:
            signal.signal(signal.SIGINT, previous)

        return undo


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    undo = _CtrlC.install()
    try:
        return _main(argv)
    finally:
        undo()


def _main(argv: Sequence[str] | None) -> int:
    try:
        from bpstep.engine.errors import BpstepError

        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            if args.command is None:
                return _run_tui(args)
            return int(_command_module(args.command).run(args))
        except (UsageError, BpstepError) as exc:
            _error(str(exc))
            return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of our output went away (e.g. `bpstep trace --json | head`): stop quietly
        from bpstep.commands.common import discard

        discard()
        return EXIT_OK
    except OSError as exc:  # the system refused something (a full disk, a name too long …)
        where = f"{shorten(str(exc.filename))}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
        return EXIT_USAGE
    except MemoryError:
        _error("out of memory: use a smaller network, a smaller batch or less data")
        return EXIT_USAGE
    except Exception as exc:  # an internal bug: one line, traceback on request
        if _CtrlC.pressed:  # … unless Ctrl-C caused it
            print(f"{PROG}: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        if os.environ.get("BPSTEP_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set BPSTEP_DEBUG=1 for details)")
        return EXIT_FAILURE


def shorten(text: str, limit: int = 120) -> str:
    """A path or value short enough for a one-line message (its start and its end)."""
    return text if len(text) <= limit else f"{text[: limit // 2 - 1]}…{text[-(limit // 2) :]}"


# Textual paints at its next frame tick: at its default 60 a second that adds up to 17 ms to a
# key's repaint. At 120, a key on xor is drawn in 25 ms instead of 33, on 784-100-10 in 48
# instead of 62 (benchmarks/bench_terminal.py); 240 gained no more and held keys fell further
# behind. A TEXTUAL_FPS of the user's own is kept.
FRAMES_A_SECOND = "120"


def _run_tui(args: argparse.Namespace) -> int:
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_A_SECOND)  # before Textual is imported
    from bpstep.commands.common import grads_session, session_from_args

    grads = getattr(args, "grads", None)
    if grads is None:
        session = session_from_args(args)
    else:  # a missing file or syntax error is a usage error before any paint
        # Textual is imported only for the debugger, not for the headless commands or --help
        from bpstep.tui.app import BpstepApp

        session = grads_session(args, grads, BpstepApp.grads_time_limit)
    from bpstep.tui.app import run_tui

    try:
        return run_tui(session, grads_path=grads, quiz=bool(getattr(args, "quiz", False)))
    except Exception as exc:  # a crash of the debugger: one line, the traceback in a log
        if os.environ.get("BPSTEP_DEBUG"):
            raise
        log = write_crash_log(exc)
        where = f"the details are in {log}" if log else "set BPSTEP_DEBUG=1 for details"
        _error(f"the debugger crashed ({type(exc).__name__}: {exc}); {where}")
        return EXIT_FAILURE


def crash_folder() -> Path:
    """Where crash logs go: $XDG_CACHE_HOME/bpstep, or ~/.cache/bpstep."""
    from pathlib import Path

    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "bpstep"


def write_crash_log(exc: BaseException) -> Path | None:
    """Write ``exc``'s traceback to a new log file (in ``crash_folder()``, else the temp folder);
    returns its path, or None when no file could be written anywhere."""
    import tempfile
    import time
    import traceback
    from pathlib import Path

    text = (
        f"bpstep {_version()} crashed at {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(exc))
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (crash_folder(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
