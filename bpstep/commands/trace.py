"""``bpstep trace``: every stop of K iterations, as Rich text for people or JSON lines."""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from bpstep.commands.common import make_console, session_from_args
from bpstep.commands.train import positive_int
from bpstep.engine.errors import ConfigError
from bpstep.notation import equation, lesson_note, tensor_label
from bpstep.session.explain import explain, stop_for
from bpstep.session.tensors import summary

FULL_VALUES = 10_000  # tensors up to this many entries are written in full in --json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("trace")
    g.add_argument("--iterations", metavar="K", default=1, help="iterations to trace (default 1)")
    g.add_argument("--json", action="store_true", help="one JSON object per stop per line")
    g.add_argument(
        "--explain",
        metavar="m,NAME,i,j",
        default=None,
        help="print the arithmetic behind entry i, j (0-based) of tensor NAME (as in --json: "
        "z, a, fprime, dC_da, delta, grad_W, grad_b, dW, W_after …, or J) of layer m, at the "
        "first stop of the iteration that computes it; e.g. 1,delta,1,0",
    )


def _clean(x):
    """JSON has no NaN or infinity: they become null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def stop_record(stop, session) -> dict:
    eq, shapes = equation(stop.event, session.network)
    tensors = {}
    for name, value in session.stop_tensors().items():
        value = np.asarray(value, dtype=float)
        entry = {"shape": list(value.shape), **{k: _clean(v) for k, v in summary(value).items()}}
        if value.size <= FULL_VALUES:
            entry["values"] = _clean(value.tolist())
        tensors[name] = entry
    return {
        "index": stop.index,
        "epoch": stop.epoch,
        "iteration": stop.iteration + 1,  # 1-based, as printed
        "phase": stop.phase.value,
        "layer": stop.layer,
        "equation": eq,
        "shapes": shapes,
        "batch": [int(i) for i in session.batch_indices],
        "batch_cost": _clean(stop.batch_cost),
        "message": stop.message,
        "tensors": tensors,
    }


def parse_explain(text: str) -> tuple[int, str, int, int]:
    """``m,NAME,i,j`` → (m, NAME, i, j); ConfigError (one line) otherwise."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if len(parts) != 4:
            raise ValueError
        m, name, i, j = int(parts[0]), parts[1], int(parts[2]), int(parts[3])
    except ValueError:
        raise ConfigError(
            f"--explain takes m,NAME,i,j such as 1,delta,1,0 (the layer, a tensor name as in "
            f"trace --json, a 0-based entry), got {text!r}"
        ) from None
    return m, name, i, j


def run_explain(args: argparse.Namespace) -> int:
    """Step to the first stop that computes the entry and print its arithmetic."""
    m, name, i, j = parse_explain(args.explain)
    session = session_from_args(args)
    if not 1 <= m <= session.L:
        raise ConfigError(f"--explain: the layer m must be 1..{session.L}, got {m}")
    target = stop_for(name, m, session.L)
    for _ in range(session.stops_per_iteration):
        if session.step().id == target:
            break
    ex = explain(session, m, name, i, j)
    if args.json:
        sys.stdout.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(ex.text + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.explain is not None:
        return run_explain(args)
    k = positive_int(args.iterations, "--iterations")
    session = session_from_args(args)
    target = session.index + k * session.stops_per_iteration
    console = None if args.json else make_console()
    while session.index < target:
        stop = session.step()
        if args.json:
            sys.stdout.write(json.dumps(stop_record(stop, session), ensure_ascii=False) + "\n")
        elif console is not None:
            _print_stop(console, stop, session)
            if console.quiet:  # the reader of the output has gone (`bpstep trace | head`)
                break
        problem = session.nonfinite_here()
        if problem:
            print(f"bpstep: trace stopped: {problem}", file=sys.stderr)
            break
    sys.stdout.flush()
    return 0


def _print_stop(console, stop, session) -> None:
    # Rich is imported when a command prints: every `bpstep` (the debugger too) imports the
    # command modules to build its --help, and should not pay for Rich there
    from rich.rule import Rule
    from rich.text import Text

    where = f"{stop.phase.value}" + (f" m={stop.layer}" if stop.layer else "")
    console.print(
        Rule(f"{where} · epoch {stop.epoch} · iteration {stop.iteration + 1}", align="left")
    )
    eq, shapes = equation(stop.event, session.network)
    console.print(Text(eq, style="bold"))
    console.print(Text(shapes, style="dim"))
    regularised = bool(session.network.l2)
    note = lesson_note(stop.event, len(session.batch_indices), regularised)
    if note:
        console.print(Text(note, style="dim"))
    for name, value in session.stop_tensors().items():
        value = np.asarray(value, dtype=float)
        s = summary(value)
        label = tensor_label(name, stop.layer or session.L, regularised)
        console.print(
            Text(
                f"{label} ({'×'.join(map(str, value.shape))})  min {s['min']:.4g}  "
                f"max {s['max']:.4g}  mean {s['mean']:.4g}  ‖·‖ {s['norm']:.4g}",
                style="cyan",
            )
        )
        console.print(Text(abbreviate(value)))


def abbreviate(x: np.ndarray, rows: int = 6, cols: int = 6, precision: int = 4) -> str:
    """A matrix as text, at most ``rows``×``cols`` entries with ellipses for the rest."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    r, c = x.shape
    ri = list(range(r)) if r <= rows else [*range(rows // 2), -1, *range(r - rows // 2, r)]
    ci = list(range(c)) if c <= cols else [*range(cols // 2), -1, *range(c - cols // 2, c)]
    width = precision + 7
    lines = []
    for i in ri:
        if i == -1:
            lines.append(" " * 2 + "⋮")
            continue
        cells = []
        for j in ci:
            cells.append("…".rjust(width) if j == -1 else f"{x[i, j]:{width}.{precision}g}")
        lines.append("".join(cells))
    return "\n".join(lines)
