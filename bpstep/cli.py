"""The ``bpstep`` command: the TUI with no command, or a headless command.

``bpstep [options]`` opens the step-through debugger; ``bpstep train|trace|export|check`` run
without a screen. Every bad option or input file ends with one line on stderr,
``bpstep: error: …``, and exit status 2; never a traceback (set ``BPSTEP_DEBUG=1`` to see one for an
internal error).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from bpstep import __version__
from bpstep.commands.common import session_from_args
from bpstep.engine.errors import BpstepError

PROG = "bpstep"

COMMANDS: dict[str, str] = {
    "train": "train the network for N epochs and print the cost table",
    "trace": "print every stop of K training iterations (text or JSON lines)",
    "export": "write the weights and per-layer tensors as .npy/.csv files",
    "check": "check your hand-derived gradient functions against the engine",
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
        epilog="Presets: xor (default), digits, softmax, overfit, l2, vanishing. "
        "Keys inside the debugger: n/→ step, p/← back, ? help, q quit.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument(
        "--grads", metavar="FILE", default=None, help="check your gradient module at each stop"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            return _run_tui(args)
        return int(_command_module(args.command).run(args))
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except BpstepError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of our output went away (e.g. `bpstep trace | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # an internal bug: one line, traceback on request
        if os.environ.get("BPSTEP_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set BPSTEP_DEBUG=1 for details)")
        return EXIT_FAILURE


def _run_tui(args: argparse.Namespace) -> int:
    session = session_from_args(args)
    grads = getattr(args, "grads", None)
    # Textual is imported only for the debugger, not for the headless commands or --help
    from bpstep.tui.app import BpstepApp, run_tui

    if grads is not None:  # a missing file or syntax error is a usage error before any paint
        from bpstep.session.usergrads import load_user_module

        load_user_module(grads, BpstepApp.grads_time_limit)

    return run_tui(session, grads_path=grads)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
