"""``bpstep.check(source, **options)``: the autograder API, and what ``bpstep check`` runs.

::

    import bpstep
    report = bpstep.check("backprop.py")                 # a file, checked in a sandbox
    report = bpstep.check(TwoLayerNet, l2=0.1)           # a notebook's class (or an object of it)
    report = bpstep.check({"output_delta": output_delta, "hidden_delta": hidden_delta})
    report.ok, report.results, report.to_json(), str(report)   # in a notebook: a table

The source is a path (``.py`` or ``.ipynb``: loaded and run in the sandbox's child process,
exactly as ``bpstep check FILE``), or code that lives in this process: a module, a class or an
object of it (its *class* is checked, on fresh objects, as for a file), a function, or a dict of
functions by name. A notebook's definitions cannot be sent to a child process, so these run in
this process behind the sandbox's interface (``bpstep.checker.inprocess``: the time limit stops
Python lines only, and the report's notes say so).

The options are the command line's, by their Python names: the network (``layers``,
``activation``, ``cost``, ``l2``, ``data``, ``lr``, ``batch_size``, ``optimizer``, ``init``,
``seed``), ``preset`` or ``load`` (a saved session), ``iterations`` (batches checked, default 2),
``shape`` (which shape, when the code has several) and ``time_limit`` (seconds per call of the
learner's code, default 10; None or 0 for none). Without network options the shape's default
network and data are used. A bad option or source is a :class:`~bpstep.BpstepError` with one
line (``ConfigError``; ``UserCodeError`` when the learner's code cannot be checked: a missing
file, a syntax error, nothing recognised); a failure of the learner's code is a result in the
report, not an exception.

``bpstep check`` parses its options and calls :func:`grade`, as :func:`check` does: one path.
"""

from __future__ import annotations

import difflib
import math
import operator
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bpstep.checker.runner import TIME_LIMIT
from bpstep.engine.errors import ConfigError
from bpstep.session.config import NETWORK_OPTIONS

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker import CheckReport, LearnerCode
    from bpstep.session.session import Session

OPTIONS = (*NETWORK_OPTIONS, "preset", "load", "iterations", "shape", "time_limit")
ITERATIONS = 2
# the courses' names for an option, for the "did you mean" of an unknown one
ALIASES = {
    **dict.fromkeys(("lambda", "lmbda", "lamda", "lam", "reg", "weight_decay"), "l2"),
    **dict.fromkeys(("eta", "alpha", "learning_rate"), "lr"),
    **dict.fromkeys(("sizes", "hidden", "layer_sizes"), "layers"),
    **dict.fromkeys(("loss", "cost_function"), "cost"),
    **dict.fromkeys(("timeout", "limit"), "time_limit"),
}


@dataclass
class GradingOptions:
    """What a check runs on, parsed (from Python values or from the command line)."""

    overrides: dict[str, Any] = field(default_factory=dict)  # the network options given
    preset: str | None = None
    load: str | None = None  # a saved session (.npz) to check on
    iterations: int = ITERATIONS
    shape: str | None = None
    time_limit: float | None = TIME_LIMIT  # None: no limit

    @classmethod
    def from_python(cls, **options: Any) -> GradingOptions:
        """The options of :func:`check`, checked; ConfigError (one line) for a bad one."""
        unknown = [k for k in options if k not in OPTIONS]
        if unknown:
            close = ALIASES.get(unknown[0].lower().rstrip("_"))
            close = close or next(iter(difflib.get_close_matches(unknown[0], OPTIONS, n=1)), None)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise ConfigError(
                f"unknown option {unknown[0]!r}{hint}; accepted: {', '.join(OPTIONS)}"
            )
        given = {k: v for k, v in options.items() if v is not None}
        overrides = {k: _network_value(k, given[k]) for k in NETWORK_OPTIONS if k in given}
        return cls(
            overrides=overrides,
            preset=_text(given, "preset"),
            load=_path(given["load"], "load") if "load" in given else None,
            iterations=_iterations(given.get("iterations", ITERATIONS)),
            shape=_text(given, "shape"),
            time_limit=_time_limit(options.get("time_limit", TIME_LIMIT)),
        )


# ---------------------------------------------------------------------------- checking


