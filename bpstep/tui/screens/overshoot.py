"""Overshoot, seen (``o`` at an update stop): the batch cost along the step direction, s from
0 to 3α with α marked, and what the line says about the learning rate."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from bpstep.notation import cost_symbol, with_cost_symbol
from bpstep.session.overshoot import LineScan


class OvershootScreen(ModalScreen[None]):
    """A plot of Ĵ(θ − s ∂Ĵ/∂θ) on this batch; escape, o or q closes it."""

    BINDINGS = [Binding("escape,o,q", "close", "close", id="overshoot.close")]

    def __init__(self, scan: LineScan, regularised: bool) -> None:
        super().__init__()
        self.scan = scan
        self.regularised = regularised
        self.J = cost_symbol(regularised)

    def compose(self) -> ComposeResult:
        # plotext is imported with the cost pane already (see widgets/costs.py)
        from textual_plotext import PlotextPlot

        with Vertical(id="overshoot-box") as box:
            box.border_title = f"{self.J} on this batch along the step direction"
            box.border_subtitle = "escape closes"
            plot = PlotextPlot(id="overshoot-plot")
            plot.can_focus = False
            yield plot
            yield Static(self._summary(), id="overshoot-text")

    def on_mount(self) -> None:
        from textual_plotext import PlotextPlot

        scan, J = self.scan, self.J
        plt = self.query_one(PlotextPlot).plt
        plt.clear_figure()
        finite = [(s, c) for s, c in zip(scan.steps, scan.costs, strict=True) if c == c]
        plt.plot([s for s, _ in finite], [c for _, c in finite], marker="braille")
        plt.vline(scan.alpha, "orange")
        best, low = scan.lowest
        plt.scatter([best], [low], marker="●", color="green")
        plt.title(f"{J}(θ − s ∂{J}/∂θ), s from 0 to 3α; α = {scan.alpha:g} marked")
        a = scan.alpha
        plt.xticks(
            [0.0, a, 2 * a, 3 * a], ["0", f"α = {a:g}", f"2α = {2 * a:g}", f"3α = {3 * a:g}"]
        )
        plt.xlabel("step size s along −∂J/∂θ (θ: every W and b)".replace("J", J))

    def _summary(self) -> Text:
        scan, J = self.scan, self.J
        best, low = scan.lowest
        text = Text()
        text.append(f"{J}(0) = {scan.start:.6g}", style="bold")
        text.append("  (before the update)   ")
        text.append(f"{J}(α) = {scan.at_alpha:.6g}", style="bold #d19a66")
        text.append("  (the step taken)   ")
        text.append(f"lowest {J} = {low:.6g} at s = {best:.4g}", style="bold #98c379")
        text.append("\n" + with_cost_symbol(scan.verdict(), self.regularised), style="italic")
        return text

    def action_close(self) -> None:
        self.dismiss(None)
