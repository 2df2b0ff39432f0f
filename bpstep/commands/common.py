"""What the headless commands and the TUI share: building a session from the options, a console."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, TYPE_CHECKING

from bpstep.engine.errors import ConfigError
from bpstep.session import Session, build_config, load_session
from bpstep.session.config import NETWORK_OPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console


def overrides_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The network options the user gave (those left out are not in the dict)."""
    return {
        name: getattr(args, name)
        for name in NETWORK_OPTIONS
        if getattr(args, name, None) is not None
    }


def session_from_args(args: argparse.Namespace) -> Session:
    """A new session from ``--preset`` and the options beside it, or from ``--load FILE``.

    Raises a BpstepError subclass (ConfigError, DataError) with a one-line message on bad input.
    """
    load = getattr(args, "load", None)
    overrides = overrides_from_args(args)
    if load is not None:
        given = sorted(overrides) + (["preset"] if getattr(args, "preset", None) else [])
        if given:
            names = ", ".join("--" + n.replace("_", "-") for n in given)
            raise ConfigError(
                f"--load continues a saved session as it was; it cannot be combined with {names}"
            )
        return load_session(load)
    config = build_config(getattr(args, "preset", None) or "xor", **overrides)
    return Session(config)


def grads_session(args: argparse.Namespace, grads: str, time_limit: float | None) -> Session:
    """The session for ``--grads FILE``: the learner's shape's default network and data unless
    a preset, network options or --load say otherwise (and then they must fit the shape).

    A missing file or syntax error is a usage error here, before any screen is drawn.
    """
    # the checker only where a learner's file is given: ``bpstep`` alone starts faster
    from bpstep.session.usergrads import incompatible, load_user_module, session_for

    code = load_user_module(grads, time_limit)
    try:
        if getattr(args, "load", None) is not None:
            session = session_from_args(args)
            why = incompatible(code, session.network)
            if why is not None:
                raise ConfigError(why)
            return session
        return session_for(code, getattr(args, "preset", None), overrides_from_args(args))
    finally:
        code.close()


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (stdout by default) is a terminal, not a pipe or a file."""
    stream = stream if stream is not None else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_allowed(stream: IO[str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def make_console(stderr: bool = False) -> Console:
    """A Rich console for a command's output.

    On a terminal: as wide as the terminal, in colour unless NO_COLOR is set (Rich honours it).
    In a pipe or a file: plain text with no ANSI codes and no wrapping (tables and rules are laid
    out 100 columns wide, a long line stays one line). A reader that closes the pipe early
    (``| head``) silences the console and the command ends normally (see ``_QuietOnBrokenPipe``).

    Rich is imported here, not at the top: the debugger (``bpstep`` alone) builds its session
    through this module and never prints with Rich.
    """
    from rich.console import Console

    class _QuietOnBrokenPipe(Console):
        def on_broken_pipe(self) -> None:
            """The reader went away: print nothing more (Rich's own reaction is exit 1)."""
            self.quiet = True
            discard(self.file)

    stream = sys.stderr if stderr else sys.stdout
    if is_terminal(stream):
        return _QuietOnBrokenPipe(stderr=stderr, highlight=False)
    return _QuietOnBrokenPipe(
        stderr=stderr,
        highlight=False,
        color_system=None,
        force_terminal=False,
        no_color=True,
        soft_wrap=True,
        width=max(100, _env_width()),
    )


def discard(stream: IO[str] | None = None) -> None:
    """Point ``stream`` (stdout by default) at /dev/null, so that nothing written later (Python's
    own flush at exit included) fails on a pipe whose reader has gone."""
    stream = stream if stream is not None else sys.stdout
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def _env_width() -> int:
    try:
        return int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        return 0
