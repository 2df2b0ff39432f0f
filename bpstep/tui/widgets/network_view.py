"""The network pane: the phase strip, the network (a graph of units and weights for small nets,
else columns of layers), the current layer and phase lit, and where the session is.

Under each layer: ‖δᵐ‖ once the backward pass has reached it (a quiz that asks for δᵐ hides
it), and the units that stopped learning on this batch (saturated σ/tanh, dead ReLU): counted
under the columns, drawn as ◍ (saturated) and ○ (dead) nodes in the graph."""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from bpstep.notation import with_cost_symbol
from bpstep.session import Phase, StopId
from bpstep.session.units import unit_health

from .network_graph import MAX_UNITS, fits, graph_lines

PHASES = (Phase.FORWARD, Phase.COST, Phase.BACKWARD, Phase.UPDATE)
SHORT = {"sigmoid": "sigm", "leaky_relu": "lrelu", "identity": "id", "softmax": "smax"}
TINY = {"input": "in", "sigmoid": "σ", "tanh": "th", "relu": "re", "leaky_relu": "lr",
        "identity": "id", "softmax": "sm"}  # fmt: skip


PHASE_NAMES = (
    {p: p.value for p in PHASES},
    {Phase.FORWARD: "fwd", Phase.COST: "cost", Phase.BACKWARD: "back", Phase.UPDATE: "upd"},
)
LIT = "bold black on #e5c07b"


def phase_strip(lit: Phase, width: int) -> Text:
    """forward → cost → backward → update on one line, the stop's phase lit: the long names
    with room around the arrows when they fit ``width``, else closer, else shortened (fwd →
    cost → back → upd at 80×24). The lit phase keeps a space each side, so it reads as a box."""
    for names in PHASE_NAMES:
        for arrow in ("  →  ", " → "):
            strip = Text(no_wrap=True, overflow="crop")
            for i, phase in enumerate(PHASES):
                if i:
                    strip.append(arrow, style="dim")
                if phase is lit:
                    strip.append(f" {names[phase]} ", style=LIT)
                else:
                    strip.append(names[phase], style="dim")
            if strip.cell_len <= width:
                return strip
    return strip


def _columns(net, layout: str) -> list[tuple[str, str, str]]:
    """(title, size, activation) of each column a⁰..aᴸ: "full", or "compact" and "tiny" for
    deep nets in narrow panes."""
    cols = []
    for m in range(0, net.L + 1):
        act = "input" if m == 0 else net.activation_names[m - 1]
        if layout == "full":
            units = f"{net.sizes[m]} unit" + "s" * (net.sizes[m] != 1)
            cols.append(("a⁰ = x" if m == 0 else f"m = {m}", units, act))
        elif layout == "compact":
            cols.append(("x" if m == 0 else f"m={m}", str(net.sizes[m]), SHORT.get(act, act)))
        else:
            cols.append(("x" if m == 0 else str(m), str(net.sizes[m]), TINY.get(act, act[:2])))
    return cols


def _width(
    cols: list[tuple[str, str, str]], padding: int, norms: list[str], stuck: list[str]
) -> int:
    """Cells the table of ``cols`` takes (a title has a space each side)."""
    widths = [
        max(cell_len(t) + 2, cell_len(s), cell_len(a), cell_len(n), cell_len(u))
        for (t, s, a), n, u in zip(cols, norms, stuck, strict=True)
    ]
    return sum(widths) + padding * (len(cols) - 1)


def _delta_norms(session, hide: int | None = None) -> list[float | None]:
    """‖δᵐ‖ (over the batch) of each layer m = 1..L whose backward stop this iteration has
    passed (None for the others, and for layer ``hide``: a quiz asks for its δ)."""
    norms = []
    for m in range(1, session.L + 1):
        ev = session.event_at(StopId(Phase.BACKWARD, m))
        norms.append(None if ev is None or m == hide else float(np.linalg.norm(ev.delta)))
    return norms


def _stuck_labels(session, layout: str) -> list[str]:
    """Under each layer, its units that stopped learning on this batch: saturated σ/tanh units
    and dead ReLUs ("3 sat", "2 dead"; blank when none, or before its forward stop)."""
    health = unit_health(session)
    out = ["units" if layout != "tiny" else "u"]
    for m in range(1, session.L + 1):
        h = health.get(m)
        text = h.short if h is not None else ""
        out.append(text if layout != "tiny" else text.replace(" sat", "s").replace(" dead", "d"))
    return out


def _norm_labels(norms: list[float | None], layout: str) -> list[str]:
    """The ‖δ‖ row under the columns, so that vanishing or exploding gradients show at a
    glance; the input column names the row."""
    out = ["‖δ‖" if layout != "tiny" else "δ"]
    for v in norms:
        text = "" if v is None else f"{v:.2g}" if layout == "full" else f"{v:.0e}"
        out.append(text.replace("e-0", "e-").replace("e+0", "e+"))
    return out


def position(session, width: int) -> Text:
    """Where the session is: epoch, iteration, the stop, the batch; shorter in a narrow pane."""
    stop = session.stop
    it = f"{stop.iteration + 1}/{session.iterations_per_epoch}"
    batch = len(session.batch_indices) or session.batch_size
    where = f"{stop.phase.value}" + (f" m={stop.layer}" if stop.layer else "")
    if stop.phase is Phase.START:
        where = "before the first stop"
    for text in (
        f"epoch {stop.epoch} · iteration {it} · stop {where} · batch of {batch}",
        f"epoch {stop.epoch} · it. {it} · {where} · batch {batch}",
        f"ep. {stop.epoch} · it. {it} · {where}",
        f"ep. {stop.epoch} · it. {it} · batch {batch}",
        f"ep. {stop.epoch} · it. {it}",
    ):
        if cell_len(text) <= width:
            break
    return Text(text, style="italic", no_wrap=True, overflow="crop")


