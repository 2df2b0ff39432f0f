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
from rich.text import Text

from bpstep.session import Phase, StopId
from bpstep.tui.numbers import compact

MAX_UNITS = 12  # wider layers: the columns
MIN_GAP = 5  # cells between two columns of nodes, for their edges to be told apart
LIT = "bold black on #61afef"  # the stop's layer, as in the columns
NODE, NODE_LIT, NODE_VIEWED = "#abb2bf", "bold #e5c07b", "bold #61afef"
NOT_YET = Style(color="#4b5263")  # edges whose gradient the backward pass has not reached
LEVELS = 8  # brightness levels of an edge
_BASE = np.array([50, 54, 62])  # near the pane's background: an edge of size 0
_POSITIVE, _NEGATIVE = np.array([255, 96, 64]), np.array([64, 150, 255])
# braille dot bits, by (x, y) within a cell of 2 × 4 dots
_DOTS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20,
         (0, 3): 0x40, (1, 3): 0x80}  # fmt: skip


def _edge_styles() -> dict[tuple[int, int], Style]:
    """(sign, level) → style: level 0 faint (but visible), LEVELS − 1 the brightest."""
    out = {}
    for sign, target in ((1, _POSITIVE), (-1, _NEGATIVE)):
        for level in range(LEVELS):
            t = 0.25 + 0.75 * level / (LEVELS - 1)
            r, g, b = (_BASE + (target - _BASE) * t).astype(int)
            out[sign, level] = Style(color=f"#{r:02x}{g:02x}{b:02x}", bold=level == LEVELS - 1)
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


class Canvas:
    """Braille dots over a grid of cells; each cell keeps the style of the strongest edge
    through it (edges are drawn weakest first)."""

    def __init__(self, width: int, rows: int) -> None:
        self.bits = np.zeros((rows, width), dtype=np.int32)
        self.styles: dict[tuple[int, int], Style] = {}

    def line(self, x0: int, y0: int, x1: int, y1: int, style: Style, dotted: bool) -> None:
        """Dots from (x0, y0) to (x1, y1) (dot coordinates), every other pair left out when
        ``dotted``."""
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        rows, width = self.bits.shape
        for k in range(steps + 1):
            if dotted and (k // 2) % 2:
                continue
            x = round(x0 + (x1 - x0) * k / steps)
            y = round(y0 + (y1 - y0) * k / steps)
            cx, cy = x // 2, y // 4
            if 0 <= cx < width and 0 <= cy < rows:
                self.bits[cy, cx] |= _DOTS[x % 2, y % 4]
                self.styles[cy, cx] = style


def _draw_edges(canvas: Canvas, sizes, xs, ys, edges: Edges) -> None:
    """Every edge of every layer, weakest first so that the strong ones stay on top."""
    drawn = []
    for m in range(1, len(sizes)):
        M = edges.matrices[m - 1]
        for i in range(sizes[m]):
            for j in range(sizes[m - 1]):
                v = float(M[i, j]) if M is not None else 0.0
                strength = abs(v) / edges.scale if np.isfinite(v) else 1.0
                drawn.append((strength if M is not None else -1.0, m, i, j, v))
    drawn.sort(key=lambda e: e[0])
    for strength, m, i, j, v in drawn:
        if strength < 0:
            style, dotted = NOT_YET, True
        else:
            level = min(LEVELS - 1, int(strength * LEVELS))
            style, dotted = EDGE_STYLES[1 if v >= 0 else -1, level], v < 0
        x0, x1 = 2 * (xs[m - 1] + 1), 2 * xs[m] - 1
        canvas.line(x0, 4 * ys[m - 1][j] + 2, x1, 4 * ys[m][i] + 2, style, dotted)


def _labels(texts: list[str], xs: list[int], width: int, styles: list[str]) -> Text:
    """A row of labels, each centred on its column (and kept inside the pane)."""
    line = Text(" " * width, no_wrap=True, overflow="crop")
    for text, x, style in zip(texts, xs, styles, strict=True):
        start = min(max(0, x - len(text) // 2), max(0, width - len(text)))
        line = line[:start] + Text(text, style=style) + line[start + len(text) :]
    return line


def graph_lines(session, viewed: int, width: int, rows: int) -> tuple[list[Text], list[int]]:
    """The header (layer names, the stop's lit), ``rows`` rows of nodes and edges, the ‖δᵐ‖
    row and the edges' legend; and the x of each layer's column (for clicks)."""
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
    canvas = Canvas(width, rows)
    edges = edges_of(session)
    _draw_edges(canvas, sizes, xs, ys, edges)
    for r in range(rows):
        line = Text(no_wrap=True, overflow="crop")
        nodes = {xs[m]: m for m in range(L + 1) if r in ys[m]}
        for x in range(width):
            if x in nodes:
                m = nodes[x]
                style = NODE_LIT if m == here else NODE_VIEWED if m == viewed else NODE
                line.append("●", style=style)
            elif canvas.bits[r, x]:
                line.append(chr(0x2800 + int(canvas.bits[r, x])), style=canvas.styles[r, x])
            else:
                line.append(" ")
        lines.append(line)
    lines.append(_norms_row(session, xs, width, gap))
    lines.append(legend(edges, width))
    return lines, xs


def _norms_row(session, xs: list[int], width: int, gap: float) -> Text:
    """‖δᵐ‖ under each layer the backward pass has reached this iteration."""
    texts, styles = ["‖δ‖"], ["dim"]
    for m in range(1, session.L + 1):
        ev = session.event_at(StopId(Phase.BACKWARD, m))
        norm = "" if ev is None else compact(float(np.linalg.norm(ev.delta)), 2 if gap >= 7 else 1)
        texts.append(norm)
        styles.append("#c678dd")
    return _labels(texts, xs, width, styles)


def legend(edges: Edges, width: int) -> Text:
    """What the edges show, their scale, and how the sign is drawn (and, at a backward stop,
    the layers not reached yet): as much of it as fits ``width``."""
    scale = f"{edges.label} ±{compact(edges.scale, 2)}"
    solid, dotted = str(EDGE_STYLES[1, LEVELS - 1]), str(EDGE_STYLES[-1, LEVELS - 1])
    later = any(M is None for M in edges.matrices)
    for prefix, gap, mark in (("edges ", "  ", "⠒⠒⠒"), ("", "  ", "⠒⠒"), ("", " ", "⠒")):
        parts = [(prefix + scale, ""), (gap + mark + " +", solid), (gap + "⠒ ⠒ −", dotted)]
        if later:
            parts.append((gap + "⠒ ⠒ not yet", str(NOT_YET)))
        text = Text.assemble(*parts, no_wrap=True, overflow="crop")
        if text.cell_len <= width:
            return text
    if later:  # narrow, at a backward stop: which layers have no gradient yet matters most
        text = Text.assemble((scale, ""), (" ⠒ ⠒ not yet", str(NOT_YET)), no_wrap=True)
        if text.cell_len <= width:
            return text
    return Text(scale, style="dim", no_wrap=True, overflow="crop")
