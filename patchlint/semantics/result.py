"""The outcome of one replay, in the engine's own words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplayResult:
    """``ok``, or where replay failed and what the engine says.

    ``event_index`` is the engine's own number for the place: the Temporal ``HistoryEvent`` id
    (as in ``HistoryEvent(id: 7, ActivityTaskScheduled)``), the DBOS function id (``step 3``).
    ``position`` is the 0-based index into the history's events / rows. ``step`` names the step
    the new code issued there (or the recorded one when the code issued nothing).
    """

    ok: bool
    event_index: int | None = None
    step: str | None = None
    message: str = ""
    position: int | None = None


@dataclass(frozen=True)
class Failure:
    """A history (one cut of a run) and the failed replay of it."""

    history: object  # TemporalHistory | DbosHistory
    result: ReplayResult

    @property
    def in_flight(self) -> bool:
        return not self.history.completed

    @property
    def cut(self) -> str:
        return self.history.describe()
