"""Training and test cost (and accuracy) as numbers and as a curve over epochs.

The curve tells overfitting: the epoch with the lowest test cost is marked (◆, and named under
the numbers), ``z`` zooms to the last N epochs, and training and test differ by marker as well
as colour (a braille line, a line of •), so that they stay apart on a monochrome terminal.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bpstep.notation import cost_symbol
from bpstep.tui.numbers import compact

BEST = "◆"  # the lowest test cost's marker
# training and test told apart by marker too (NO_COLOR); the headers of the numbers are the key
MARKERS = {"train": "braille", "test": "dot"}
KEYS = {"train": "⠉⠒⠤", "test": "•••"}
COLOURS = {"train": (229, 192, 123), "test": (97, 175, 239), "best": (224, 108, 117)}


NO_TEST = math.nan  # a row with nothing in the test column (the batch's cost)
# (long labels, padding, the curves' keys in the headers, decimals), tried until one fits
NUMBER_LAYOUTS = (
    (True, 2, True, 5),
    (True, 1, True, 5),
    (False, 1, True, 5),
    (False, 1, False, 5),
    (False, 1, False, 4),
    (False, 1, False, 3),
)


def _rich(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def lowest_test(history, regularised: bool) -> tuple[int, float] | None:
    """(epoch, cost) of the lowest test cost so far (J when λ > 0), None without a test set."""
    points = [(r.epoch, _plotted_cost(r, "test", regularised)) for r in history]
    finite = [(e, c) for e, c in points if c is not None and math.isfinite(c)]
    return min(finite, key=lambda p: p[1]) if finite else None


class CostsView(Vertical):
    log_scale = False  # the curve's y axis (the palette toggles it)
    last_epochs: int | None = None  # z: the curve shows only the last N epochs
    _numbers: tuple | None = None  # what the numbers show: redrawn when it changes
    _plotted: tuple | None = None  # what the curve shows: redrawn at epoch ends

    def toggle_log_scale(self, session) -> bool:
        self.log_scale = not self.log_scale
        self._plotted = self._numbers = None  # redraw now
        self.show(session)
        return self.log_scale

    def zoom(self, session, epochs: int | None) -> None:
        """Show the last ``epochs`` epochs on the curve (None or 0: all of them)."""
        self.last_epochs = epochs or None
        self._plotted = self._numbers = None  # redraw now
        self.show(session)

    def compose(self) -> ComposeResult:
        # plotext takes ~0.2 s to import: loaded as the pane is built, not when the app module is
        from textual_plotext import PlotextPlot

        yield Static(id="cost-numbers")
        plot = PlotextPlot(id="cost-plot")
        plot.can_focus = False
        yield plot

    def show(self, session) -> None:
        """The numbers (at every stop that changes them) and the curve (at epoch ends)."""
        h = session.history
        key = (len(h), h[-1].end_index if h else 0, session.stop.batch_cost)
        if key == self._numbers:
            return
        self._numbers = key
        self._show_numbers(session)
        plotted = (len(h), h[-1].end_index if h else 0)
        if plotted != self._plotted:  # the curve only changes at epoch ends
            self._plotted = plotted
            self._plot(session)

    def _show_numbers(self, session) -> None:
        """The epochs done, the last epoch's costs and accuracy, this batch's cost and the
        lowest test cost; shorter labels and fewer decimals in a narrow pane, never a cut
        number."""
        h = session.history
        width = self.content_size.width or 10_000
        parts: list = [self._table(_rows(session), len(h), width)]
        best = lowest_test(h, bool(session.network.l2)) if len(h) > 1 else None
        if best is not None:  # J: the data cost when λ > 0, the cost itself when λ = 0
            parts.append(self._best(best, "J", width))
        parts.append(_note(session, width))
        lines = parts[0].row_count + len(parts)  # the table's rows, ◆'s line, the note's two
        self.query_one("#cost-numbers", Static).update(
            Group(*parts), layout=lines != getattr(self, "_rows", 0)
        )
        self._rows = lines

    def _table(self, rows: list[Row], epochs: int, width: int) -> Table:
        """The rows under a header of the epochs done and the curves' keys, in the first of
        ``NUMBER_LAYOUTS`` that fits ``width``."""
        for long, pad, keys, decimals in NUMBER_LAYOUTS:
            cells = [
                (r[0] if long else r[1], _f(r[2], r[4], decimals), _f(r[3], r[4], decimals))
                for r in rows
            ]
            done = f"after {epochs} epoch{'s' * (epochs != 1)}" if long else f"{epochs} ep."
            heads = [self._head(w, keys) for w in ("train", "test")]
            columns = [
                max([cell_len(c[0]) for c in cells] + [len(done)]),
                max([len(c[1]) for c in cells] + [heads[0].cell_len]),
                max([len(c[2]) for c in cells] + [heads[1].cell_len]),
            ]
            if sum(columns) + 2 * pad <= width:
                break
        t = Table.grid(padding=(0, pad))
        t.add_column(no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        t.add_row(Text(done, style="dim"), *heads)
        for cell in cells:
            t.add_row(*cell)
        return t

    @staticmethod
    def _best(best: tuple[int, float], which: str, width: int) -> Text:
        """◆ and the lowest test cost with its epoch, as long as the pane is wide."""
        epoch, cost = best
        for text in (
            f" lowest test {which} {cost:.4g} at epoch {epoch}",
            f" lowest test {cost:.3g} @ epoch {epoch}",
            f" lowest test @ epoch {epoch}",
            f" best @ {epoch}",
        ):
            if 1 + cell_len(text) <= width:
                break
        return Text.assemble((BEST, _rich(COLOURS["best"])), text, no_wrap=True)

    @staticmethod
    def _head(which: str, key: bool = True) -> Text:
        """A column's header with its curve's marker and colour: the plot's key."""
        if not key:
            return Text(which, style=f"bold {_rich(COLOURS[which])}")
        return Text.assemble((which, "bold"), " ", (KEYS[which], _rich(COLOURS[which])))

    def _plot(self, session) -> None:
        """Training and test cost per epoch (J when λ > 0), whole-epoch ticks, the lowest test
        cost marked; the last N epochs only after ``z``."""
        from textual_plotext import PlotextPlot  # loaded by compose already (see there)

        h = session.history
        shown = h[-self.last_epochs :] if self.last_epochs else h
        regularised = bool(session.network.l2)
        p = self.query_one(PlotextPlot)
        plt = p.plt
        plt.clear_data()
        plt.clear_figure()
        for name in ("train", "test"):  # no plotext legend: the numbers' headers are the key
            points = self._points(shown, name, regularised)
            if points:
                xs, ys = zip(*points, strict=True)
                plt.plot(list(xs), list(ys), marker=MARKERS[name], color=COLOURS[name])
        best = lowest_test(h, regularised)
        if best is not None and shown and shown[0].epoch <= best[0] and len(h) > 1:
            if best[1] > 0 or not self.log_scale:
                plt.scatter([best[0]], [best[1]], marker=BEST, color=COLOURS["best"])
        if shown:  # epochs are whole numbers: ticks at 1, 250, 500, not 250.8
            ticks = _epoch_ticks(shown[0].epoch, shown[-1].epoch)
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        plt.yscale("log" if self.log_scale else "linear")
        title = "data cost J per epoch (no λ term)" if regularised else "epoch J (whole set)"
        if self.last_epochs:
            title += f", last {self.last_epochs}"
        plt.title(title + (", log scale" if self.log_scale else ""))
        p.refresh()

    def _points(self, records, which: str, regularised: bool) -> list[tuple[int, float]]:
        """(epoch, cost) to plot: plotext fails on inf; None: no test set (or an old save
        without J); on a log scale only costs above 0."""
        values = [(r.epoch, _plotted_cost(r, which, regularised)) for r in records]
        return [
            (e, c)
            for e, c in values
            if c is not None and math.isfinite(c) and (c > 0 or not self.log_scale)
        ]


