"""The reference runtime: an exact, small model of how Temporal and DBOS replay a history.

``history`` (what a run recorded), ``choices`` (which way each branch went), ``interpret`` (a
step program run as a stream of requests), one module per engine with ``record`` and ``replay``,
and ``verify`` (the runtime as judge of the static findings).
"""

from __future__ import annotations

from patchlint.semantics.result import ReplayResult


def record(workflow, choices):
    """Histories of ``workflow`` run live under ``choices``, dispatched on its engine."""
    return _engine(workflow).record(workflow, choices)


def replay(workflow, history, choices) -> ReplayResult:
    """Replay ``history`` with ``workflow`` under ``choices``, dispatched on its engine."""
    return _engine(workflow).replay(workflow, history, choices)


def _engine(workflow):
    from patchlint.semantics import dbos, temporal

    return {"temporal": temporal, "dbos": dbos}[workflow.engine]


__all__ = ["ReplayResult", "record", "replay"]
