"""The Temporal judge: HistoryEvent ids, skipped deprecated markers, commands split across tasks."""

from __future__ import annotations

from patchlint.diff import changes as C
from patchlint.diff.judge import MAX_LABELS, Judge, Numbers
from patchlint.semantics import temporal, temporal_events
from patchlint.semantics.history import MARKER, TemporalHistory
from patchlint.semantics.trace import Issued


class TemporalJudge(Judge):
    engine = temporal

    @staticmethod
    def _against(history: TemporalHistory) -> TemporalHistory:
        return history

    def _compared(self, recorded: list[Issued], new: list[Issued]) -> list[Issued]:
        """Temporal skips a deprecated marker no command asks for: it is not a difference."""
        asked = {ev.key for ev in new if ev.key[0] == MARKER}
        return [ev for ev in recorded if not (ev.key[0] == MARKER and ev.deprecated and ev.key not in asked)]

    def _numbers(self) -> tuple[Numbers, Numbers]:
        """HistoryEvent ids, in the usual layout of a history (``temporal_events.event_ids``)."""
        recorded = dict(zip(map(id, _history_order(self.recorded)), temporal_events.event_ids(self.cuts[-1])))
        head_history = temporal.histories(self.new_run, self.new_wf.name)[-1]
        head = dict(zip(map(id, _history_order(self.new_run.events)), temporal_events.event_ids(head_history)))
        return (
            tuple(recorded.get(id(e), 0) for e in self.old[:MAX_LABELS]),
            tuple(head.get(id(e), 0) for e in self.new[:MAX_LABELS]),
        )

    def _head_breaks(self, divergence: int | None) -> list[C.Change]:
        """Commands that went out in one workflow task now wait for each other. Replay matches one
        recorded workflow task at a time: if the head code blocks before it has issued every
        command of the task being replayed, the rest have no command. Seen as a failure of the
        head program's own replay before the first differing command."""
        open_failure, _ = self.engine.breaks(self.head_requests, self.cuts)
        if open_failure is None:
            return []
        failed = _history_order(self.recorded)[open_failure.result.position]
        position = next((i for i, ev in enumerate(self.old) if ev is failed), None)
        if position is None or position >= len(self.new) or (divergence is not None and position >= divergence):
            return []
        return [
            self._change(
                C.SPLIT_TASKS,
                *self._at(self.new[position]),
                breaks_in_flight=True,
                old_focus=(self.old[position].label(),),
                new_focus=(self.new[position].label(),),
                engine_message=open_failure.result.message,
                cut=open_failure.cut,
                event=open_failure.result.event_index,
            )
        ]


def _history_order(events) -> list[Issued]:
    """A run's entries in the order of its history (an LA's marker after its activation)."""
    order, _ = temporal.recorded_order(events)
    return [events[i] for i in order]
