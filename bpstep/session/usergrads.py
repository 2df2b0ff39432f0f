"""The learner's backprop checked at the session's stops: what the TUI and ``bpstep check`` call.

The checking itself is :mod:`bpstep.checker`; this module steps a session and hands the
checker each batch with the parameters it was computed on. The TUI-facing API:

    code = load_user_module(path, time_limit)
        # the learner's file loaded (in a sandbox) and its shape recognised; UserCodeError
        # (a BpstepError, one line) when it cannot be checked. code.interrupt() stops a call of
        # the learner's code running now (in any thread); code.close() ends the sandbox.
    results = check_event(code, event, network, X, Y, iteration)
        # at a backward stop of layer m: the learner's values for that layer (the loss is
        # given at m = L), a list of checker.Result with .function .layer .quantity .status
        # .ok .symbol .rel_error .band .fd_rel_error .message .first_wrong .worst .hint .slip
        # .follows .warnings .notes .user_value .reference. Whole-backprop code (a Nielsen
        # class, a CS231n net…) runs once per batch; every layer's stop reads that run.
    problem = incompatible(code, network)
        # None, or one line saying why the learner's shape cannot run on this network
    session = session_for(code, preset, overrides)
        # the session to check on: the shape's default network and data unless a preset or
        # network options are given (ConfigError when they do not fit the shape)

and for ``bpstep check``: ``check_session(code, session, iterations)`` → ``CheckReport``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from bpstep.checker import (
    Checked,
    CheckReport,
    LearnerCode,
    Options,
    Problem,
    Result,
    Status,
    load,
)
from bpstep.checker.runner import TIME_LIMIT
from bpstep.engine.errors import ConfigError
from bpstep.engine.events import BackwardEvent
from bpstep.engine.network import Network
from bpstep.session.config import SessionConfig
from bpstep.session.presets import build_config
from bpstep.session.session import Session
from bpstep.session.timeline import Phase

__all__ = [
    "TIME_LIMIT",
    "check_event",
    "check_session",
    "incompatible",
    "load_user_module",
    "session_for",
]


def load_user_module(
    path: str | Path,
    time_limit: float | None = TIME_LIMIT,
    shape: str | None = None,
    stderr: int | IO[Any] | None = None,
) -> LearnerCode:
    """Load the learner's file and recognise its shape (see the module docstring).

    ``stderr``: where the learner's prints go (None: our stderr; the debugger gives a file).
    """
    return load(path, time_limit, shape, stderr=stderr)


def incompatible(code: LearnerCode, network: Network) -> str | None:
    """None when the learner's shape runs on ``network``, else one line saying why not."""
    return code.shape.fits(code.found, Problem.of(network))


def session_for(
    code: LearnerCode, preset: str | None = None, overrides: dict | None = None
) -> Session:
    """A session on the shape's default network and data, or on ``preset``, with
    ``overrides`` (the network options given); ConfigError when it does not fit the shape."""
    overrides = dict(overrides or {})
    defaults = code.shape.defaults(code.found)
    if preset is not None or "preset" in defaults:
        config = build_config(preset or defaults["preset"], **overrides)
    else:
        config = replace(SessionConfig(**defaults), **overrides)
        if "data" in overrides and "layers" not in overrides:
            config.layers = None  # the sizes follow the data given
        config.validate()
    session = Session(config)
    why = incompatible(code, session.network)
    if why is not None:
        raise ConfigError(why)
    return session


def batch_checked(
    code: LearnerCode,
    network: Network,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int,
    options: Options,
) -> Checked:
    """The learner's code checked on one batch with ``network``'s parameters (cached: every
    backward stop of an iteration reads the same check)."""
    params = network.get_params()
    key = (iteration, _fingerprint(params, X, Y), network.l2, options.probe_l2)
    with code.lock:
        if key in code.cache:
            return code.cache[key]
    problem = Problem.of(network, options.n_train)
    why = code.shape.fits(code.found, problem)
    if why is not None:
        checked = Checked([Result(code.functions[0], None, None, Status.ERROR, message=why)])
    else:
        checked = code.shape.check(code, problem, params, X, Y, iteration, options)
    with code.lock:
        if len(code.cache) > 16:
            code.cache.pop(next(iter(code.cache)))
        code.cache[key] = checked
    return checked


def _fingerprint(params: tuple[list[np.ndarray], list[np.ndarray]], *arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in [*params[0], *params[1], *arrays]:
        a = np.ascontiguousarray(a, dtype=np.float64)
        h.update(repr(a.shape).encode())
        h.update(a.data)
    return h.hexdigest()


def check_event(
    code: LearnerCode,
    ev: BackwardEvent,
    network: Network,
    X: np.ndarray,
    Y: np.ndarray,
    iteration: int = 0,
    options: Options | None = None,
) -> list[Result]:
    """The learner's results at the backward stop of ``ev`` (see the module docstring).

    In the debugger λ is the session's own: a function that reads λ while λ = 0 gets the note
    "λ term not tested" rather than a check at another λ (``bpstep check`` tries one).
    """
    options = options or Options(probe_l2=None)
    checked = batch_checked(code, network, X, Y, iteration, options)
    m, L = ev.layer, network.L
    out = [r for r in checked.results if r.layer == m or (r.layer is None and m == L)]
    for u in checked.untested:  # said once at the stop, by the first result it concerns
        first = next((r for r in out if r.function in u), None)
        if first is not None and f"untested: {u}" not in first.notes:
            first.notes.append(f"untested: {u}")
    return out


def new_report(code: LearnerCode, session: Session, iterations: int) -> CheckReport:
    net = session.network
    network = {
        "sizes": list(net.sizes),
        "activations": list(net.activation_names),
        "cost": net.cost_name,
        "l2": float(net.l2),
        "batch_size": int(session.batch_size),
        "data": str(session.config.data),
    }
    return CheckReport(
        file=code.label,
        shape=code.shape.name,
        shape_title=code.shape.title,
        network=network,
        iterations=iterations,
        defined=code.functions,
        fallbacks=code.fallbacks,
        also=list(code.also),
        skipped=code.skipped,
        notes=list(code.notes),
    )


def check_session(
    code: LearnerCode, session: Session, iterations: int = 2, options: Options | None = None
) -> CheckReport:
    """Step ``iterations`` whole iterations (3L + 1 stops each) from the session's current stop,
    checking each batch at its first backward stop (the parameters it is computed with)."""
    options = options or Options()
    if options.n_train is None:
        options = replace(options, n_train=session.n_train)
    report = new_report(code, session, iterations)
    for _ in range(iterations * (3 * session.network.L + 1)):
        stop = session.step()
        X, Y = session.X_batch, session.Y_batch
        if stop.id.phase is Phase.BACKWARD and stop.layer == session.network.L:
            assert X is not None and Y is not None  # a backward stop has its batch
            checked = batch_checked(code, session.network, X, Y, stop.global_iteration, options)
            report.add(checked, stop.global_iteration)
    return report
