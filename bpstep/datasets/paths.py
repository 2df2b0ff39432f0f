"""File names as a user types them: ``~`` expanded, refused with one line when they cannot be
used (an unknown user, a name too long, a FIFO or a device), shortened in messages."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bpstep.engine.errors import DataError

__all__ = ["expand_user", "require_regular", "shown", "stat_or_none"]

SHOWN_LENGTH = 120  # a path in a one-line message is cut to about this many characters


def shown(path: str | Path, limit: int = SHOWN_LENGTH) -> str:
    """``path`` short enough for a one-line message: its start and its end around an ellipsis."""
    text = str(path)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2 - 1]}…{text[-(limit // 2) :]}"


def expand_user(path: str | Path) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded; DataError when there is no such
    user (or no home folder to expand ``~`` to)."""
    text = str(path)
    try:
        return Path(text).expanduser()
    except RuntimeError:  # Path.expanduser: "Could not determine home directory"
        user = text.split("/", 1)[0]
        raise DataError(
            f"{shown(text)}: cannot expand {user}: no such user (or no home folder); "
            "expected a path such as ~/data.csv or an absolute path"
        ) from None


def stat_or_none(path: Path) -> os.stat_result | None:
    """``os.stat(path)``, None when nothing is there; DataError for a path the system refuses to
    look at (a name too long, a loop of symlinks, a folder that cannot be entered)."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise DataError(f"{shown(path)}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL byte
        raise DataError(f"{shown(path)}: not a usable file name ({exc})") from None


def require_regular(path: Path, expected: str) -> os.stat_result:
    """The stat of ``path`` when it is a regular file (a symlink to one is fine); DataError
    otherwise: a FIFO, socket or device would block or never end (``/dev/zero``)."""
    info = stat_or_none(path)
    if info is None:
        raise DataError(f"{shown(path)}: no such file; expected {expected}")
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{shown(path)}: is a folder; expected {expected}")
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "not a regular file"
        )
        raise DataError(f"{shown(path)}: is {kind}, not a regular file; expected {expected}")
    return info
