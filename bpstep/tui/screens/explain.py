"""The arithmetic behind one number (``x``): the explanation of ``bpstep.session.explain`` in a
modal box, the rule in the lesson's symbols, then the same with this stop's numbers; a quiz's
verdict above it when it reveals an answer."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from bpstep.session.explain import Explanation, num

RULE_STYLE = "bold #e5c07b"
VALUE_STYLE = "bold #98c379"


def explanation_text(ex: Explanation) -> Text:
    """The explanation as styled lines: what and where, the rule, the arithmetic."""
    text = Text()
    text.append(ex.symbol, style="bold")
    text.append(f" = {num(ex.value, 6)}", style=VALUE_STYLE)
    if ex.where:
        text.append(f"   {ex.where}", style="dim")
    text.append("\n\n")
    text.append(ex.equation + "\n", style=RULE_STYLE)
    for line in ex.lines:
        final = line.startswith("=") and line == f"= {num(ex.value, 6)}"
        text.append(line + "\n", style=VALUE_STYLE if final else "")
    return text


class ExplainScreen(ModalScreen[None]):
    """One entry's arithmetic; escape, x or q closes it, the arrows scroll a long one."""

    AUTO_FOCUS = "#explain-box"
    BINDINGS = [Binding("escape,x,q", "close", "close", id="explain.close")]

    def __init__(self, *explanations: Explanation, verdict: Text | None = None) -> None:
        """``explanations``: the entry's, then any that follow from it (Cᵢ, then J)."""
        super().__init__()
        self.explanations = explanations
        self.explanation = explanations[0]
        self.verdict = verdict

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="explain-box") as box:
            box.border_title = "explain this number"
            box.border_subtitle = "escape closes"
            if self.verdict is not None:
                yield Static(self.verdict, id="explain-verdict")
            text = Text("\n").join(explanation_text(ex) for ex in self.explanations)
            text.rstrip()
            yield Static(text, id="explain-text")

    def action_close(self) -> None:
        self.dismiss(None)
