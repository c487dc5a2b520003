"""Hypothesis profiles for the fuzz tests, and the strategies several of them draw from.

``ci`` (the default) keeps the whole suite well under a minute; ``thorough`` is the
opt-in long run::

    HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/api/test_gateway_fuzz.py \
        tests/admin/test_admin_fuzz.py tests/signing/test_signing_properties.py

Neither keeps an example database on disk, so runs do not depend on earlier ones.

The profiles are registered here and applied by the fuzz tests through ``FUZZ``, not
loaded globally, so other suites keep their own Hypothesis settings.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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

# Any code point, surrogates included (Hypothesis draws those rarely, so add some).
ANY_CHAR = st.characters(exclude_categories=())
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud800", "\x00", "\u202e", "💸" * 5]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(ANY_CHAR, max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
