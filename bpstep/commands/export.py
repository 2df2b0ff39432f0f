"""``bpstep export``: the weights and per-layer tensors as .npy (and .csv when small)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

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
    manifest = {
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
        "files": {},
    }
    arrays: dict[str, np.ndarray] = {}
    for m in range(1, session.L + 1):
        for name, value in session.tensors(m).items():
            arrays[f"{name}{m}"] = np.asarray(value)
    if session.X_batch is not None and k:
        arrays["X_batch"] = session.X_batch
        arrays["Y_batch"] = session.Y_batch
    for name, value in arrays.items():
        atomic_write(out / f"{name}.npy", lambda fh, v=value: np.save(fh, v))
        files = [f"{name}.npy"]
        if value.size <= CSV_LIMIT:
            atomic_write(
                out / f"{name}.csv",
                lambda fh, v=value: np.savetxt(fh, np.atleast_2d(v), delimiter=",", fmt="%.17g"),
            )
            files.append(f"{name}.csv")
        manifest["files"][name] = {"shape": list(value.shape), "files": files}
    atomic_write(
        out / "manifest.json",
        lambda fh: fh.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode()),
    )
    make_console().print(f"wrote {len(arrays)} tensors to {out}/ (see manifest.json)", markup=False)
    return 0
