"""Shared test settings.

Hypothesis runs a bounded number of examples with no per-example deadline, so that CI time stays
predictable on a 2-core machine; set HYPOTHESIS_PROFILE=thorough for a longer local run.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
