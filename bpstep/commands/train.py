"""``bpstep train``: train for N epochs, print the cost table, save the session atomically."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bpstep.commands.common import is_terminal, make_console, session_from_args
from bpstep.engine.errors import ConfigError
from bpstep.session import RunReason, RunResult, save_session
from bpstep.session.saveload import save_path
from bpstep.session.watches import parse_watch

EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C (128 + SIGINT)

if TYPE_CHECKING:  # pragma: no cover
    from rich.table import Table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("train")
    g.add_argument("--epochs", metavar="N", default=1, help="epochs to train (default 1)")
    g.add_argument(
        "--save",
        metavar="FILE",
        help="save the session here afterwards (.npz), also where a watch stopped the run",
    )
    g.add_argument(
        "--watch",
        metavar="SPEC",
        action="append",
        default=[],
        help="stop where it fires: delta<1e-3 (vanishing), grad_W:2>10 (exploding, layer 2), "
        "cost (training cost rising); repeatable",
    )


def positive_int(value: object, option: str) -> int:
    try:
        n = int(str(value))
    except ValueError:
        raise ConfigError(f"{option} must be a positive integer, got {value!r}") from None
    if n <= 0:
        raise ConfigError(f"{option} must be a positive integer, got {value!r}")
    return n


def describe(session) -> str:
    c, net = session.config, session.network
    acts = ",".join(dict.fromkeys(net.activation_names))
    extra = f", λ = {net.l2:g}" if net.l2 else ""
    return (
        f"{'-'.join(map(str, net.sizes))} {acts}, {net.cost_name} cost, {c.optimizer} "
        f"α = {c.lr:g}, batch {session.batch_size}{extra}; {session.dataset.summary()}"
    )


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.1f}%" if pct else f"{x:.6f}"


def run(args: argparse.Namespace) -> int:
    """Train, print the table, save; exit 1 when a watch or a non-finite value stopped it, 130
    when Ctrl-C did (after saving where it stopped, with --save)."""
    epochs = positive_int(args.epochs, "--epochs")
    watches = [parse_watch(spec) for spec in args.watch]  # bad specs: usage errors, before work
    # a save that cannot happen is found before the training, not after it
    target = save_path(args.save) if args.save else None
    session = session_from_args(args)
    for w in watches:
        if not isinstance(w, str):
            w.check_layer(session.L)
        session.watches.add(w)
    console = make_console()
    console.print(describe(session))
    regularised = bool(session.network.l2)
    table = _table(regularised)
    with ctrl_c_cancels() as cancel:
        result = _train(session, epochs, table, regularised, console, cancel)
    console.print(table)
    reason = result.reason if result is not None else RunReason.DONE
    if reason not in (RunReason.DONE, RunReason.CANCELLED) and result is not None:
        print(f"bpstep: training stopped: {result.message}", file=sys.stderr)
    if target is not None:
        _save(session, target, reason, console)
    if reason is RunReason.CANCELLED:
        st = session.stop
        print(
            f"bpstep: interrupted at epoch {st.epoch}, iteration {st.iteration + 1}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0 if reason is RunReason.DONE else 1


@contextlib.contextmanager
def ctrl_c_cancels() -> Iterator[threading.Event]:
    """While inside: the first Ctrl-C sets the event (a run checks it between two stops and
    ends there, in a consistent state that can be saved); a second one interrupts at once."""
    cancel = threading.Event()

    def first(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    try:
        previous = signal.signal(signal.SIGINT, first)
    except ValueError:  # not the main thread (an embedding program): Ctrl-C as it was
        yield cancel
        return
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def _table(regularised: bool) -> Table:
    # Rich is imported when a command prints (see trace._print_stop)
    from rich.table import Table

    """The epoch table; with λ > 0 Ĵ adds the same λ term to train and test, so J (without it)
    gets columns of its own: it is what shows overfitting."""
    caption = "cost: Ĵ, with the λ term; J: without it" if regularised else None
    table = Table(title=None, box=None, pad_edge=False, caption=caption)
    columns = ["epoch", "train cost", "test cost"]
    columns += ["train J", "test J"] if regularised else []
    for col in (*columns, "train acc", "test acc"):
        table.add_column(col, justify="right")
    return table


def _train(
    session, epochs: int, table: Table, regularised: bool, console, cancel: threading.Event
) -> RunResult | None:
    """Run ``epochs`` epochs, one table row each, with a progress bar on a terminal; until a
    watch, a non-finite value or ``cancel`` (Ctrl-C) stops it."""
    result = None
    bar, task = _progress_bar(console, epochs)
    with bar or contextlib.nullcontext():
        for e in range(epochs):

            def report(fraction: float, text: str, e: int = e) -> None:
                if bar is not None:
                    bar.update(task, completed=e + fraction, description=text)

            result = session.run_epochs(1, report if bar is not None else None, cancel)
            if result.reason is not RunReason.DONE:
                break
            _row(table, session.history[-1], regularised)
    return result


def _progress_bar(console, epochs: int):
    """A transient Rich progress bar on a terminal, NO_COLOR or not (None, None on a pipe)."""
    if not is_terminal():
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]training"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.description}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    return bar, bar.add_task("", total=epochs)


def _save(session, target: Path, reason: RunReason, console) -> None:
    """Save, and say where; after a stopped or interrupted run, how to open the debugger there."""
    saved = save_session(session, target)
    st = session.stop
    where = {
        RunReason.DONE: "",
        RunReason.CANCELLED: " where the run was interrupted",
    }.get(reason, " at the stop where the run stopped")
    if where:
        where += f" ({st.id}, epoch {st.epoch}, iteration {st.iteration + 1})"
    # soft_wrap: a path is never broken over lines, so it can be copied
    console.print(f"saved the session to {saved}{where}", markup=False, soft_wrap=True)
    if reason is not RunReason.DONE:
        console.print(f"open it there with: bpstep --load {saved}", markup=False, soft_wrap=True)


def _row(table, rec, regularised: bool = False) -> None:
    data = [_fmt(rec.train_data_cost), _fmt(rec.test_data_cost)] if regularised else []
    table.add_row(
        str(rec.epoch),
        _fmt(rec.train_cost),
        _fmt(rec.test_cost),
        *data,
        _fmt(rec.train_accuracy, True),
        _fmt(rec.test_accuracy, True),
    )
