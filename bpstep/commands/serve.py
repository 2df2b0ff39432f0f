"""``bpstep serve``: the step-through debugger in a browser tab, served with textual-serve.

Each browser tab that opens the page gets a ``bpstep`` process of its own (a fresh session),
started with the network and ``--grads`` options given to ``bpstep serve``. Every option is
checked here first, as ``bpstep`` itself would check it, so a bad one is one line and exit 2
before anything is served, not an error in each tab. The command line each tab runs is built
with ``shlex`` quoting: a file name with spaces, quotes or ``$(…)`` reaches bpstep as it was typed
and is never run by the shell.

textual-serve is an optional extra (``pip install 'bpstep[serve]'``); without it this command
says so in one line and exits 2.

Loopback (127.0.0.1) is the default; any other ``--host`` prints a warning, since whoever can
reach the port can open the debugger, which runs the learner's gradient file and can save files.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from bpstep.checker.runner import TIME_LIMIT
from bpstep.commands.common import NETWORK_OPTIONS, grads_session, session_from_args
from bpstep.commands.serve_listen import listen, port_number
from bpstep.engine.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
EXTRA = "pip install 'bpstep[serve]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("serve")
    g.add_argument(
        "--host",
        metavar="HOST",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 lets "
        "other machines in, and with them run your gradient file)",
    )
    g.add_argument(
        "--port",
        metavar="N",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    g.add_argument(
        "--grads",
        metavar="FILE",
        default=argparse.SUPPRESS,  # `bpstep --grads F serve` keeps F
        help="check your gradient module at each stop, in every tab",
    )


def served_argv(args: argparse.Namespace) -> list[str]:
    """The options each tab's bpstep runs with: those given, as ``--name=value``.

    ``=`` keeps a value that starts with ``-`` (``--lr=-1``, a file named ``-x.py``) a value.
    """
    argv: list[str] = []
    for name in ("preset", *NETWORK_OPTIONS, "load", "grads"):
        value = getattr(args, name, None)
        if value is None:
            continue
        if isinstance(value, list):  # --layers 2,3,1 and --activation relu,sigmoid
            value = ",".join(str(v) for v in value)
        elif isinstance(value, float):
            value = repr(value)  # the shortest text that reads back as the same float
        argv.append(f"--{name.replace('_', '-')}={value}")
    return argv


def served_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each tab (it runs it with ``/bin/sh -c``).

    ``exec`` makes the shell become bpstep, so stopping the tab's process stops bpstep itself.
    """
    return "exec " + shlex.join([sys.executable, "-m", "bpstep", *served_argv(args)])


def require_extra() -> None:
    """ConfigError naming the extra when textual-serve (or what it needs) is not installed."""
    try:
        import textual_serve.server  # noqa: F401
    except ImportError as exc:
        missing = (getattr(exc, "name", None) or "textual_serve").split(".")[0]
        raise ConfigError(
            f"bpstep serve needs the optional serve extra (no module {missing!r}); "
            f"install it with: {EXTRA}"
        ) from None


def check_options(args: argparse.Namespace) -> None:
    """Everything a tab's bpstep would reject, rejected here first (one line, exit 2)."""
    grads = getattr(args, "grads", None)
    if grads is None:
        session_from_args(args)
    else:  # the learner's file, and the network it is checked on, as each tab will load them
        grads_session(args, grads, TIME_LIMIT)


def run(args: argparse.Namespace) -> int:
    require_extra()
    check_options(args)
    listening = listen(args.host, args.port)
    try:
        if not listening.loopback_only:
            print(
                f"bpstep: warning: --host {args.host} is reachable from other machines: anyone "
                f"who can reach port {listening.port} can open the debugger, run your gradient "
                "files (and any code in them) and save files on this machine",
                file=sys.stderr,
                flush=True,
            )
        from bpstep.commands.serve_web import BpstepServer

        server = BpstepServer(served_command(args), listening)
        server.serve()
    finally:
        listening.close()
    print(f"bpstep serve: stopped ({server.stopped_by})", file=sys.stderr)
    return 0
