"""Which recorded histories a change breaks, per engine, on flat traces.

Temporal matches commands in order; an open workflow may be paused after any blocking command, so a
change at position ``i`` breaks an open run iff some pause point lies after ``i``. Completed runs
are replayed too (queries), so any difference breaks those.
DBOS checks the name recorded at every function id the code reaches; rows the code no longer
reaches are never looked at, and completed workflows are never replayed.
"""

from __future__ import annotations

from patchlint.diff.trace import MARKER, Ev, slot_rows

TMPRL = "[TMPRL1100] Nondeterminism error: "

_EVENT_NAMES = {
    "activity": "ActivityTaskScheduled",
    "local_activity": "MarkerRecorded (local activity)",
    "timer": "TimerStarted",
    "child_workflow": "StartChildWorkflowExecutionInitiated",
    "signal_external": "SignalExternalWorkflowExecutionInitiated",
    "cancel_external": "RequestCancelExternalWorkflowExecutionInitiated",
    "continue_as_new": "WorkflowExecutionContinuedAsNew",
    "upsert_search_attributes": "UpsertWorkflowSearchAttributes",
    MARKER: "MarkerRecorded (core_patch)",
}
_COMMAND_NAMES = {
    "activity": "ScheduleActivityTask",
    "local_activity": "ScheduleLocalActivity",
    "timer": "StartTimer",
    "child_workflow": "StartChildWorkflowExecution",
    "signal_external": "SignalExternalWorkflowExecution",
    "cancel_external": "RequestCancelExternalWorkflowExecution",
    "continue_as_new": "ContinueAsNewWorkflowExecution",
    "upsert_search_attributes": "UpsertWorkflowSearchAttributes",
    MARKER: "RecordMarker (core_patch)",
}


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


def temporal_message(recorded: Ev | None, issued: Ev | None, no_command_for: Ev | None = None) -> str:
    if no_command_for is not None:
        return f"{TMPRL}No command scheduled for event {_EVENT_NAMES.get(no_command_for.key[0], no_command_for.key[0])} ('{no_command_for.key[1]}')"
    if recorded is not None and recorded.key[0] == MARKER and (issued is None or issued.key != recorded.key):
        return (f"{TMPRL}Non-deprecated patch marker encountered for change {recorded.key[1]}, "
                "but there is no corresponding change command!")
    if recorded is None:
        return f"{TMPRL}The workflow issued {_COMMAND_NAMES.get(issued.key[0], issued.key[0])} for '{issued.key[1]}' but the history has no more commands (the run had completed)"
    if issued is None:
        return f"{TMPRL}No command scheduled for event {_EVENT_NAMES.get(recorded.key[0], recorded.key[0])} ('{recorded.key[1]}')"
    if recorded.key[0] == issued.key[0] == "activity":
        return (f"{TMPRL}Activity type of scheduled event '{recorded.key[1]}' does not match activity "
                f"type of activity command '{issued.key[1]}'")
    if recorded.key[0] == issued.key[0] == "child_workflow":
        return (f"{TMPRL}Child workflow type of initiated event '{recorded.key[1]}' does not match "
                f"child workflow type of command '{issued.key[1]}'")
    if recorded.key[0] == issued.key[0] == "local_activity":
        return (f"{TMPRL}Local activity type of recorded marker '{recorded.key[1]}' does not match "
                f"local activity command '{issued.key[1]}'")
    return (f"{TMPRL}{_EVENT_NAMES.get(recorded.key[0], recorded.key[0])} event for '{recorded.key[1]}' "
            f"does not match {_COMMAND_NAMES.get(issued.key[0], issued.key[0])} command for '{issued.key[1]}'")


def dbos_message(workflow: str, slot: int, recorded: str, expected: str) -> str:
    return (f"DBOSUnexpectedStepError: During execution of workflow <{workflow} id> step {slot}, "
            f"function {recorded} was recorded when {expected} was expected.")
