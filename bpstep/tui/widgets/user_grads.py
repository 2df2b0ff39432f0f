"""The learner's gradients beside the engine's at a backward stop (``bpstep --grads FILE``).

For each of the learner's functions that applies here: agree or not, the worst relative error
against the engine and against finite differences, the first wrong entry, a hint, and the
difference (yours − reference) as a small diverging-colour table.
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bpstep.tui.widgets.heatmap import PALETTE

STYLE = {"agree": "bold green", "disagree": "bold red", "error": "bold magenta"}
MAX_CELLS = 12


def difference_table(diff: np.ndarray) -> Table:
    """yours − reference, each cell coloured on the heatmap's diverging scale."""
    d = np.atleast_2d(diff)[:MAX_CELLS, :MAX_CELLS]
    scale = float(np.nanmax(np.abs(d))) or 1.0
    t = Table.grid(padding=(0, 1))
    for _ in range(d.shape[1]):
        t.add_column(justify="right")
    for row in d:
        cells = []
        for v in row:
            k = int(round((v / scale + 1) / 2 * (len(PALETTE) - 1))) if np.isfinite(v) else 0
            cells.append(Text(f"{v:+.2e}", style=f"on {PALETTE[k]}"))
        t.add_row(*cells)
    return t


class UserGradsView(Static):
    def show(self, path: str, findings: list | None, error: str | None = None) -> None:
        title = Text.assemble(
            ("your gradients ", "bold"), (f"({path}) ", "dim"), ("r reloads the file", "dim italic")
        )
        if error:
            self.update(Group(title, Text(error, style="bold magenta")))
            return
        if findings is None:
            self.update(Group(title, Text("checked at backward stops", style="dim")))
            return
        if not findings:
            self.update(
                Group(title, Text("no function of yours applies at this stop", style="dim"))
            )
            return
        parts = [title]
        for f in findings:
            head = Text.assemble(
                (f"{f.function} → {f.symbol}: ", "bold"), (f.status, STYLE[f.status])
            )
            if f.rel_error is not None:
                head.append(f"   rel. error {f.rel_error:.2e}")
            if f.fd_rel_error is not None:
                head.append(f"   vs finite diff. {f.fd_rel_error:.2e}")
            parts.append(head)
            if f.message:
                parts.append(Text("  " + f.message, style="magenta"))
            if f.first_wrong is not None:
                idx, yours, ref = f.first_wrong
                at = ",".join(str(i + 1) for i in idx)
                parts.append(Text(f"  first wrong [{at}]: yours {yours:.6g}, engine {ref:.6g}"))
            if f.hint:
                parts.append(Text(f"  hint: {f.hint}", style="#e5c07b"))
            if f.status == "disagree" and f.user_value is not None:
                parts.append(Text("  yours − engine:", style="dim"))
                parts.append(difference_table(f.user_value - f.reference))
        self.update(Group(*parts))