class NetworkView(Static):
    """Phase strip, then the network: a graph of units and weights for small nets
    (``network_graph``), else one column per layer (size, activation); click a layer to view
    it."""

    PADDING = 2
    LINES_BESIDE_GRAPH = 5  # phase strip, layer names, ‖δ‖ row, legend, position

    class LayerClicked(Message):
        def __init__(self, layer: int) -> None:
            super().__init__()
            self.layer = layer

    _spans: list[tuple[int, int, int]] = []  # (first x, last x, layer) of each column
    _click_rows = range(2, 8)  # the content lines a click on a layer can be on

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y not in self._click_rows:
            return
        for first, last, m in self._spans:
            if first <= offset.x <= last and m >= 1:
                self.post_message(self.LayerClicked(m))

    def show(self, session, viewed_layer: int, hide_delta: int | None = None) -> None:
        """Draw; ``hide_delta``: a layer whose ‖δ‖ a quiz keeps hidden until answered."""
        self._last = (session, viewed_layer, hide_delta)
        self.fit_height(self.app.size.height)
        room = self.content_size.width or 10_000
        strip = phase_strip(session.stop.phase, room)
        rows = self.content_size.height - self.LINES_BESIDE_GRAPH
        if self.content_size.width and fits(session.network.sizes, room, rows):
            lines, xs = graph_lines(session, viewed_layer, room, rows, hide_delta)
            half = max(1, (xs[1] - xs[0]) // 2) if len(xs) > 1 else 1
            self._spans = [(x - half, x + half, m) for m, x in enumerate(xs)]
            self._click_rows = range(1, 2 + rows)
            parts: list[Text | Table] = [strip, *lines]
        else:
            parts = [strip, Text(""), self._columns(session, viewed_layer, room, hide_delta)]
            self._click_rows = range(2, 8)
        parts.append(position(session, room))
        self.update(Group(*parts), layout=False)  # fixed height
        subtitle = armed(session)
        if subtitle != getattr(self, "_subtitle", None):  # setting it repaints: only on a change
            self.border_subtitle = self._subtitle = subtitle

    def _columns(
        self, session, viewed_layer: int, room: int, hide_delta: int | None = None
    ) -> Table:
        """One column per layer: its name (the stop's lit), size, activation, ▲ under the
        viewed layer, ‖δᵐ‖ and its stuck units; labels shortened for deep nets in narrow
        panes."""
        stop, net = session.stop, session.network
        delta_norms = _delta_norms(session, hide_delta)
        for layout, padding in (("full", self.PADDING), ("compact", 1), ("tiny", 0)):
            norms = _norm_labels(delta_norms, layout)
            stuck = _stuck_labels(session, layout)
            if _width(_columns(net, layout), padding, norms, stuck) <= room:
                break
        table = Table.grid(padding=(0, padding))
        cols = []
        for m, (title, size, sub) in enumerate(_columns(net, layout)):
            table.add_column(justify="center")
            here = stop.layer == m and stop.phase not in (Phase.START, Phase.COST)
            style = "bold black on #61afef" if here else ("bold" if m == viewed_layer else "")
            mark = "▲" if m == viewed_layer else " "
            cols.append(
                Text.assemble(
                    (f" {title} ", style),
                    "\n",
                    (size, ""),
                    "\n",
                    (sub, "dim"),
                    "\n",
                    (mark, "#61afef"),
                    "\n",
                    (norms[m], "dim" if m == 0 else "#c678dd"),
                    "\n",
                    (stuck[m], "dim" if m == 0 else "bold #d19a66"),
                )
            )
        table.add_row(*cols)
        x, spans = 0, []
        for m, col in enumerate(cols):
            width = max(cell_len(line) for line in col.plain.split("\n"))
            spans.append((x, x + width - 1, m))
            x += width + padding
        self._spans = spans
        return table

    def fit_height(self, screen_height: int) -> None:
        """Tall enough for a graph of the net (a row a unit, a blank row between two) when the
        screen has room: at most 45% of it, at least the 12 rows the columns take."""
        sizes = self._last[0].network.sizes if getattr(self, "_last", None) else []
        want = 12
        if sizes and max(sizes) <= MAX_UNITS:
            want = max(want, 2 * max(sizes) - 1 + self.LINES_BESIDE_GRAPH + 2)
        height = max(12, min(want, int(0.45 * screen_height)))
        if height != getattr(self, "_height", None):
            self._height = height
            self.styles.height = height

    def on_resize(self, event: events.Resize) -> None:
        if getattr(self, "_last", None) is not None:
            self.show(*self._last)


def armed(session) -> str:
    """For the pane's bottom border: the breakpoints (●) and watches (◆) that can stop a run
    (non-finite values always do)."""
    breaks = [
        {"update": "every update", "epoch": "epoch end"}.get(item, str(item))
        if isinstance(item, str)
        else str(item)
        for item in session.breakpoints
    ]
    w = session.watches
    watches = [n.spec for n in w.norms] + [u.spec for u in w.units]
    watches += ["cost rising"] if w.cost_rising else []
    parts = []
    if breaks:
        parts.append("● " + " · ".join(breaks))
    if watches:
        parts.append("◆ " + " · ".join(watches))
    return with_cost_symbol("  ".join(parts), bool(session.network.l2))
