"""The network as a graph, for small nets: units as nodes, weights as edges (TensorFlow
Playground's picture, but stepping).

Layers a⁰ … aᴸ are columns of nodes (●), one terminal row a unit; between two columns every
entry of Wᵐ is a line from unit j of layer m−1 to unit i of layer m, drawn in braille dots. An
edge's colour is its sign (red above zero, blue below) and its brightness its size |Wᵐᵢⱼ| on
one scale for the whole net; a negative edge is also dotted, so that the sign still shows on a
monochrome terminal (NO_COLOR). At a backward stop the edges are ∂Ĵ/∂Wᵐ instead, for the layers
the backward pass has reached (the others grey: not computed yet). The stop's layer is lit.

Pure drawing: ``graph_lines`` returns Rich Text lines for a given width and height; the
network pane decides whether the graph fits (``fits``) or shows its columns instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Span, Text

from bpstep.notation import with_cost_symbol
from bpstep.session import Phase, StopId
from bpstep.session.units import unit_health
from bpstep.tui.numbers import compact

MAX_UNITS = 12  # wider layers: the columns
MIN_GAP = 5  # cells between two columns of nodes, for their edges to be told apart
LIT = "bold black on #61afef"  # the stop's layer, as in the columns
NODE, NODE_LIT, NODE_VIEWED = "#abb2bf", "bold #e5c07b", "bold #61afef"
STUCK = "bold #d19a66"  # a unit that stopped learning on this batch
STUCK_GLYPHS = {"saturated": "◍", "dead": "○"}
NOT_YET = Style(color="#4b5263")  # edges whose gradient the backward pass has not reached
LEVELS = 8  # brightness levels of an edge
_BASE = np.array([50, 54, 62])  # near the pane's background: an edge of size 0
_POSITIVE, _NEGATIVE = np.array([255, 96, 64]), np.array([64, 150, 255])


def _edge_styles() -> dict[tuple[int, int], Style]:
    """(sign, level) → style: level 0 faint (but visible), LEVELS − 1 the brightest."""
    out = {}
    for sign, target in ((1, _POSITIVE), (-1, _NEGATIVE)):
        for level in range(LEVELS):
            t = 0.25 + 0.75 * level / (LEVELS - 1)
            r, g, b = (_BASE + (target - _BASE) * t).astype(int)
            out[sign, level] = Style(color=f"#{r:02x}{g:02x}{b:02x}")
    return out


EDGE_STYLES = _edge_styles()


def fits(sizes: list[int], width: int, rows: int) -> bool:
    """Whether a graph of layers ``sizes`` fits ``width`` cells and ``rows`` rows of nodes."""
    L = len(sizes) - 1
    return max(sizes) <= min(MAX_UNITS, rows) and L >= 1 and (width - 1) / L >= MIN_GAP + 1


@dataclass
class Edges:
    """What the edges show: a matrix per layer (None: not computed yet), its name and scale."""

    matrices: list[np.ndarray | None]
    label: str
    scale: float


def edges_of(session) -> Edges:
    """Wᵐ, or ∂Ĵ/∂Wᵐ at a backward stop (for the layers the backward pass has reached)."""
    net = session.network
    if session.stop.phase is Phase.BACKWARD:
        mats: list[np.ndarray | None] = []
        for m in range(1, net.L + 1):
            ev = session.event_at(StopId(Phase.BACKWARD, m))
            mats.append(None if ev is None else np.asarray(ev.grad_W))
        label = "∂Ĵ/∂Wᵐ"
    else:
        mats = [np.asarray(W) for W in net.weights]
        label = "Wᵐ"
    finite = [np.abs(M[np.isfinite(M)]).max(initial=0.0) for M in mats if M is not None]
    return Edges(mats, label, float(max(finite, default=0.0)) or 1.0)


def node_rows(n: int, rows: int) -> list[int]:
    """The rows of ``n`` nodes spread evenly over ``rows`` rows, centred."""
    return [int((i + 0.5) * rows / n) for i in range(n)]


# braille dot bits, by (x % 2, y % 4) within a cell of 2 × 4 dots
_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]])


class Canvas:
    """Braille dots over a grid of cells; each cell keeps the style of the strongest edge
    through it. NumPy over all the dots at once: 12-12-12 nets in ~1 ms, not ~15 ms."""

    def __init__(self, width: int, rows: int) -> None:
        self.bits = np.zeros((rows, width), dtype=np.int32)
        self.line_of = np.full((rows, width), -1)  # the line whose style each cell shows
        self.styles: list[Style] = []  # each line's style

    def lines(self, ends: np.ndarray, ranks: np.ndarray, dotted: np.ndarray, styles) -> None:
        """One line per row of ``ends`` (x0, y0, x1, y1 in dots); where lines cross, the cell
        takes the style of the highest ``rank``; every other pair of dots is left out of a
        ``dotted`` line."""
        if not len(ends):
            return
        x0, y0, x1, y1 = (ends[:, k].astype(float) for k in range(4))
        steps = np.maximum(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0)), 1).astype(int)
        line = np.repeat(np.arange(len(ends)), steps + 1)
        k = np.arange(len(line)) - np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)
        keep = ~(dotted[line] & ((k // 2) % 2 == 1))
        line, k = line[keep], k[keep]
        t = k / steps[line]
        x = np.rint(x0[line] + (x1 - x0)[line] * t).astype(int)
        y = np.rint(y0[line] + (y1 - y0)[line] * t).astype(int)
        rows, width = self.bits.shape
        cx, cy = x // 2, y // 4
        inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < rows)
        x, y, cx, cy, line = x[inside], y[inside], cx[inside], cy[inside], line[inside]
        np.bitwise_or.at(self.bits, (cy, cx), _BITS[x % 2, y % 4])
        best = np.full(self.bits.shape, -1)
        np.maximum.at(best, (cy, cx), ranks[line])
        by_rank = np.argsort(ranks)  # the line of each rank (ranks are 0..n-1)
        self.line_of = np.where(best >= 0, by_rank[np.maximum(best, 0)], -1)
        self.styles = list(styles)


def _draw_edges(canvas: Canvas, sizes, xs, ys, edges: Edges) -> None:
    """Every edge of every layer; where edges cross, the strongest one's colour shows."""
    ends, strength, styles, dotted = [], [], [], []
    for m in range(1, len(sizes)):
        M = edges.matrices[m - 1]
        for i in range(sizes[m]):
            for j in range(sizes[m - 1]):
                v = float(M[i, j]) if M is not None else 0.0
                ends.append(
                    (2 * (xs[m - 1] + 1), 4 * ys[m - 1][j] + 2, 2 * xs[m] - 1, 4 * ys[m][i] + 2)
                )
                if M is None:  # not computed yet: grey, under every computed edge
                    strength.append(-1.0)
                    styles.append(NOT_YET)
                    dotted.append(True)
                    continue
                size = abs(v) / edges.scale if np.isfinite(v) else 1.0
                level = min(LEVELS - 1, int(size * LEVELS))
                strength.append(size)
                styles.append(EDGE_STYLES[1 if v >= 0 else -1, level])
                dotted.append(v < 0)
    ranks = np.argsort(np.argsort(np.array(strength), kind="stable"), kind="stable")
    canvas.lines(np.array(ends, dtype=int).reshape(-1, 4), ranks, np.array(dotted), styles)


