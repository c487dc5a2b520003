"""Hypothesis profiles for the fuzz suite.

``ci`` (the default) keeps the whole suite well under a minute; ``thorough`` is the
opt-in long run: ``HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/fuzz``. Neither keeps
an example database on disk, so runs do not depend on earlier ones.

The profiles are registered here and applied by the fuzz tests through ``FUZZ``, not
loaded globally, so other suites keep their own Hypothesis settings.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

# The app and its test client are created once per test and reused by every example:
# the sandbox is a long-running server, and state piling up between examples is part of
# what is fuzzed.
_COMMON: dict[str, Any] = {
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    "deadline": None,
    "database": None,
}
settings.register_profile("ci", max_examples=60, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FUZZ = settings(settings.get_profile(PROFILE if PROFILE in ("ci", "thorough") else "ci"))
