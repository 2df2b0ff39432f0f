"""Shared test settings.

Hypothesis runs a bounded number of examples with no per-example deadline, so that CI time stays
predictable on a 2-core machine, and the same examples at every run (``derandomize``): a red CI
is then about the change, not about a draw (a fresh run once drew a σ saturated to exactly 1,
which broke a test's own reference). HYPOTHESIS_PROFILE=thorough explores: 400 random examples
a test.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
