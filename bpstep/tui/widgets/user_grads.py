"""The learner's gradients beside the engine's at a backward stop (``bpstep --grads FILE``).

For each of the learner's results at the stop (``usergrads.check_event``: a function and the
quantity it gives at this layer, δᵐ, ∂Ĵ/∂Wᵐ, ∂Ĵ/∂bᵐ or the loss): agree or not, the worst
relative error against the engine and against finite differences, the worst entry, the slip
that fits the numbers (or that the value only follows from an earlier wrong one), a hint and
notes, and, where they disagree, a window of the learner's values beside the engine's (around
the worst entry) with the difference (yours − engine) as a small diverging-colour heatmap:
blue below, red above, near-black where they agree.

Self-contained (Rich renderables in a Static): ``show(path, findings, error)`` is all a screen
calls. ``findings`` None means "not a backward stop", [] "none of your functions applies here".
"""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bpstep.tui.numbers import compact

STYLE = {"agree": "bold green", "disagree": "bold red", "error": "bold magenta"}
NUMBER_ROWS, NUMBER_COLS = 4, 3  # the window of numbers shown around the first wrong entry
MAP_ROWS, MAP_COLS = 6, 24  # the window of the difference heatmap


def _palette(n: int = 17) -> list[str]:
    """Blue (negative) → near-black (0) → red (positive), n odd so that 0 has its own colour."""
    out = []
    for i in range(n):
        t = i / (n - 1) * 2 - 1
        if t < 0:
            r, g, b = int(40 * (1 + t)), int(50 * (1 + t) + 110 * -t), int(50 + 205 * -t)
        else:
            r, g, b = int(40 + 215 * t), int(50 * (1 - t) + 30 * t), int(50 * (1 - t))
        out.append(f"#{r:02x}{g:02x}{b:02x}")
    return out


PALETTE = _palette()
MONO_PALETTE = [f"#{v:02x}{v:02x}{v:02x}" for v in np.linspace(0, 255, len(PALETTE)).astype(int)]