def check(source: object, **options: Any) -> CheckReport:
    """Check the backprop in ``source`` against the engine (see the module docstring).

    Returns the :class:`~bpstep.checker.CheckReport` (``.ok``, ``.results``, ``.to_json()``,
    ``str()``; a table in a notebook). Raises a BpstepError subclass, one line naming the
    option by its Python name, for a bad option or a source that cannot be checked.
    """
    parsed = GradingOptions.from_python(**options)
    try:
        return grade(source, parsed)
    except ConfigError as exc:  # the session's checks name the command line's options
        raise ConfigError(python_words(str(exc))) from None


def grade(source: object, options: GradingOptions) -> CheckReport:
    """The check itself, for :func:`check` and ``bpstep check``: load the source (a path in the
    sandbox, anything else in this process), build the session, step ``options.iterations``
    iterations checking each batch, close the learner's code."""
    from bpstep.checker import Options, load_object
    from bpstep.session.usergrads import check_session, load_user_module

    if isinstance(source, str | os.PathLike):
        code = load_user_module(os.fspath(source), options.time_limit, options.shape)
    else:
        code = load_object(source, options.time_limit, options.shape)
    try:
        session = session_for_check(code, options)
        probe = Options() if "l2" not in options.overrides else Options(probe_l2=None)
        return check_session(code, session, options.iterations, probe)
    finally:
        code.close()


def session_for_check(code: LearnerCode, options: GradingOptions) -> Session:
    """The session the check steps: a saved one (``load``), else the shape's default network
    and data, or the preset, with the network options given (ConfigError when they do not fit
    the learner's shape)."""
    from bpstep.session.saveload import load_session
    from bpstep.session.usergrads import incompatible, session_for

    if options.load is None:
        return session_for(code, options.preset, options.overrides)
    given = sorted(options.overrides) + (["preset"] if options.preset else [])
    if given:
        names = ", ".join("--" + n.replace("_", "-") for n in given)
        raise ConfigError(
            f"--load continues a saved session as it was; it cannot be combined with {names}"
        )
    session = load_session(options.load)
    why = incompatible(code, session.network)
    if why is not None:
        raise ConfigError(why)
    return session


def python_words(message: str) -> str:
    """A message's command-line option names as :func:`check`'s (``--batch-size`` →
    ``batch_size``)."""
    return re.sub(r"--([a-z][a-z0-9-]*)", lambda m: m.group(1).replace("-", "_"), message)


# ---------------------------------------------------------------------------- the values


def _network_value(name: str, value: Any) -> Any:
    """A network option as the session's configuration takes it (validated there)."""
    if name == "layers" and isinstance(value, str):
        try:
            return [int(p) for p in value.split(",")]
        except ValueError:
            raise ConfigError(
                f"layers must be integers such as [2, 3, 1] or '2,3,1', got {value!r}"
            ) from None
    if name == "layers" and isinstance(value, Sequence):
        return [_index(v) for v in value]
    if name == "activation" and isinstance(value, str) and "," in value:
        return [p.strip() for p in value.split(",")]
    if name == "activation" and isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    if name == "data" and isinstance(value, os.PathLike):
        return os.fspath(value)
    if name in ("batch_size", "seed"):
        return _index(value)
    return value


def _index(value: Any) -> Any:
    """An integer (NumPy's too) as int; anything else unchanged, for the validation to name."""
    if isinstance(value, bool):
        return value
    try:
        return operator.index(value)
    except TypeError:
        return value


def _text(given: dict[str, Any], name: str) -> str | None:
    if name not in given:
        return None
    value = given[name]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} must be a name (a str), got {value!r}")
    return value


def _path(value: Any, name: str) -> str:
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise ConfigError(f"{name} must be a path (a str or a Path), got {value!r}")
    return str(os.fspath(value))


def _iterations(value: Any) -> int:
    n = _index(value)
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ConfigError(f"iterations must be a positive integer, got {value!r}")
    return n


def _time_limit(value: Any) -> float | None:
    """Seconds > 0, or None / 0 for no limit."""
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ConfigError(
            f"time_limit must be a number of seconds ≥ 0 (0 or None for no limit), got {value!r}"
        )
    return float(value) or None


__all__ = ["OPTIONS", "GradingOptions", "check", "grade", "python_words"]
