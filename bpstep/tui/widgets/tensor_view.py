"""The viewed layer's tensors: a list with shapes and summaries, and the selected one drawn.

Small tensors are shown as numbers at the chosen precision; large ones as a heatmap with a cursor
whose value is printed under it. Non-finite entries are magenta and counted in a warning line.
"""

from __future__ import annotations

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from bpstep.commands.render import summary

from .heatmap import Heatmap

ORDER = ["W", "b", "a_prev", "z", "a", "fprime", "delta", "grad_W", "grad_b"]
LABELS = {
    "W": "W{m}",
    "b": "b{m}",
    "a_prev": "a{p}",
    "z": "z{m}",
    "a": "a{m}",
    "fprime": "f′(z{m})",
    "delta": "δ{m}",
    "grad_W": "∂Ĵ/∂W{m}",
    "grad_b": "∂Ĵ/∂b{m}",
}
PER_SAMPLE = {"a_prev", "z", "a", "fprime", "delta"}
MAX_NUMBER_CELLS = 160
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def label(name: str, m: int) -> str:
    return LABELS.get(name, name).format(m=str(m).translate(_SUP), p=str(m - 1).translate(_SUP))


class TensorView(Vertical):
    _first = True

    def compose(self) -> ComposeResult:
        yield Static(id="tensor-list")
        yield Static(id="tensor-title")
        yield Static(id="tensor-numbers")
        yield Heatmap(id="tensor-heatmap")
        yield Static(id="tensor-cursor")

    def show(self, tensors: dict, layer: int, selected: str, sample: int, precision: int) -> str:
        """Draw; returns the name actually selected (the first known one if ``selected`` isn't)."""
        names = [n for n in ORDER if n in tensors]
        if selected not in names and names:
            selected = names[0]
        listing = Table.grid(padding=(0, 1))
        heads = ("", "tensor", "shape", "min", "max", "mean", "‖·‖", "")
        for col in heads:
            listing.add_column(justify="right" if col in ("min", "max", "mean", "‖·‖") else "left")
        listing.add_row(*(Text(h, style="dim") for h in heads))
        for n in names:
            x = np.asarray(tensors[n])
            s = summary(x)
            bad = int(x.size - np.isfinite(x).sum())
            style = "bold reverse" if n == selected else ""
            listing.add_row(
                "▶" if n == selected else " ",
                Text(label(n, layer), style=style),
                "×".join(map(str, x.shape)),
                *(Text(f"{s[k]:.3g}") for k in ("min", "max", "mean", "norm")),
                Text(f"{bad} non-finite!", style="bold magenta") if bad else "",
            )
        for _ in range(len(ORDER) - len(names)):  # a steady height: the heatmap below stays put
            listing.add_row("")
        self.query_one("#tensor-list", Static).update(listing, layout=self._first)
        self._first = False
        if not names:
            self.query_one("#tensor-title", Static).update("nothing known about this layer yet")
            self._mode(None)
            return selected
        x = np.atleast_2d(np.asarray(tensors[selected], dtype=float))
        title = f"{label(selected, layer)}  ({'×'.join(map(str, np.shape(tensors[selected])))})"
        if selected in PER_SAMPLE and x.shape[1] > 1 and sample >= 0:
            s = min(sample, x.shape[1] - 1)
            x = x[:, [s]]
            title += f"   sample {s + 1} of the batch  ([ ] choose, {{ all)"
        elif selected in PER_SAMPLE and x.shape[1] > 1:
            title += "   all samples of the batch (columns)"
        self.query_one("#tensor-title", Static).update(Text(title, style="bold"), layout=False)
        if x.size <= MAX_NUMBER_CELLS and x.shape[1] <= 12:
            self._mode("numbers")
            t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
            for _ in range(x.shape[1]):
                t.add_column(justify="right")
            for row in x:
                t.add_row(*(self._cell(v, precision) for v in row))
            self.query_one("#tensor-numbers", Static).update(t)
        else:
            self._mode("heatmap")
            hm = self.query_one(Heatmap)
            hm.set_matrix(x)
            self.update_cursor()
        return selected

    @staticmethod
    def _cell(v: float, precision: int) -> Text:
        if not np.isfinite(v):
            return Text(f"{v}", style="bold white on magenta")
        style = "#e06c75" if v > 0 else ("#61afef" if v < 0 else "dim")
        big_or_tiny = abs(v) >= 1e5 or (v != 0 and abs(v) < 10.0**-precision)
        return Text(f"{v:.{precision}e}" if big_or_tiny else f"{v:.{precision}f}", style=style)

    def _mode(self, mode: str | None) -> None:
        self.query_one("#tensor-numbers").display = mode == "numbers"
        self.query_one(Heatmap).display = mode == "heatmap"
        self.query_one("#tensor-cursor").display = mode == "heatmap"

    def update_cursor(self) -> None:
        hm = self.query_one(Heatmap)
        r, c = hm.cursor
        if hm.matrix.size:
            v = hm.matrix[r, c]
            self.query_one("#tensor-cursor", Static).update(
                Text(
                    f"[{r + 1}, {c + 1}] = {v:.6g}   (h: move the cursor with the arrows)",
                    style="magenta" if not np.isfinite(v) else "",
                ),
                layout=False,
            )
