"""Saving a session to one .npz and loading it back to continue exactly where it stopped.

The file holds a format tag and version, the configuration (JSON), the parameters and optimiser
state at the start of the current iteration, the earlier checkpoints of the history for stepping
back when they are small (``SAVED_HISTORY_BYTES``), the stop index, the epoch history, the
iteration costs, breakpoints, watches and a fingerprint of the data. Shuffling needs no saved RNG
state: epoch e's order comes from ``default_rng([seed, e])``, so the position determines it.
Loading rebuilds the data from the configuration (or takes the in-memory data passed back),
checks its fingerprint, restores the checkpoint and replays to the saved stop; it builds a new
Session, so a failed load never touches a live one.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from bpstep.engine.errors import BpstepError, DataError
from bpstep.session.atomic import atomic_write
from bpstep.session.config import SessionConfig

FORMAT = "bpstep-session"
VERSION = 1
# the history for stepping back is saved too when its checkpoints take at most this many bytes
# (xor and digits: well under; a 784-100-10 network's 45 MB of history is left out)
SAVED_HISTORY_BYTES = 16 * 2**20


def _checkpoint_arrays(prefix: str, ck) -> dict[str, np.ndarray]:
    out = {}
    for m, (W, b) in enumerate(zip(ck.weights, ck.biases, strict=True), start=1):
        out[f"{prefix}W{m}"] = W
        out[f"{prefix}b{m}"] = b
    for key, value in ck.optimizer.items():
        out[f"{prefix}opt_{key}"] = np.asarray(value)
    return out


def _read_checkpoint(data: dict, prefix: str, L: int):
    from bpstep.session.history import Checkpoint

    weights = [data[f"{prefix}W{m}"].astype(np.float64) for m in range(1, L + 1)]
    biases = [data[f"{prefix}b{m}"].astype(np.float64) for m in range(1, L + 1)]
    opt = {k[len(prefix) + 4 :]: data[k] for k in data if k.startswith(f"{prefix}opt_")}
    return Checkpoint(weights, biases, opt)


def save_session(session, path) -> None:
    """Write ``session`` to ``path`` atomically: a temp file in the same folder, then rename."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz") if not path.suffix else path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"cannot save to {path}: the folder {folder} does not exist")
    ck = session._current_start
    g = session._locate(session.index)[0] if session.index else 0
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "version": np.array(VERSION),
        "config": np.array(session.config.to_json()),
        "index": np.array(session.index),
        "iteration": np.array(g),
        "history": np.array(json.dumps([vars(r) for r in session.history])),
        "iter_costs": np.array(json.dumps({str(k): v for k, v in session._iter_costs.items()})),
        "breakpoints": np.array(json.dumps(session.breakpoints.to_list())),
        "watches": np.array(json.dumps(session.watches.to_dict())),
        "data_fingerprint": np.array(session.dataset.fingerprint()),
        "data_in_memory": np.array(session.data_in_memory),
    }
    arrays.update(_checkpoint_arrays("", ck))
    earlier = {k: c for k, c in session.checkpoints.items().items() if k < g}
    if sum(c.nbytes for c in earlier.values()) <= SAVED_HISTORY_BYTES:
        arrays["history_keys"] = np.array(sorted(earlier), dtype=np.int64)
        for k, c in earlier.items():
            arrays.update(_checkpoint_arrays(f"h{k}_", c))
    try:
        atomic_write(path, lambda fh: np.savez(fh, **arrays))
    except OSError as exc:
        raise DataError(f"cannot save to {path}: {exc.strerror or exc}") from None


def load_session(path, dataset=None):
    """A new Session read from ``path``; DataError for a missing, truncated or foreign file, or
    for data that is not what the session was saved with (``dataset``: the in-memory data of a
    session built on one; otherwise the data is rebuilt from the configuration).

    Everything is read and checked, and the new session replayed to the saved stop, before it is
    returned: a failure leaves any live session untouched.
    """
    from bpstep.session.breakpoints import BreakpointSet
    from bpstep.session.session import EpochRecord, Session
    from bpstep.session.watches import WatchSet

    path = Path(path)
    if not path.exists():
        raise DataError(f"cannot load {path}: no such file (a session saved by bpstep, .npz)")
    if path.is_dir():
        raise DataError(f"cannot load {path}: it is a folder, not a saved session (.npz)")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataError(
                f"cannot load {path}: it holds a single NumPy array, not a saved bpstep session"
            )
        with loaded as z:
            data = {k: z[k] for k in z.files}
    except DataError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise DataError(
            f"cannot load {path}: not a complete .npz file (truncated or corrupt: {_line(exc)})"
        ) from None
    if "format" not in data or data["format"].shape != () or str(data["format"]) != FORMAT:
        raise DataError(f"cannot load {path}: it is an .npz file but not a saved bpstep session")
    try:
        version = int(data["version"])
    except (KeyError, ValueError, TypeError):
        raise DataError(f"cannot load {path}: the saved session has no format version") from None
    if version > VERSION:
        raise DataError(
            f"cannot load {path}: saved by a newer bpstep (format {version}, "
            f"this one reads {VERSION})"
        )
    try:
        config = SessionConfig.from_json(str(data["config"]))
        if dataset is None and "data_in_memory" in data and bool(data["data_in_memory"]):
            raise DataError(
                f"the session was trained on in-memory data ({config.data!r}), which is not in "
                "the file: pass it back, Session.load(path, dataset=...)"
            )
        session = Session(config, dataset)
        if "data_fingerprint" in data and str(data["data_fingerprint"]) != (
            session.dataset.fingerprint()
        ):
            raise DataError(
                f"the data {config.data!r} is not the data the session was saved with "
                "(changed since, or another data set): it could not continue exactly"
            )
        L = session.L
        ck = _read_checkpoint(data, "", L)
        index = int(data["index"])
        g = int(data["iteration"])
        if index < 0 or g != (session._locate(index)[0] if index else 0):
            raise ValueError(f"stop {index} is not in iteration {g}")
        session.history = [EpochRecord(**r) for r in json.loads(str(data["history"]))]
        session._iter_costs = {int(k): v for k, v in json.loads(str(data["iter_costs"])).items()}
        session.breakpoints = BreakpointSet.from_list(json.loads(str(data["breakpoints"])))
        session.watches = WatchSet.from_dict(json.loads(str(data["watches"])))
        earlier = {
            int(k): _read_checkpoint(data, f"h{int(k)}_", L)
            for k in data.get("history_keys", np.zeros(0, dtype=np.int64))
        }
        if any(k >= g for k in earlier):
            raise ValueError("a saved history checkpoint is not before the current iteration")
        session.checkpoints.reset(g, ck, earlier)
        session._restore(ck)
        session._current_start, session._current_g = ck, g
        if index:
            session._index = g * session.S
            while session._index < index:
                session._advance()
        session.stop = session._make_stop()
    except BpstepError as exc:
        raise DataError(f"cannot load {path}: {exc}") from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(
            f"cannot load {path}: the saved session is incomplete or damaged ({_line(exc)})"
        ) from None
    return session


def _line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
