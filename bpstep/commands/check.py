"""``bpstep check FILE``: check the backprop a learner wrote, as they wrote it, against the engine.

FILE is a ``.py`` file or a notebook in any shape the checker recognises (bpstep's four
functions, Nielsen's network.py/network2.py, CS231n's TwoLayerNet, deeplearning.ai's
assignments, Ng's ex4 ``nnCostFunction``): see ``bpstep.checker.shapes``. The network and data
are the shape's default unless ``--preset`` or network options are given. ``--iterations K``
(default 2) batches are checked; when the learner's code reads λ and ``--l2`` is not given, it
is also checked at λ = 0.1. Per function, layer and quantity the report gives the worst relative
error against the engine and against finite differences, its band, the worst entry, the slip
that fits the numbers, and for whole-backprop code the origin of what is wrong.

Exit 0 when every result agrees, 1 when any disagrees or the learner's code fails, 2 for usage
errors (missing file, syntax error, a needed helper that cannot be imported, bad options).

``--json`` prints one document on stdout for autograders (anything the learner's code prints
goes to stderr). Its keys are stable; schema 1 (today's keys, and those marked + since)::

    {"schema": 1, "ok": bool, "file": str, "iterations": int, "threshold": 1e-6,
     "shape": str,                                   # + the shape recognised
     "network": {"sizes": [int], "activations": [str], "cost": str, "l2": float,
                 "batch_size": int, "data": str},
     "defined": [str], "fallbacks": [str],           # the learner's functions checked
     "summary": {"agree": int, "disagree": int, "error": int},
     "origin": {"function", "layer", "quantity", "slip"} | null,   # + first wrong on its own
     "untested": [str],                              # + what no batch could exercise
     "conventions": {str: str},                      # + e.g. the λ mapping, the ravel order
     "skipped": [{"where", "code", "why"}],          # + statements the loader did not run
     "also_recognised": [str], "notes": [str],       # +
     "results": [                                    # one per function, layer and quantity
        {"function": str, "layer": int|null, "status": "agree"|"disagree"|"error",
         "quantity": "delta"|"grad_W"|"grad_b"|"loss"|"output",          # +
         "slip": str|null, "follows": bool, "part": str|null,            # +
         "slip_details": {...}, "l2": float, "tolerance": float,         # +
         "iteration": int, "expected_shape": [int],
         "rel_error": float|null, "fd_rel_error": float|null,
         "band": "good"|"ok"|"suspicious"|"wrong"|null,
         "first_wrong": {"index": [int], "yours": float, "reference": float}|null,
         "worst": {"index": [int], "yours": float, "reference": float}|null,   # +
         "hint": str|null, "message": str|null, "warnings": [str], "notes": [str]}]}

Indices are 0-based in JSON, 1-based ([row,col]) in the text report; non-finite numbers are null.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys

from bpstep.checker.runner import TIME_LIMIT
from bpstep.commands.common import make_console, overrides_from_args
from bpstep.commands.train import positive_int
from bpstep.engine.errors import ConfigError

STYLES = {
    "": "",
    "title": "bold",
    "dim": "dim",
    "header": "bold",
    "agree": "bold green",
    "disagree": "bold red",
    "error": "bold magenta",
    "slip": "cyan",
    "hint": "bold yellow",
    "warning": "yellow",
    "ok": "bold green",
    "bad": "bold red",
}


def time_limit(text: object) -> float | None:
    """--time-limit: seconds ≥ 0 (0: none). ConfigError otherwise."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ConfigError(
            f"--time-limit must be a number of seconds ≥ 0 (0 for no limit), not {text!r}"
        )
    return value or None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("check")
    g.add_argument(
        "file",
        metavar="FILE",
        help="your backprop (.py or .ipynb): bpstep's four functions, a Nielsen network class, "
        "a CS231n TwoLayerNet, deeplearning.ai's functions or an ex4 nnCostFunction",
    )
    g.add_argument("--iterations", metavar="K", default=2, help="batches to check (default 2)")
    g.add_argument("--json", action="store_true", help="one JSON document, for autograders")
    g.add_argument(
        "--shape",
        metavar="NAME",
        default=None,
        help="which shape to check when a file has several: functions, nielsen, cs231n, ng_ex4, "
        "dlai_two_layer, dlai_L_layer, dlai_gradcheck",
    )
    g.add_argument(
        "--time-limit",
        metavar="SECONDS",
        default=TIME_LIMIT,
        help=f"stop your code after this long, as an endless loop (default {TIME_LIMIT:g}; 0 for "
        "no limit)",
    )


def run(args: argparse.Namespace, console=None) -> int:
    """0 all agree, 1 any disagreement or failure of the learner's code; BpstepError → exit 2.

    The check is ``bpstep.check``'s own (``bpstep.session.grading.grade``): only the parsing of
    the options and the printing are the command's."""
    from bpstep.session.grading import GradingOptions, grade

    options = GradingOptions(
        overrides=overrides_from_args(args),
        preset=getattr(args, "preset", None),
        load=getattr(args, "load", None),
        iterations=positive_int(args.iterations, "--iterations"),
        shape=args.shape,
        time_limit=time_limit(args.time_limit),
    )
    # with --json, stdout carries only the document: the learner's prints go to stderr
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with quiet:
        report = grade(args.file, options)  # UserCodeError, ConfigError → exit 2
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(console or make_console(), report)
    return 0 if report.ok else 1


def print_report(console, report) -> None:
    """The report's text, coloured by what each piece is (plain text on a pipe)."""
    from rich.text import Text

    text = Text.assemble(*[(t, STYLES.get(kind, "")) for t, kind in report.segments()])
    console.print(text, end="", soft_wrap=True)
