"""``assert_backprop``: a learner's backprop checked in one line of a teacher's test.

::

    from bpstep.testing import assert_backprop

    def test_backprop():                                  # pytest, GitHub Classroom
        assert_backprop("backprop.py")

    def test_backprop_with_l2():
        assert_backprop("backprop.py", l2=0.1)

    assert_backprop({"output_delta": output_delta, "hidden_delta": hidden_delta})  # nbgrader

``assert_backprop(source, **options)`` runs ``bpstep.check(source, **options)`` (the same
sources and options: see ``bpstep.session.grading``) and raises ``AssertionError`` when the
report is not ok. Its message is the report's human text: a headline naming the origin (the
first quantity on the way back that is wrong) and its slip, then the whole report (the table,
each wrong value's message and hint). Code that cannot be checked at all (a missing file, a
syntax error, nothing bpstep recognises: ``UserCodeError``) fails the same way, with that one
line: it is the learner's to fix, and so is a function named in ``require`` that the learner
did not define. A bad option (``ConfigError``) is the test's own mistake and is raised as it is.
When the report is ok it is returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from bpstep.checker import CheckReport

__all__ = ["assert_backprop", "failure_message"]


def assert_backprop(
    source: object, *, require: str | Iterable[str] = (), **options: Any
) -> CheckReport:
    """Check ``source`` as ``bpstep.check`` does; AssertionError with the report's text unless
    every result agrees (see the module docstring).

    ``require``: functions the learner must define. bpstep's four functions may be left out
    (the engine's own are used in their place, and pass), which a learner's exercise should not
    allow: ``require=["output_delta", "hidden_delta", "weight_grad", "bias_grad"]``.
    """
    __tracebackhide__ = True  # pytest shows the teacher's line, not this function's
    from bpstep.engine.errors import ConfigError, UserCodeError
    from bpstep.session.grading import check

    required = [require] if isinstance(require, str) else list(require)
    if not all(isinstance(name, str) for name in required):
        raise ConfigError(f"require must be function names, got {require!r}")
    try:
        report = check(source, **options)
    except UserCodeError as exc:
        raise AssertionError(f"bpstep cannot check this backprop: {exc}") from None
    missing = [name for name in required if name not in report.defined]
    if missing:
        raise AssertionError(
            f"{report.file} does not define {', '.join(missing)} (required); it defines "
            f"{', '.join(report.defined) or 'none of them'}"
        )
    if not report.ok:
        raise AssertionError(failure_message(report))
    return report


def failure_message(report: CheckReport) -> str:
    """The headline (what is wrong first, and the slip that fits its numbers), then the report."""
    from bpstep.checker import Status

    origin = report.origin
    bad = sum(not r.ok for r in report.findings)
    if origin is None:
        headline = f"{bad} of {len(report.findings)} results disagree or fail"
    else:
        verb = "fails" if origin.status is Status.ERROR else "is wrong"
        slip = f" ({origin.slip})" if origin.slip else ""
        headline = f"{origin.function} at {origin.symbol} {verb}{slip}"
        if verb == "fails" and origin.message and not origin.hint:
            headline += f": {origin.message}"
        if origin.hint:
            headline += f": {origin.hint}"
    return f"backprop disagrees with bpstep's engine: {headline}\n\n{report}"
