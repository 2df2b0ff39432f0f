"""``bpstep export``: the weights and per-layer tensors as .npy (and .csv when small)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import BinaryIO

import numpy as np

from bpstep.commands.common import make_console, session_from_args
from bpstep.engine.errors import ConfigError, DataError
from bpstep.session.atomic import atomic_write

CSV_LIMIT = 10_000  # tensors up to this many entries also get a .csv


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
    out = Path(args.to)
    if out.exists() and not out.is_dir():
        raise DataError(f"cannot export to {out}: it is a file, not a folder")
    session = session_from_args(args)
    if k:
        session.run_to(session.index + k * session.stops_per_iteration)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder {out}: {exc.strerror or exc}") from None
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
    arrays: dict[str, np.ndarray] = {}
    for m in range(1, session.L + 1):
        for name, value in session.tensors(m).items():
            arrays[f"{name}{m}"] = np.asarray(value)
    if session.X_batch is not None and session.Y_batch is not None and k:
        arrays["X_batch"] = session.X_batch
        arrays["Y_batch"] = session.Y_batch
    listed: dict[str, dict] = {}
    for name, value in arrays.items():
        listed[name] = {"shape": list(value.shape), "files": _write(out, name, value)}
    manifest["files"] = listed
    text = json.dumps(manifest, indent=2, ensure_ascii=False).encode()

    def write_manifest(fh: BinaryIO) -> None:
        fh.write(text)

    atomic_write(out / "manifest.json", write_manifest)
    make_console().print(f"wrote {len(arrays)} tensors to {out}/ (see manifest.json)", markup=False)
    return 0


def _write(out: Path, name: str, value: np.ndarray) -> list[str]:
    """``name``.npy, and ``name``.csv when small; returns the file names written."""

    def npy(fh: BinaryIO) -> None:
        np.save(fh, value)

    def csv(fh: BinaryIO) -> None:
        np.savetxt(fh, np.atleast_2d(value), delimiter=",", fmt="%.17g")

    atomic_write(out / f"{name}.npy", npy)
    if value.size > CSV_LIMIT:
        return [f"{name}.npy"]
    atomic_write(out / f"{name}.csv", csv)
    return [f"{name}.npy", f"{name}.csv"]
