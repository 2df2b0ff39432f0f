"""Writing a file so that a reader never sees it half-written: a temp file, then a rename.

The temp file sits beside the target (a rename is atomic only within one file system) and is
named ``.<name>.<pid>.<random>.tmp``. A save killed before its rename (kill -9, a power cut)
leaves it behind; the next save to the same name removes those whose process has ended.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# a temp file without a process id in its name (an older bpstep's) is stale after this long
STALE_AGE = 3600.0


def _new_file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, or 0o666 less the umask
    (mkstemp's temp files are 0o600, which would make every save private)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def real_target(path: Path) -> Path:
    """Where writing ``path`` should land: a symlink's target (so that the link stays a link and
    the file it points to is updated), else ``path`` itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a number we cannot check: leave its file
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temp files that killed saves of ``path`` left beside it; returns them."""
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(?:(\d+)\.)?[^.]+\.tmp$")
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        tmp = folder / name
        try:
            info = os.lstat(tmp)
            if not stat.S_ISREG(info.st_mode):
                continue
            pid = match.group(1)
            stale = not _alive(int(pid)) if pid else time.time() - info.st_mtime > STALE_AGE
            if stale:
                os.unlink(tmp)
                removed.append(tmp)
        except OSError:
            continue
    return removed


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write`` on a temp file next to ``path``, flush it to disk, then rename it over
    ``path`` (over a symlink's target, through the link). On any failure (a full disk, Ctrl-C)
    the temp file is removed and ``path`` is left as it was. Returns the file written."""
    path = real_target(Path(path))
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