# a row of numbers: label, short label, training value, test value, a percentage?
Row = tuple[str, str, float | None, float | None, bool]


def _rows(session) -> list[Row]:
    """The costs (J, or Ĵ and J when λ > 0), the accuracy and this batch's cost."""
    last = session.history[-1] if session.history else None

    def both(what: str) -> tuple[float | None, float | None]:
        if last is None:
            return None, None
        return getattr(last, f"train_{what}"), getattr(last, f"test_{what}")

    c = cost_symbol(bool(session.network.l2))  # J, or Ĵ with the λ term
    rows: list[Row] = [(f"epoch {c}", c, *both("cost"), False)]
    if session.network.l2:  # J compares train with test; Ĵ adds the same λ term to both
        rows.append(("data cost J", "J", *both("data_cost"), False))
    if last is None or last.train_accuracy is not None:
        rows.append(("accuracy", "acc.", *both("accuracy"), True))
    rows.append((f"batch {c}", "batch", session.stop.batch_cost, NO_TEST, False))
    return rows


def _note(session, width: int) -> Group:
    """What the epoch and batch costs are, on two lines cut to the pane's width (always two,
    so that the pane keeps its height from stop to stop)."""
    last = session.history[-1] if session.history else None
    n = len(session.batch_indices) or session.batch_size
    when = f"after epoch {last.epoch}" if last else "at each epoch's end"
    these = "this sample" if n == 1 else f"these {n}"
    lines = (f"epoch: whole set {when}", f"batch: {these}, before the update")
    return Group(*(Text(t, style="dim", no_wrap=True, overflow="ellipsis") for t in lines))


def _f(x: float | None, pct: bool = False, decimals: int = 5) -> str:
    """A cost with ``decimals`` decimals (short scientific notation when huge or tiny), an
    accuracy as a percentage, — for none."""
    if x is NO_TEST:
        return ""
    if x is None:
        return "—"
    if pct:
        return f"{100 * x:.1f}%"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 10.0**-decimals):
        return compact(x, decimals)
    return f"{x:.{decimals}f}"


def _plotted_cost(rec, which: str, regularised: bool) -> float | None:
    """The curve shows J when λ > 0 (overfitting shows there), else Ĵ (then J = Ĵ)."""
    if regularised:
        return getattr(rec, f"{which}_data_cost")
    return getattr(rec, f"{which}_cost")


def _epoch_ticks(first: int, last: int, most: int = 5) -> list[int]:
    """Whole-number epochs for the x axis: the first, then multiples of a round step (1, 2, 2.5
    or 5 times a power of ten), at most about ``most`` of them."""
    if last - first < most:
        return list(range(first, last + 1))
    raw = (last - first) / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(1, round(step))
    ticks = [first] + [t for t in range(step * (first // step + 1), last + 1, step)]
    if len(ticks) > 1 and ticks[1] - first < step / 2:
        ticks.pop(0 if ticks[1] != last else 1)  # crowded: keep the round one
    return ticks
