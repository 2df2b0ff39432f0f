"""``bpstep check FILE``: check hand-derived gradient functions against the engine.

Runs ``--iterations K`` iterations (default 1) of the chosen network (default preset xor),
calls the learner's functions at every backward stop with the engine's own inputs, and prints
per function and layer the worst relative error against the engine and against finite
differences, its CS231n band, the first wrong entry and a hint where a common slip fits.

Exit 0 when every function agrees (relative error < 1e-6) at every layer and iteration, 1 when
any disagrees or the learner's code fails (raises, wrong shape/type, None, unknown argument),
2 for usage errors (missing file, syntax error, a module that fails to import, bad options).

``--json`` prints one document on stdout for autograders (anything the learner's code prints
goes to stderr). Its keys are stable; schema 1::

    {"schema": 1,
     "ok": bool,                       # every result agrees
     "file": str, "iterations": int, "threshold": 1e-6,
     "network": {"sizes": [int], "activations": [str], "cost": str, "l2": float,
                 "batch_size": int, "data": str},
     "defined": [str], "fallbacks": [str],          # function names, in the order below
     "summary": {"agree": int, "disagree": int, "error": int},
     "results": [                                   # one per function and layer, m = L..1:
        {"function": "output_delta"|"hidden_delta"|"weight_grad"|"bias_grad",
         "layer": int, "status": "agree"|"disagree"|"error",
         "iteration": int,                          # the worst iteration (global, 0-based)
         "expected_shape": [int],
         "rel_error": float|null,                   # worst, against the engine
         "fd_rel_error": float|null,                # worst, against finite differences
         "band": "good"|"ok"|"suspicious"|"wrong"|null,
         "first_wrong": {"index": [int], "yours": float, "reference": float}|null,
                                                    # index is 0-based (NumPy's)
         "hint": str|null, "message": str|null, "warnings": [str]}]}

Non-finite numbers are written as null. In the Rich report entries are 1-based ([row,col]).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys

from bpstep.commands.common import make_console, session_from_args
from bpstep.commands.train import positive_int
from bpstep.engine.errors import ConfigError
from bpstep.session.deadline import TIME_LIMIT

SCHEMA = 1


def time_limit(text) -> float | None:
    """--time-limit: seconds ≥ 0 (0: none). UsageError otherwise."""
    try:
        value = float(text)
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
        help="your gradient module (.py) defining any of output_delta, hidden_delta, "
        "weight_grad, bias_grad",
    )
    g.add_argument("--iterations", metavar="K", default=1, help="iterations to check (default 1)")
    g.add_argument("--json", action="store_true", help="one JSON document, for autograders")
    g.add_argument(
        "--time-limit",
        metavar="SECONDS",
        default=TIME_LIMIT,
        help=f"stop each of your functions after this long, as an endless loop (default "
        f"{TIME_LIMIT:g}; 0 for no limit)",
    )


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def to_json(report, session) -> dict:
    """The ``--json`` document (see the module docstring)."""
    from bpstep.session.usergrads import AGREE

    net = session.network
    worst = report.worst()
    return {
        "schema": SCHEMA,
        "ok": report.ok,
        "file": str(report.module.path),
        "iterations": report.iterations,
        "threshold": AGREE,
        "network": {
            "sizes": list(net.sizes),
            "activations": list(net.activation_names),
            "cost": net.cost_name,
            "l2": float(net.l2),
            "batch_size": int(session.config.batch_size),
            "data": str(session.config.data),
        },
        "defined": report.module.defined,
        "fallbacks": report.module.fallbacks,
        "summary": {s: sum(f.status == s for f in worst) for s in ("agree", "disagree", "error")},
        "results": [
            {
                "function": f.function,
                "layer": f.layer,
                "status": f.status,
                "iteration": f.iteration,
                "expected_shape": list(f.expected_shape),
                "rel_error": _num(f.rel_error),
                "fd_rel_error": _num(f.fd_rel_error),
                "band": f.band,
                "first_wrong": None
                if f.first_wrong is None
                else {
                    "index": list(f.first_wrong[0]),
                    "yours": _num(f.first_wrong[1]),
                    "reference": _num(f.first_wrong[2]),
                },
                "hint": f.hint,
                "message": f.message,
                "warnings": list(f.warnings),
            }
            for f in worst
        ],
    }


def run(args: argparse.Namespace, console=None) -> int:
    """0 all agree, 1 any disagreement or failure of the learner's code; BpstepError → exit 2."""
    from bpstep.session.usergrads import check_session, load_user_module

    k = positive_int(args.iterations, "--iterations")
    limit = time_limit(args.time_limit)
    session = session_from_args(args)  # bad options first: they are usage errors too
    # with --json, stdout carries only the document: the learner's prints go to stderr
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with quiet:
        module = load_user_module(args.file, limit)  # UserCodeError → exit 2 with file:line
        report = check_session(module, session, k)
    if args.json:
        sys.stdout.write(json.dumps(to_json(report, session), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(console or make_console(), report, session)
    return 0 if report.ok else 1


STATUS_STYLE = {"agree": "bold green", "disagree": "bold red", "error": "bold magenta"}
BAND_STYLE = {"good": "green", "ok": "green", "suspicious": "yellow", "wrong": "red"}


def _entry(f) -> str:
    if f.first_wrong is None:
        return "—"
    idx, yours, ref = f.first_wrong
    at = ",".join(str(i + 1) for i in idx)
    return f"[{at}] {yours:.4g} / {ref:.4g}"


def print_report(console, report, session) -> None:
    """A Rich table, one row per function and layer, then what went wrong and a hint."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    net = session.network
    um = report.module
    console.print(
        Text.assemble(
            ("checking ", "dim"),
            (str(um.path), "bold"),
            ("\non ", "dim"),
            f"{'-'.join(map(str, net.sizes))} {','.join(dict.fromkeys(net.activation_names))}, "
            f"{net.cost_name}, λ = {net.l2:g}, batch {session.config.batch_size}, "
            f"{report.iterations} iteration{'s' if report.iterations != 1 else ''}",
        )
    )
    if um.fallbacks:
        console.print(
            Text(f"not defined (the engine's are used): {', '.join(um.fallbacks)}", style="dim")
        )
    worst = report.worst()
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("function")
    table.add_column("layer")
    table.add_column("result")
    table.add_column("rel. error", justify="right")
    table.add_column("vs fin. diff.", justify="right")
    table.add_column("band")
    table.add_column("first wrong: yours / ref.", no_wrap=True)
    notes = []
    for f in worst:
        table.add_row(
            f.function,
            f.symbol,
            Text(f.status, style=STATUS_STYLE[f.status]),
            "—" if f.rel_error is None else f"{f.rel_error:.2e}",
            "—" if f.fd_rel_error is None else f"{f.fd_rel_error:.2e}",
            Text(f.band or "—", style=BAND_STYLE.get(f.band or "", "")),
            _entry(f),
        )
        lines = []
        if not f.ok:
            if f.message:
                lines.append(("", f.message))
            if f.hint:
                lines.append(("hint: ", f.hint))
        lines += [("warning: ", w) for w in f.warnings]
        if lines:
            notes.append((f"{f.function} at {f.symbol}", lines))
    console.print(table)
    for title, lines in notes:
        console.print(Text(title, style="bold"))
        for label, line in lines:
            console.print(Text.assemble("  ", (label, "bold yellow"), line))
    bad = sum(not f.ok for f in worst)
    verdict = "all agree" if report.ok else f"{bad} of {len(worst)} disagree or fail"
    console.print(
        Text(
            f"{verdict} (agreement: relative error < 1e-6)",
            style="bold green" if report.ok else "bold red",
        )
    )
