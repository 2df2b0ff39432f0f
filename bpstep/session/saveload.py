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
import math
import os
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from bpstep.datasets import Dataset
from bpstep.datasets.paths import expand_user, require_regular, shown
from bpstep.engine.errors import BpstepError, DataError
from bpstep.notation import sup
from bpstep.session.atomic import atomic_write, real_target
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


def save_path(path: str | Path) -> Path:
    """The file a save to ``path`` writes, checked before any work is done.

    ``~`` is expanded and ``.npz`` added when the name has no suffix; a symlink is followed to
    the file it points to. DataError (one line: what is wrong, what is accepted) for a folder, a
    missing folder, a folder that cannot be written to, or something that is not a regular file;
    a full disk can only show itself while writing (``save_session``).
    """
    given = Path(path)
    path = expand_user(path)
    if path.is_dir():
        raise DataError(
            f"cannot save to {shown(given)}: it is a folder; give a file name, e.g. "
            f"{shown(given / 'session.npz')}"
        )
    if not path.suffix:
        path = path.with_name(path.name + ".npz")
    target = real_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"cannot save to {shown(path)}: the folder {shown(folder)} does not exist")
    if target.exists() and not target.is_file():
        raise DataError(f"cannot save to {shown(path)}: it exists and is not a regular file")
    try:  # can a file be made there? (a read-only folder or file system says no)
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataError(
            f"cannot save to {shown(path)}: the folder {shown(folder)} cannot be written to "
            f"({exc.strerror or exc})"
        ) from None
    return path


def save_session(session: Session, path: str | Path) -> Path:
    """Write ``session`` to ``path`` atomically (a temp file in the same folder, then rename);
    returns the path written (``save_path``: ``.npz`` added when the name has no suffix).

    A relative data file path is stored as an absolute one, so that the file loads from any
    folder. SessionBusy while a run is moving the session; DataError when the file cannot be
    written, and then nothing is (the old file, if any, is left as it was).
    """
    path = save_path(path)
    state = session.state(history_bytes=SAVED_HISTORY_BYTES)
    state.config = replace(state.config, data=absolute_data(state.config.data))
    arrays = state_arrays(state)
    try:
        atomic_write(path, lambda fh: np.savez(fh, **cast(dict[str, Any], arrays)))
    except OSError as exc:
        raise DataError(
            f"cannot save to {shown(path)}: {exc.strerror or exc} (nothing was written)"
        ) from None
    return path


def absolute_data(spec: str) -> str:
    """``spec`` as an absolute path when it names an existing file or folder (relative paths
    break a save loaded from elsewhere); built-in names such as ``digits`` stay as they are."""
    try:
        path = expand_user(spec)
        return os.path.abspath(path) if path.exists() else spec
    except (DataError, OSError, ValueError):
        return spec


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
    path = expand_user(path)
    data = _read_npz(path)
    try:
        state = read_state(data)
        session = Session.resume(state, dataset)
        verify(session, state)
        return session
    except BpstepError as exc:
        raise DataError(f"cannot load {shown(path)}: {exc}") from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(
            f"cannot load {shown(path)}: the saved session is incomplete or damaged ({_line(exc)})"
        ) from None


def verify(session: Session, state: SessionState) -> None:
    """Cross-check a loaded session against the state it was resumed from (DataError).

    Beyond what ``Session.resume`` checks (shapes and finite numbers of every checkpoint's
    parameters, the stop inside its iteration): every checkpoint's optimiser state has this
    network's arrays, finite, and Adam's step count t equal to the checkpoint's iteration; the
    watches are on layers the network has; and the parameters are those of the stop the file
    names, where the file says what they gave: the batch cost Ĵ of the saved iteration, replayed
    from its parameters, is the saved one, and at the start of an epoch the training cost Ĵ at
    the parameters is the one the last epoch recorded.
    """
    expected = session.optimizer_state
    for k, ck in [(state.iteration, state.start), *state.earlier.items()]:
        _check_optimizer(k, ck.optimizer, expected, session.network.optimizer.name)
    for watch in session.watches.norms:
        watch.check_layer(session.L)
    _check_replay(session, state)
    saved = state.iteration_costs.get(state.iteration)
    replayed = session.stop.batch_cost
    if saved is not None and replayed is not None and not _same(saved, replayed):
        raise DataError(
            f"its parameters are not those of the stop it names: iteration "
            f"{state.iteration + 1}'s batch cost is {replayed:.6g} from them, {saved:.6g} saved"
        )
    S = session.stops_per_iteration
    if state.history and state.history[-1].end_index == state.iteration * S:
        net = session.network.copy()
        net.set_params(state.start.weights, state.start.biases)
        d = session.dataset
        recorded = state.history[-1].train_cost
        measured = net.cost(d.X_train, d.Y_train)
        if not _same(recorded, measured):
            raise DataError(
                f"its parameters are not those of the stop it names: the training cost at the "
                f"end of epoch {state.history[-1].epoch} is {measured:.6g} from them, "
                f"{recorded:.6g} recorded"
            )


