"""The learner's code's time limit, as the TUI imports it (``interrupt_all`` when it quits).

The code lives in :mod:`bpstep.checker.deadline` (the checker runs the learner's code); this
module keeps the name ``bpstep.session.deadline`` that ``bpstep/tui/app.py`` imports until the
TUI imports the checker's runner directly.
"""

from bpstep.checker.deadline import TIME_LIMIT, TimeLimit, call_with_time_limit, interrupt_all

__all__ = ["TIME_LIMIT", "TimeLimit", "call_with_time_limit", "interrupt_all"]
