"""The batch: which samples are in it and, for images, the selected one drawn with its label."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from bpstep.notation import sup
from bpstep.session import Phase, StopId


class _Image:
    def __init__(self, img: np.ndarray) -> None:
        self.img = img

    def __rich_console__(self, console, options):
        img = self.img
        lo, hi = float(np.nanmin(img)), float(np.nanmax(img))
        span = hi - lo or 1.0
        g = ((img - lo) / span * 255).astype(int)
        for r in range(0, g.shape[0], 2):
            for c in range(g.shape[1]):
                top = g[r, c]
                bot = g[r + 1, c] if r + 1 < g.shape[0] else 0
                yield Segment(
                    "▀", Style(color=f"rgb({top},{top},{top})", bgcolor=f"rgb({bot},{bot},{bot})")
                )
            yield Segment.line()


class InputView(Static):
    def show(self, session, sample: int) -> None:
        idx = session.batch_indices
        d = session.dataset
        # repaint only when the batch, the sample or the prediction (this iteration's aᴸ) change
        out = session.event_at(StopId(Phase.FORWARD, session.L))
        key = (idx.tobytes(), sample, id(out), session.index == 0)
        if key == getattr(self, "_shown", None):
            return
        self._shown = key
        if idx is None or len(idx) == 0:
            self.update(Text(f"{d.summary()}\nno batch yet: press n", style="dim"))
            return
        s = min(max(sample, 0), len(idx) - 1)
        shown = ", ".join(str(int(i)) for i in idx[:12]) + (" …" if len(idx) > 12 else "")
        parts: list[RenderableType] = []
        i = int(idx[s])
        x = d.X_train[:, i]
        label = (
            d.classes[int(d.labels_train[i])]
            if d.labels_train is not None
            else np.array2string(d.Y_train[:, i], precision=3)
        )
        parts.append(Text(f"sample {s + 1}/{len(idx)} (#{i})", style="bold"))
        parts.append(
            Text.assemble(
                "label ",
                (str(label), "bold green"),
                "   prediction ",
                _prediction(out, s, d, session.L),
            )
        )
        if d.image_shape is not None:
            parts.append(_Image(x.reshape(d.image_shape)))
        else:
            parts.append(Text("x = " + np.array2string(x[:8], precision=3)))
        # the batch last: a short pane (80×24) cuts it first, and keeps the sample
        parts.append(Text(f"batch: samples {shown} of {d.n_train}", style="dim"))
        # the pane is as tall as its content: a layout pass when a new batch may wrap differently
        batch = idx.tobytes()
        self.update(Group(*parts), layout=batch != getattr(self, "_batch", None))
        self._batch = batch


def _prediction(out, s: int, d, L: int) -> Text:
    """The network's answer for sample s from this iteration's aᴸ; blank (with when it comes)
    until the forward pass has reached the output layer."""
    if out is None:
        return Text(f"(a{sup(L)} at forward m={L})", style="dim")
    a = out.a[:, s]
    if a.size > 1:
        pred = d.classes[int(a.argmax())] if d.classes else str(int(a.argmax()))
    else:
        pred = d.classes[int(a[0] > 0.5)] if d.classes and len(d.classes) == 2 else f"{a[0]:.3f}"
    return Text(str(pred), style="bold #e5c07b")
