"""The palette's Screenshot: an SVG picture of the screen, saved where the user says.

Textual's own command saves to ~/Downloads and fails where that folder does not exist; this one
takes the picture, asks for a file (default: a dated name in the current directory), writes it
atomically and says where it went. ``rsvg-convert -o shot.png shot.svg`` makes a PNG of it.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import BinaryIO

from textual.app import App

from bpstep.session.atomic import atomic_write

from .screens.prompt import PromptScreen


def default_name(now: datetime.datetime | None = None) -> str:
    """bpstep-20250101-120000.svg: a new name each second, in the current directory."""
    return f"bpstep-{(now or datetime.datetime.now()):%Y%m%d-%H%M%S}.svg"


def save_svg(svg: str, answer: str) -> Path:
    """Write ``svg`` to ``answer`` (a file, or a folder to put a dated file in; ``.svg`` added
    to a name without it); returns the absolute path. OSError, with a one-line reason, when the
    folder does not exist or cannot be written."""
    path = Path(answer).expanduser()
    if path.is_dir():
        path = path / default_name()
    if path.suffix.lower() != ".svg":
        path = path.with_name(path.name + ".svg")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"no folder {str(folder)!r}; give an existing folder or a file in one")
    data = svg.encode("utf-8")

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    atomic_write(path, write)
    return path.resolve()


def shown(path: Path) -> str:
    """``path`` as short as it is unambiguous: relative to the current directory when it is in
    it (``./bpstep-….svg``), else absolute."""
    try:
        return f"./{path.relative_to(Path.cwd().resolve())}"
    except ValueError:
        return str(path)


def ask_and_save(app: App, say, error) -> None:
    """Take the picture now, then ask where to save it; ``say``/``error`` report the outcome."""
    svg = app.export_screenshot()

    def got(answer: str | None) -> None:
        if not answer:
            say("no screenshot saved")
            return
        try:
            path = save_svg(svg, answer)
        except OSError as exc:
            error(f"screenshot not saved: {exc.strerror or exc}")
            return
        say(f"screenshot saved to {shown(path)}")

    app.push_screen(PromptScreen("Save an SVG picture of the screen to:", default_name()), got)