def _labels(texts: list[str], xs: list[int], width: int, styles: list[str]) -> Text:
    """A row of labels, each centred on its column (and kept inside the pane)."""
    line = Text(" " * width, no_wrap=True, overflow="crop")
    for text, x, style in zip(texts, xs, styles, strict=True):
        start = min(max(0, x - len(text) // 2), max(0, width - len(text)))
        line = line[:start] + Text(text, style=style) + line[start + len(text) :]
    return line


_CANVASES: dict[tuple, Canvas] = {}  # the last few drawings: forward stops keep Wᵐ


def _canvas(sizes, xs, ys, edges: Edges, width: int, rows: int) -> Canvas:
    """The edges drawn, or the same drawing again when nothing it shows has changed."""
    shown = tuple(None if M is None else M.tobytes() for M in edges.matrices)
    key = (tuple(sizes), width, rows, edges.scale, edges.label, shown)
    canvas = _CANVASES.get(key)
    if canvas is None:
        if len(_CANVASES) > 8:
            _CANVASES.clear()
        canvas = _CANVASES[key] = Canvas(width, rows)
        _draw_edges(canvas, sizes, xs, ys, edges)
    return canvas


def graph_lines(
    session, viewed: int, width: int, rows: int, hide_delta: int | None = None
) -> tuple[list[Text], list[int]]:
    """The header (layer names, the stop's lit), ``rows`` rows of nodes and edges (a unit that
    stopped learning on this batch drawn ◍ saturated or ○ dead), the ‖δᵐ‖ row (layer
    ``hide_delta``'s left blank: a quiz asks for it) and the edges' legend; and the x of each
    layer's column (for clicks)."""
    net = session.network
    sizes, L = list(net.sizes), net.L
    xs = [round(m * (width - 1) / L) for m in range(L + 1)]
    ys = [node_rows(n, rows) for n in sizes]
    stop = session.stop
    here = stop.layer if stop.phase not in (Phase.START, Phase.COST) else None
    gap = (width - 1) / L
    names = ["x"] + [f"m={m}" if gap >= 6 else str(m) for m in range(1, L + 1)]
    heads = [LIT if m == here else "bold underline" if m == viewed else "" for m in range(L + 1)]
    lines = [_labels(names, xs, width, heads)]
    edges = edges_of(session)
    canvas = _canvas(sizes, xs, ys, edges, width, rows)
    stuck = _stuck_nodes(session, ys)
    for r in range(rows):
        nodes = {xs[m]: m for m in range(L + 1) if r in ys[m]}
        lines.append(_graph_row(canvas, r, nodes, here, viewed, stuck.get(r, {})))
    lines.append(_norms_row(session, xs, width, gap, hide_delta))
    lines.append(legend(edges, width, bool(net.l2), any(stuck.values())))
    return lines, xs


def _stuck_nodes(session, ys: list[list[int]]) -> dict[int, dict[int, str]]:
    """{row: {layer: glyph}} of the units that stopped learning on this batch: ◍ saturated,
    ○ dead (``session.units``)."""
    out: dict[int, dict[int, str]] = {}
    for m, h in unit_health(session).items():
        for glyph, units in (
            (STUCK_GLYPHS["saturated"], h.saturated),
            (STUCK_GLYPHS["dead"], h.dead),
        ):
            for i in units:
                if i < len(ys[m]):
                    out.setdefault(ys[m][i], {})[m] = glyph
    return out


def _graph_row(
    canvas: Canvas, r: int, nodes: dict[int, int], here, viewed: int, stuck: dict[int, str]
) -> Text:
    """Row ``r``: nodes (●, the stop's layer lit; ``stuck``: layer → the glyph of a unit that
    stopped learning), braille edges, blanks; one span a run of cells of one style (a
    Text.append a cell took 8 ms a key on 12-unit nets)."""
    chars: list[str] = []
    spans: list[Span] = []
    bits, line_of, styles = canvas.bits[r], canvas.line_of[r], canvas.styles
    last: Style | str | None = None
    for x in range(len(bits)):
        if x in nodes:
            m = nodes[x]
            style: Style | str = NODE_LIT if m == here else NODE_VIEWED if m == viewed else NODE
            if m in stuck:
                style = STUCK if m not in (here, viewed) else style
            chars.append(stuck.get(m, "●"))
        elif bits[x]:
            style = styles[line_of[x]]
            chars.append(chr(0x2800 + int(bits[x])))
        else:
            style = ""
            chars.append(" ")
        if style and style is last:  # the run goes on
            spans[-1] = Span(spans[-1].start, x + 1, style)
        elif style:
            spans.append(Span(x, x + 1, style))
        last = style
    return Text("".join(chars), spans=spans, no_wrap=True, overflow="crop")


def _norms_row(session, xs: list[int], width: int, gap: float, hide: int | None = None) -> Text:
    """‖δᵐ‖ under each layer the backward pass has reached this iteration (but ``hide``)."""
    texts, styles = ["‖δ‖"], ["dim"]
    for m in range(1, session.L + 1):
        ev = session.event_at(StopId(Phase.BACKWARD, m))
        digits = 2 if gap >= 7 else 1
        norm = "" if ev is None or m == hide else compact(float(np.linalg.norm(ev.delta)), digits)
        texts.append(norm)
        styles.append("#c678dd")
    return _labels(texts, xs, width, styles)


def legend(edges: Edges, width: int, regularised: bool = True, stuck: bool = False) -> Text:
    """What the edges show, their scale, and how the sign is drawn (and, at a backward stop,
    the layers not reached yet; where units stopped learning, their glyphs): as much of it as
    fits ``width``. ∂J/∂W when λ = 0 (``regularised`` False), ∂Ĵ/∂W when λ > 0."""
    scale = with_cost_symbol(f"{edges.label} ±{compact(edges.scale, 2)}", regularised)
    solid, dotted = str(EDGE_STYLES[1, LEVELS - 1]), str(EDGE_STYLES[-1, LEVELS - 1])
    later = any(M is None for M in edges.matrices)
    for prefix, gap, mark in (("edges ", "  ", "⠒⠒⠒"), ("", "  ", "⠒⠒"), ("", " ", "⠒")):
        parts = [(prefix + scale, ""), (gap + mark + " +", solid), (gap + "⠒ ⠒ −", dotted)]
        if later:
            parts.append((gap + "⠒ ⠒ not yet", str(NOT_YET)))
        if stuck:
            parts.append((gap + "◍ sat ○ dead", STUCK))
        text = Text.assemble(*parts, no_wrap=True, overflow="crop")
        if text.cell_len <= width:
            return text
    if later:  # narrow, at a backward stop: which layers have no gradient yet matters most
        text = Text.assemble((scale, ""), (" ⠒ ⠒ not yet", str(NOT_YET)), no_wrap=True)
        if text.cell_len <= width:
            return text
    return Text(scale, style="dim", no_wrap=True, overflow="crop")
