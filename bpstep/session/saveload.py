"""Saving a session to one .npz and loading it back to continue exactly where it stopped.

The file holds a format tag and version, the configuration (JSON), the parameters and optimiser
state at the start of the current iteration, the earlier checkpoints of the history for stepping
back when they are small (``SAVED_HISTORY_BYTES``), the stop index, the epoch history, the
iteration costs, breakpoints, watches, the quiz's score and a fingerprint of the data.
Shuffling needs no saved RNG state: epoch e's order comes from ``default_rng([seed, e])``, so
the position determines it.
Loading rebuilds the data from the configuration (or takes the in-memory data passed back),
checks its fingerprint, restores the checkpoint and replays to the saved stop; it builds a new
Session, so a failed load never touches a live one.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, cast

import numpy as np

from bpstep.datasets import Dataset
from bpstep.engine.errors import BpstepError, DataError
from bpstep.session.atomic import atomic_write
from bpstep.session.config import SessionConfig
from bpstep.session.history import Checkpoint
from bpstep.session.session import Session
from bpstep.session.state import EpochRecord, SessionState

FORMAT = "bpstep-session"
VERSION = 1
# the history for stepping back is saved too when its checkpoints take at most this many bytes
# (xor and digits: well under; a 784-100-10 network's 45 MB of history is left out)
SAVED_HISTORY_BYTES = 16 * 2**20


def _checkpoint_arrays(prefix: str, ck: Checkpoint) -> dict[str, np.ndarray]:
    out = {}
    for m, (W, b) in enumerate(zip(ck.weights, ck.biases, strict=True), start=1):
        out[f"{prefix}W{m}"] = W
        out[f"{prefix}b{m}"] = b
    for key, value in ck.optimizer.items():
        out[f"{prefix}opt_{key}"] = np.asarray(value)
    return out


def _read_checkpoint(data: dict, prefix: str, L: int) -> Checkpoint:
    weights = [data[f"{prefix}W{m}"].astype(np.float64) for m in range(1, L + 1)]
    biases = [data[f"{prefix}b{m}"].astype(np.float64) for m in range(1, L + 1)]
    opt = {k[len(prefix) + 4 :]: data[k] for k in data if k.startswith(f"{prefix}opt_")}
    return Checkpoint(weights, biases, opt)


def save_session(session: Session, path: str | Path) -> Path:
    """Write ``session`` to ``path`` atomically (a temp file in the same folder, then rename);
    returns the path written (``.npz`` added when the name has no suffix)."""
    path = Path(path)
    if not path.suffix:
        path = path.with_name(path.name + ".npz")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"cannot save to {path}: the folder {folder} does not exist")
    arrays = state_arrays(session.state(history_bytes=SAVED_HISTORY_BYTES))
    try:
        atomic_write(path, lambda fh: np.savez(fh, **cast(dict[str, Any], arrays)))
    except OSError as exc:
        raise DataError(f"cannot save to {path}: {exc.strerror or exc}") from None
    return path


def state_arrays(state: SessionState) -> dict[str, np.ndarray]:
    """A session's state as the named arrays of one .npz file."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "version": np.array(VERSION),
        "config": np.array(state.config.to_json()),
        "index": np.array(state.index),
        "iteration": np.array(state.iteration),
        "history": np.array(json.dumps([vars(r) for r in state.history])),
        "iter_costs": np.array(json.dumps({str(k): v for k, v in state.iteration_costs.items()})),
        "breakpoints": np.array(json.dumps(state.breakpoints)),
        "watches": np.array(json.dumps(state.watches)),
        "data_fingerprint": np.array(state.data_fingerprint),
        "data_in_memory": np.array(state.data_in_memory),
        "quiz": np.array(json.dumps(state.quiz)),
    }
    arrays.update(_checkpoint_arrays("", state.start))
    arrays["history_keys"] = np.array(sorted(state.earlier), dtype=np.int64)
    for k, c in state.earlier.items():
        arrays.update(_checkpoint_arrays(f"h{k}_", c))
    return arrays


def load_session(path: str | Path, dataset: Dataset | None = None) -> Session:
    """A new Session read from ``path``, continuing exactly where the saved one stopped.

    DataError for a missing, truncated or foreign file, or for data that is not what the session
    was saved with (``dataset``: the in-memory data of a session built on one; otherwise the data
    is rebuilt from the configuration). Everything is read and checked, and the new session
    replayed to the saved stop, before it is returned: a failure leaves any live session
    untouched.
    """
    path = Path(path)
    data = _read_npz(path)
    try:
        return Session.resume(read_state(data), dataset)
    except BpstepError as exc:
        raise DataError(f"cannot load {path}: {exc}") from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(
            f"cannot load {path}: the saved session is incomplete or damaged ({_line(exc)})"
        ) from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a saved session file, with its format and version checked."""
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
    return data


def read_state(data: dict[str, np.ndarray]) -> SessionState:
    """The SessionState held by a saved file's arrays (KeyError, ValueError, TypeError when
    something is missing or of the wrong kind)."""
    config = SessionConfig.from_json(str(data["config"]))
    L = len(config.layers) - 1 if config.layers is not None else len(config.hidden) + 1
    keys = [int(k) for k in data.get("history_keys", np.zeros(0, dtype=np.int64))]
    if any(k < 0 for k in keys):
        raise ValueError("a history checkpoint has a negative iteration")
    return SessionState(
        config=config,
        index=int(data["index"]),
        iteration=int(data["iteration"]),
        start=_read_checkpoint(data, "", L),
        earlier={k: _read_checkpoint(data, f"h{k}_", L) for k in keys},
        history=[EpochRecord(**_record(r)) for r in json.loads(str(data["history"]))],
        iteration_costs={
            int(k): _number(v) for k, v in json.loads(str(data["iter_costs"])).items()
        },
        breakpoints=[str(b) for b in json.loads(str(data["breakpoints"]))],
        watches=dict(json.loads(str(data["watches"]))),
        data_fingerprint=str(data["data_fingerprint"]) if "data_fingerprint" in data else "",
        data_in_memory=bool(data["data_in_memory"]) if "data_in_memory" in data else False,
        # the quiz's score; files saved before the quiz existed have none
        quiz=dict(json.loads(str(data["quiz"]))) if "quiz" in data else {},
    )


def _number(v: object) -> float:
    """A saved cost: a number (JSON writes NaN and Infinity as such)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"a saved cost is not a number: {v!r}")
    return float(v)


def _record(r: dict) -> dict:
    """An epoch record's fields, with its costs checked to be numbers (or None)."""
    out = dict(r)
    for key, value in r.items():
        if key in ("epoch", "end_index"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"a saved epoch record's {key} is not an integer: {value!r}")
        elif value is not None:
            out[key] = _number(value)
    return out


def _line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
