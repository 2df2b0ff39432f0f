"""``bpstep export``: the weights and per-layer tensors as .npy (and .csv when small).

Everything is written into a temp folder first and moved into place at the end, the manifest
last: a failed export (a full disk, Ctrl-C) leaves the target as it was, never a partial export
with or without a manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bpstep.commands.common import make_console, session_from_args
from bpstep.datasets.paths import expand_user, shown, stat_or_none
from bpstep.engine.errors import ConfigError, DataError

CSV_LIMIT = 10_000  # tensors up to this many entries also get a .csv
MANIFEST = "manifest.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("export")
    g.add_argument("--to", metavar="DIR", required=True, help="folder to write into")
    g.add_argument(
        "--iterations",
        metavar="K",
        default=1,
        help="full iterations to run first (default 1; 0 exports the initial weights only)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        k = int(str(args.iterations))
    except ValueError:
        k = -1
    if k < 0:
        raise ConfigError(f"--iterations must be an integer ≥ 0, got {args.iterations!r}")
    out = expand_user(args.to)
    work_in = _check_target(out)  # before any work
    session = session_from_args(args)
    if k:
        session.run_to(session.index + k * session.stops_per_iteration)
    arrays: dict[str, np.ndarray] = {}
    for m in range(1, session.L + 1):
        for name, value in session.tensors(m).items():
            arrays[f"{name}{m}"] = np.asarray(value)
    if session.X_batch is not None and session.Y_batch is not None and k:
        arrays["X_batch"] = session.X_batch
        arrays["Y_batch"] = session.Y_batch
    manifest: dict[str, object] = {
        "stop": {
            "index": session.index,
            "phase": session.stop.phase.value,
            "layer": session.stop.layer,
            "epoch": session.stop.epoch,
            "iteration": session.stop.iteration,
        },
        "sizes": session.network.sizes,
        "activations": session.network.activation_names,
        "cost": session.network.cost_name,
    }
    _export(out, work_in, arrays, manifest)
    make_console().print(f"wrote {len(arrays)} tensors to {out}/ (see {MANIFEST})", markup=False)
    return 0


def _check_target(out: Path) -> Path:
    """The folder to make the temp folder in, once ``out`` is known to be usable: a folder (or
    nothing yet) whose nearest existing folder can be written to."""
    info = stat_or_none(out)
    if info is not None and not out.is_dir():
        raise DataError(f"cannot export to {shown(out)}: it is a file, not a folder")
    if info is not None:
        work_in = out
    else:
        work_in = out.parent
        while stat_or_none(work_in) is None and work_in != work_in.parent:
            work_in = work_in.parent
        if not work_in.is_dir():
            raise DataError(f"cannot export to {shown(out)}: {shown(work_in)} is not a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".bpstep-export-probe.", dir=work_in)
        os.rmdir(probe)
    except OSError as exc:
        raise DataError(
            f"cannot export to {shown(out)}: {shown(work_in)} cannot be written to "
            f"({exc.strerror or exc})"
        ) from None
    return work_in


def _export(out: Path, work_in: Path, arrays: dict[str, np.ndarray], manifest: dict) -> None:
    """Write the arrays and the manifest into a temp folder, then move them into ``out``."""
    try:
        if work_in != out:
            out.parent.mkdir(parents=True, exist_ok=True)
            work_in = out.parent
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.export.", dir=work_in))
    except OSError as exc:
        raise DataError(f"cannot export to {shown(out)}: {exc.strerror or exc}") from None
    try:
        listed: dict[str, dict] = {}
        for name, value in arrays.items():
            listed[name] = {"shape": list(value.shape), "files": _write(tmp, name, value)}
        manifest["files"] = listed
        text = json.dumps(manifest, indent=2, ensure_ascii=False)
        (tmp / MANIFEST).write_text(text, encoding="utf-8")
        _publish(tmp, out)
    except OSError as exc:
        raise DataError(
            f"cannot export to {shown(out)}: {exc.strerror or exc} (nothing was exported)"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished export into place: the whole folder when ``out`` is new; otherwise
    file by file into it, the old manifest out first and the new one in last."""
    if not out.exists():
        os.rename(tmp, out)
        return
    (out / MANIFEST).unlink(missing_ok=True)
    for path in sorted(tmp.iterdir()):
        if path.name != MANIFEST:
            os.replace(path, out / path.name)
    os.replace(tmp / MANIFEST, out / MANIFEST)


def _write(folder: Path, name: str, value: np.ndarray) -> list[str]:
    """``name``.npy, and ``name``.csv when small; returns the file names written."""
    np.save(folder / f"{name}.npy", value)
    if value.size > CSV_LIMIT:
        return [f"{name}.npy"]
    np.savetxt(folder / f"{name}.csv", np.atleast_2d(value), delimiter=",", fmt="%.17g")
    return [f"{name}.npy", f"{name}.csv"]
