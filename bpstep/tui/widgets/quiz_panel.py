"""The quiz pane (``bpstep --quiz``): this stop's question, or how it was answered, and the
running score per kind of quantity."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from bpstep.session.quiz import Question, QuizScore, Verdict

RIGHT_STYLE = "bold #98c379"
WRONG_STYLE = "bold #e06c75"


class QuizPanel(Static):
    def show(self, question: Question | None, verdict: Verdict | None, score: QuizScore) -> None:
        if verdict is not None:
            head = Text(verdict.text, style=RIGHT_STYLE if verdict.right else WRONG_STYLE)
            head.append("   x explains it", style="dim")
        elif question is not None:
            head = Text.assemble(
                ("Q: ", "bold"), (question.prompt, "bold #e5c07b"), ("   a answers", "dim")
            )
        else:
            head = Text("no question at this stop: n steps on", style="dim")
        lines = [head, Text.assemble(("score  ", "dim"), score.line())]
        self.update(Group(*lines))
