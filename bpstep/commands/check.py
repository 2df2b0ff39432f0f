"""``bpstep check FILE``: check hand-derived gradient functions against the engine.

Exit 0 when every function agrees (relative error < 1e-6) at every layer, 1 when any disagrees or
the learner's code fails, 2 for usage errors (missing file, syntax error, bad options).

``--json`` prints one document for autograders::

    {"ok": bool, "file": str, "iterations": int, "defined": [...], "fallbacks": [...],
     "results": [{"function", "layer", "status": "agree"|"disagree"|"error",
                  "expected_shape", "rel_error", "fd_rel_error", "band",
                  "first_wrong": {"index", "yours", "reference"} | null,
                  "hint", "message"}]}
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from bpstep.commands.common import make_console, session_from_args
from bpstep.commands.train import positive_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("check")
    g.add_argument("file", metavar="FILE", help="your gradient module (.py)")
    g.add_argument("--iterations", metavar="K", default=1, help="iterations to check (default 1)")
    g.add_argument("--json", action="store_true", help="one JSON document, for autograders")


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def to_json(report) -> dict:
    return {
        "ok": report.ok,
        "file": str(report.module.path),
        "iterations": report.iterations,
        "defined": report.module.defined,
        "fallbacks": report.module.fallbacks,
        "results": [
            {
                "function": f.function,
                "layer": f.layer,
                "status": f.status,
                "expected_shape": list(f.expected_shape),
                "rel_error": _num(f.rel_error),
                "fd_rel_error": _num(f.fd_rel_error),
                "band": f.band,
                "first_wrong": None
                if f.first_wrong is None
                else {
                    "index": list(f.first_wrong[0]),
                    "yours": f.first_wrong[1],
                    "reference": f.first_wrong[2],
                },
                "hint": f.hint,
                "message": f.message,
            }
            for f in report.worst()
        ],
    }


def run(args: argparse.Namespace) -> int:
    from bpstep.session.usergrads import check_session, load_user_module

    k = positive_int(args.iterations, "--iterations")
    module = load_user_module(args.file)  # UserCodeError → exit 2 with file:line
    session = session_from_args(args)
    report = check_session(module, session, k)
    if args.json:
        sys.stdout.write(json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(make_console(), report, session)
    return 0 if report.ok else 1


STATUS_STYLE = {"agree": "bold green", "disagree": "bold red", "error": "bold magenta"}


def print_report(console, report, session) -> None:
    from rich.table import Table
    from rich.text import Text

    net = session.network
    um = report.module
    console.print(
        Text.assemble(
            ("checking ", "dim"),
            (str(um.path), "bold"),
            ("  on ", "dim"),
            f"{'-'.join(map(str, net.sizes))} {','.join(dict.fromkeys(net.activation_names))}, "
            f"{net.cost_name}, λ = {net.l2:g}, {report.iterations} iteration(s)",
        )
    )
    if um.fallbacks:
        console.print(
            Text(f"not defined (the engine's are used): {', '.join(um.fallbacks)}", style="dim")
        )
    table = Table(show_lines=False, pad_edge=False)
    for col in ("function", "layer", "result", "rel. error", "vs finite diff.", "band"):
        table.add_column(col)
    notes = []
    for f in report.worst():
        rel = "—" if f.rel_error is None else f"{f.rel_error:.2e}"
        fd = "—" if f.fd_rel_error is None else f"{f.fd_rel_error:.2e}"
        table.add_row(
            f.function,
            f"{f.symbol}",
            Text(f.status, style=STATUS_STYLE[f.status]),
            rel,
            fd,
            f.band or "—",
        )
        if not f.ok:
            lines = []
            if f.message:
                lines.append(f.message)
            if f.first_wrong is not None:
                idx, yours, ref = f.first_wrong
                at = ",".join(str(i + 1) for i in idx)
                lines.append(f"first wrong entry [{at}]: yours {yours:.6g}, reference {ref:.6g}")
            if f.hint:
                lines.append(f"hint: {f.hint}")
            notes.append((f"{f.function} at {f.symbol}", lines))
    console.print(table)
    for title, lines in notes:
        console.print(Text(title, style="bold"))
        for line in lines:
            console.print(Text("  " + line), markup=False)
    good = sum(f.ok for f in report.worst())
    total = len(report.worst())
    verdict = "all agree" if report.ok else f"{total - good} of {total} disagree or fail"
    console.print(
        Text(
            f"{verdict} (agreement: relative error < 1e-6)",
            style="bold green" if report.ok else "bold red",
        )
    )