def _window(shape: tuple[int, int], centre: tuple[int, int], rows: int, cols: int):
    """Row and column ranges of at most rows × cols entries, holding ``centre``."""

    def span(n: int, c: int, k: int) -> range:
        start = min(max(0, c - k // 2), max(0, n - k))
        return range(start, min(n, start + k))

    return span(shape[0], centre[0], rows), span(shape[1], centre[1], cols)


def _as2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x.reshape(-1, 1) if x.ndim == 1 else np.atleast_2d(x)


def numbers_table(
    title: str, x: np.ndarray, rows: range, cols: range, mark=None, digits: int = 3
) -> Table:
    """Entries x[rows, cols] with 1-based row and column labels; ``mark`` (r, c) underlined."""
    t = Table.grid(padding=(0, 1))
    t.add_column(justify="right", style="dim", no_wrap=True)
    for _ in cols:
        t.add_column(justify="right", no_wrap=True)
    t.add_row(Text(title, style="bold"), *[Text(str(c + 1), style="dim") for c in cols])
    for r in rows:
        cells = []
        for c in cols:
            style = "bold reverse" if mark == (r, c) else ""
            cells.append(Text(compact(float(x[r, c]), digits), style=style))
        t.add_row(str(r + 1), *cells)
    return t


def difference_map(diff: np.ndarray, rows: range, cols: range, mono: bool = False) -> Group:
    """yours − engine as coloured blocks on a symmetric scale, with the scale's bound
    (``mono``, NO_COLOR: a grey ramp, dark below zero, light above)."""
    colours = MONO_PALETTE if mono else PALETTE
    d = diff[np.ix_(list(rows), list(cols))]
    finite = d[np.isfinite(d)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    lines = [Text.assemble(("yours − engine ", "bold"), (f"±{compact(scale, 2)}", "dim"))]
    for row in d:
        line = Text()
        for v in row:
            if not np.isfinite(v):
                line.append("??", style="bold #ff00ff")
                continue
            k = (len(PALETTE) - 1) // 2
            if scale > 0:
                k = int(round((v / scale + 1) / 2 * (len(PALETTE) - 1)))
            line.append("██", style=colours[k])
        lines.append(line)
    return Group(*lines)


def table_width(title: str, x: np.ndarray, rows: range, cols: range, digits: int) -> int:
    """Cells ``numbers_table`` takes: the label column, then one column per entry column."""
    widths = [max(len(title), len(str(rows[-1] + 1)))]
    for c in cols:
        widths.append(max([len(str(c + 1))] + [len(compact(float(x[r, c]), digits)) for r in rows]))
    return sum(widths) + len(widths) - 1


def side_by_side(finding, width: int = 0, mono: bool = False) -> Table:
    """Yours | the engine's | the difference heatmap, around the first wrong entry: on one row
    when they fit ``width`` (0: any), else the heatmap under the numbers; fewer digits, then one
    table under the other, before any number would be cut."""
    yours, ref = _as2d(finding.user_value), _as2d(finding.reference)
    centre = (0, 0)
    shown = finding.worst or finding.first_wrong
    if shown is not None and shown[0]:
        idx = shown[0]
        centre = (idx[0], idx[1] if len(idx) > 1 else 0)
    rows, cols = _window(yours.shape, centre, NUMBER_ROWS, NUMBER_COLS)
    mrows, mcols = _window(yours.shape, centre, MAP_ROWS, MAP_COLS)
    with np.errstate(all="ignore"):
        diff = yours - ref
    gap = 3
    digits, tables = 3, 0
    for digits in (3, 2):
        tables = max(
            table_width("yours", yours, rows, cols, digits),
            table_width("engine", ref, rows, cols, digits),
        )
        if not width or 2 * tables + gap <= width:
            break
    heatmap = difference_map(diff, mrows, mcols, mono)
    map_width = max(line.cell_len for line in heatmap.renderables if isinstance(line, Text))
    parts: list[Table | Group] = [
        numbers_table("yours", yours, rows, cols, centre, digits),
        numbers_table("engine", ref, rows, cols, centre, digits),
        heatmap,
    ]
    grid = Table.grid(padding=(0, gap))
    if not width or 2 * tables + map_width + 2 * gap <= width:
        grid.add_row(*parts)  # all three on one row
    elif 2 * tables + gap <= width:
        grid.add_row(parts[0], parts[1])
        grid.add_row(parts[2], "")
    else:
        for part in parts:
            grid.add_row(part)
    return grid


def _shown(finding) -> str:
    """Which part of a big array the tables show."""
    shape = _as2d(finding.reference).shape
    if shape[0] <= NUMBER_ROWS and shape[1] <= NUMBER_COLS:
        return ""
    return f"  (tables: a window of the {shape[0]}×{shape[1]} array)"


def finding_lines(f, width: int = 0, mono: bool = False) -> list:
    """One result: its status line, message, worst entry, slip or hint, notes and warnings, and
    where it disagrees its numbers beside the engine's (``side_by_side`` at ``width``)."""
    head = Text.assemble((f"{f.function} → {f.symbol}: ", "bold"), (str(f.status), STYLE[f.status]))
    if f.rel_error is not None:
        head.append(f"   rel. error {f.rel_error:.2e}")
        if f.band:
            head.append(f" ({f.band})", style="dim")
    if f.fd_rel_error is not None:
        head.append(f"   vs finite diff. {f.fd_rel_error:.2e}")
    parts: list = [head]
    if f.message:
        parts.append(Text(f"  {f.in_symbols(f.message)}", style="magenta"))
    worst = f.worst if not f.ok else None
    if worst is not None:
        idx, yours, ref = worst
        at = ",".join(str(i + 1) for i in idx)
        parts.append(Text(f"  worst [{at}]: yours {yours:.6g}, engine {ref:.6g}" + _shown(f)))
    if f.follows:
        parts.append(
            Text(f"  follows: {f.in_symbols(f.hint) or 'from an earlier wrong value'}", style="dim")
        )
    elif f.hint:
        slip = f" [{f.slip}]" if f.slip else ""
        parts.append(Text(f"  hint{slip}: {f.in_symbols(f.hint)}", style="#e5c07b"))
    for note in f.notes:
        parts.append(Text(f"  note: {note}", style="dim"))
    for w in f.warnings:
        parts.append(Text(f"  warning: {w}", style="yellow"))
    if f.status == "disagree" and f.user_value is not None and f.reference is not None:
        parts.append(side_by_side(f, width, mono))
    return parts


class UserGradsPanel(Static):
    """Your functions' values beside the engine's at the current backward stop."""

    DEFAULT_CSS = """
    UserGradsPanel {
        overflow-y: auto;
    }
    """

    def show(
        self,
        path: str,
        findings: list | None,
        error: str | None = None,
        checking: bool = False,
        prints: str | None = None,
    ) -> None:
        """``prints``: the file holding what the learner's code printed, once it has."""
        self._last = (path, findings, error, checking, prints)
        title = Text.assemble((f"{path}", "bold"), ("  r reloads the file", "dim italic"))
        if prints:
            title.append(f"  your prints: {prints}", style="dim")
        if error:
            self.update(Group(title, Text(error, style="bold magenta")))
            return
        if checking:
            self.update(Group(title, Text("checking your functions at this stop…", style="dim")))
            return
        if findings is None:
            self.update(Group(title, Text("checked at each backward stop", style="dim")))
            return
        if not findings:
            self.update(
                Group(title, Text("none of your functions applies at this stop", style="dim"))
            )
            return
        parts: list = [title]
        for f in findings:
            parts += finding_lines(f, self.content_size.width, self.app.no_color)
        self.update(Group(*parts))

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)
