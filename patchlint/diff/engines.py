"""Which recorded histories a change breaks, per engine, on flat traces.

Temporal matches commands in order; an open workflow may be paused after any blocking command, so a
change at position ``i`` breaks an open run iff some pause point lies after ``i``. Completed runs
are replayed too (queries), so any difference breaks those.
DBOS checks the name recorded at every function id the code reaches; rows the code no longer
reaches are never looked at, and completed workflows are never replayed.
"""

from __future__ import annotations

from patchlint.diff.trace import MARKER, Ev, slot_rows
from patchlint.model.program import LOCAL_ACTIVITY
from patchlint.semantics.history import COMPLETE, TemporalEvent, TemporalHistory
from patchlint.semantics.temporal_events import PREFIX, TYPE_MISMATCH, activity_seqs, event_ids, show, unhandled

def temporal_normalise(old: list[Ev], new: list[Ev]) -> list[Ev]:
    """Deprecated markers the new code does not ask for are skipped by the engine: drop them."""
    asked = {ev.key for ev in new if ev.key[0] == MARKER}
    return [ev for ev in old if not (ev.key[0] == MARKER and ev.deprecated and ev.key not in asked)]


def temporal_pause_points(old: list[Ev]) -> list[int]:
    """History lengths at which an open workflow can sit: right after each blocking command."""
    return [i + 1 for i, ev in enumerate(old) if ev.pausable and ev.key[0] != MARKER]


def first_divergence(old_keys: list, new_keys: list) -> int | None:
    for i, (a, b) in enumerate(zip(old_keys, new_keys)):
        if a != b:
            return i
    if len(old_keys) != len(new_keys):
        return min(len(old_keys), len(new_keys))
    return None


def temporal_breaks(old: list[Ev], new: list[Ev]) -> tuple[bool, bool, int | None]:
    """(breaks an open run, breaks a completed run, divergence index in ``old``)."""
    d = first_divergence([e.key for e in old], [e.key for e in new])
    if d is None:
        return False, False, None
    return any(length > d for length in temporal_pause_points(old)), True, d


def dbos_breaks(old: list[Ev], new: list[Ev]) -> tuple[bool, int | None]:
    """(breaks an open run, first failing function id) for the run that recorded every old row."""
    recorded, issued = slot_rows(old), slot_rows(new)
    for slot in sorted(recorded):
        if slot in issued and issued[slot] != recorded[slot]:
            return True, slot
    return False, None


def temporal_message(old: list[Ev], recorded: int | None, issued: Ev | None, no_command: bool = False) -> str:
    """sdk-core's words for replaying ``old`` (completed) when event ``recorded`` (an index into
    ``old``, None past its end) meets the command ``issued`` (None: the run completes there)."""
    history = _history(old)
    ids = event_ids(history)
    if recorded is None:  # the history says the run completed; the code issues more
        return PREFIX + unhandled(issued.key[0], COMPLETE, ids[-1] if ids else 4)
    event = old[recorded]
    if no_command:
        return PREFIX + f"No command scheduled for event {show(event.key[0], ids[recorded])}"
    if event.key[0] == MARKER and (issued is None or issued.key != event.key):
        return (PREFIX + f"Non-deprecated patch marker encountered for change {event.key[1]}, "
                "but there is no corresponding change command!")
    kind = COMPLETE if issued is None else issued.key[0]
    if event.key[0] == LOCAL_ACTIVITY and kind != LOCAL_ACTIVITY:  # no LA claims the marker
        seq = activity_seqs(history.events)[recorded]
        return PREFIX + f"Missing associated machine for LocalActivity({seq})"
    if kind == LOCAL_ACTIVITY and event.key[0] != LOCAL_ACTIVITY:
        # an LA whose marker is not in the history never resolves: the run issues nothing more
        return PREFIX + f"No command scheduled for event {show(event.key[0], ids[recorded])}"
    if kind == event.key[0] and kind in TYPE_MISMATCH:
        return PREFIX + TYPE_MISMATCH[kind].format(old=event.key[1], new=issued.key[1])
    return PREFIX + unhandled(kind, event.key[0], ids[recorded])


def _history(old: list[Ev]) -> TemporalHistory:
    events = tuple(TemporalEvent(e.key[0], e.key[1], e.key[1] if e.key[0] == MARKER else None, e.deprecated)
                   for e in old)
    ends = tuple(i for i, e in enumerate(old) if e.pausable)
    return TemporalHistory("workflow", events, True, ends)
