"""Training and test cost (and accuracy) as numbers and as a curve over epochs."""

from __future__ import annotations

import math

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bpstep.notation import cost_symbol


class CostsView(Vertical):
    log_scale = False  # the curve's y axis (the palette toggles it)
    _numbers: tuple | None = None  # what the numbers show: redrawn when it changes
    _plotted: tuple | None = None  # what the curve shows: redrawn at epoch ends

    def toggle_log_scale(self, session) -> bool:
        self.log_scale = not self.log_scale
        self._plotted = self._numbers = None  # redraw now
        self.show(session)
        return self.log_scale

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
        h = session.history
        t = Table.grid(padding=(0, 2))
        t.add_column()
        t.add_column(justify="right")
        t.add_column(justify="right")
        t.add_row("", Text("train", style="bold"), Text("test", style="bold"))
        last = h[-1] if h else None
        c = cost_symbol(bool(session.network.l2))  # J, or Ĵ with the λ term
        t.add_row(f"epoch {c}", _f(last and last.train_cost), _f(last and last.test_cost))
        if session.network.l2:  # J compares train with test; Ĵ adds the same λ term to both
            t.add_row(
                "data cost J", _f(last and last.train_data_cost), _f(last and last.test_data_cost)
            )
        if last is None or last.train_accuracy is not None:
            t.add_row(
                "accuracy",
                _f(last and last.train_accuracy, True),
                _f(last and last.test_accuracy, True),
            )
        t.add_row(f"batch {c}", _f(session.stop.batch_cost), "")
        t.add_row("epochs done", str(len(h)), "")
        n = len(session.batch_indices) or session.batch_size
        when = f"after epoch {last.epoch}" if last else "at each epoch's end"
        these = "this sample" if n == 1 else f"these {n}"
        note = Text(f"epoch: whole set {when} · batch: {these}, before the update", style="dim")
        rows = t.row_count
        self.query_one("#cost-numbers", Static).update(
            Group(t, note), layout=rows != getattr(self, "_rows", 0)
        )
        self._rows = rows

    def _plot(self, session) -> None:
        """Training and test cost per epoch (J when λ > 0), whole-epoch ticks."""
        from textual_plotext import PlotextPlot  # loaded by compose already (see there)

        h = session.history
        regularised = bool(session.network.l2)
        p = self.query_one(PlotextPlot)
        plt = p.plt
        plt.clear_data()
        plt.clear_figure()
        for name in ("train", "test"):
            # plotext fails on inf; None: no test set (or an old save without J); log: c > 0
            values = [(r.epoch, _plotted_cost(r, name, regularised)) for r in h]
            points = [
                (e, c)
                for e, c in values
                if c is not None and math.isfinite(c) and (c > 0 or not self.log_scale)
            ]
            if points:
                xs, ys = zip(*points, strict=True)
                plt.plot(list(xs), list(ys), label=name, marker="braille")
        if h:  # epochs are whole numbers: ticks at 1, 250, 500, not 250.8
            ticks = _epoch_ticks(h[0].epoch, h[-1].epoch)
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        plt.yscale("log" if self.log_scale else "linear")
        title = "data cost J per epoch (no λ term)" if regularised else "epoch J (whole set)"
        plt.title(title + (", log scale" if self.log_scale else ""))
        p.refresh()


def _f(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.1f}%" if pct else f"{x:.5f}"


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