def _check_replay(session: Session, state: SessionState) -> None:
    """The checkpoints are one training run: replaying the iterations from the oldest one (or
    from the seed's initial parameters, at iteration 0) reaches each later one, the saved
    iteration's start included, bit for bit, with the batch costs the file recorded."""
    checkpoints = {**state.earlier, state.iteration: state.start}
    keys = sorted(checkpoints)
    if keys[0] == 0:
        first = Session(state.config, session.dataset).network
        _compare(first, checkpoints[0], 0, "the initial parameters of its seed")
    net = session.network.copy()
    ck = checkpoints[keys[0]]
    net.set_params(ck.weights, ck.biases)
    net.optimizer.load_state_dict(ck.optimizer)
    d, lr = session.dataset, session.config.lr
    for j in range(keys[0], keys[-1]):
        idx = session.batch_of(j)
        cost = net.train_batch(d.X_train[:, idx], d.Y_train[:, idx], lr)
        saved = state.iteration_costs.get(j)
        if saved is not None and not _same(saved, cost):
            raise DataError(
                f"its history is not one training run: iteration {j + 1}'s batch cost is "
                f"{cost:.6g} replayed, {saved:.6g} saved"
            )
        if j + 1 in checkpoints:
            _compare(net, checkpoints[j + 1], j + 1, f"a replay from iteration {keys[0] + 1}")


def _compare(net, ck, k: int, source: str) -> None:
    """DataError when checkpoint ``ck`` (iteration k) is not the parameters ``net`` holds."""
    for m, (W, b) in enumerate(zip(ck.weights, ck.biases, strict=True), start=1):
        if not (np.array_equal(W, net.weights[m - 1]) and np.array_equal(b, net.biases[m - 1])):
            raise DataError(
                f"its parameters are not those of the stop it names: W{sup(m)}, b{sup(m)} at the "
                f"start of iteration {k + 1} are not what {source} gives"
            )


def _check_optimizer(k: int, saved: dict, expected: dict, name: str) -> None:
    """An optimiser state that fits the network exactly (no broadcasting), finite numbers."""
    if set(saved) != set(expected):
        raise DataError(
            f"the {name} optimiser state of iteration {k} has arrays {sorted(saved)}; "
            f"expected {sorted(expected)}"
        )
    for key, value in saved.items():
        value = np.asarray(value)
        if value.shape != np.shape(expected[key]) or value.dtype.kind not in "biuf":
            raise DataError(
                f"the {name} optimiser state {key} of iteration {k} has shape {value.shape}; "
                f"expected numbers of shape {np.shape(expected[key])}"
            )
        if not np.isfinite(value).all():
            raise DataError(f"the {name} optimiser state {key} of iteration {k} is not finite")
    if "t" in saved and int(saved["t"]) != k:
        raise DataError(f"Adam's step count t of iteration {k} is {int(saved['t'])}, not {k}")


def _same(a: float, b: float) -> bool:
    """Two costs computed from the same numbers (a last-bit difference allowed; NaN = NaN)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a saved session file, with its format and version checked, and the memory
    its arrays need judged from their headers before any is loaded."""
    expected = "a session saved by bpstep (.npz)"
    try:
        require_regular(path, expected)
        with path.open("rb") as fh:
            magic = fh.read(6)
        if magic.startswith(b"\x93NUMPY"):
            raise DataError(
                f"{shown(path)}: it holds a single NumPy array, not a saved bpstep session"
            )
        if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise DataError(f"{shown(path)}: not a complete .npz file (truncated or corrupt)")
        from bpstep.datasets.files import npz_headers  # with a load, not at start-up

        npz_headers(path, expected)
    except DataError as exc:
        raise DataError(f"cannot load {exc}") from None
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise DataError(
            f"cannot load {shown(path)}: not a complete .npz file (truncated or corrupt: "
            f"{_line(exc)})"
        ) from None
    if "format" not in data or data["format"].shape != () or str(data["format"]) != FORMAT:
        raise DataError(
            f"cannot load {shown(path)}: it is an .npz file but not a saved bpstep session"
        )
    try:
        version = int(data["version"])
    except (KeyError, ValueError, TypeError):
        raise DataError(
            f"cannot load {shown(path)}: the saved session has no format version"
        ) from None
    if version > VERSION:
        raise DataError(
            f"cannot load {shown(path)}: saved by a newer bpstep (format {version}, "
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
