"""What sdk-core calls and numbers things: event types, machine names, message templates, ids.

Kept apart from the replay rules (``temporal``) so the rules read as rules; every text here is
sdk-core's own (``[TMPRL1100] Nondeterminism error: `` + the machine's message).
"""

from __future__ import annotations

from patchlint.model.program import (
    ACTIVITY,
    CANCEL_EXTERNAL,
    CHILD_WORKFLOW,
    CONTINUE_AS_NEW,
    LOCAL_ACTIVITY,
    SIGNAL_EXTERNAL,
    TIMER,
    UPSERT_MEMO,
    UPSERT_SEARCH_ATTRIBUTES,
)
from patchlint.semantics.history import (
    CANCEL_TIMER,
    COMPLETE,
    MARKER,
    UPDATE_ACCEPTED,
    UPDATE_COMPLETED,
    TemporalHistory,
)

PREFIX = "[TMPRL1100] Nondeterminism error: "

EVENT_TYPES = {
    ACTIVITY: "ActivityTaskScheduled",
    LOCAL_ACTIVITY: "MarkerRecorded",
    TIMER: "TimerStarted",
    CHILD_WORKFLOW: "StartChildWorkflowExecutionInitiated",
    SIGNAL_EXTERNAL: "SignalExternalWorkflowExecutionInitiated",
    CANCEL_EXTERNAL: "RequestCancelExternalWorkflowExecutionInitiated",
    CONTINUE_AS_NEW: "WorkflowExecutionContinuedAsNew",
    UPSERT_SEARCH_ATTRIBUTES: "UpsertWorkflowSearchAttributes",
    MARKER: "MarkerRecorded",
    COMPLETE: "WorkflowExecutionCompleted",
    UPDATE_ACCEPTED: "WorkflowExecutionUpdateAccepted",
    UPDATE_COMPLETED: "WorkflowExecutionUpdateCompleted",
    CANCEL_TIMER: "TimerCanceled",
    UPSERT_MEMO: "WorkflowPropertiesModified",
}
MACHINES = {
    ACTIVITY: "Activity",
    LOCAL_ACTIVITY: "Local activity",
    TIMER: "Timer",
    CHILD_WORKFLOW: "Child workflow",
    SIGNAL_EXTERNAL: "Signal external WF",
    CANCEL_EXTERNAL: "Cancel external WF",
    CONTINUE_AS_NEW: "Continue as new workflow",
    UPSERT_SEARCH_ATTRIBUTES: "Upsert search attributes",
    COMPLETE: "Complete workflow",
    UPDATE_ACCEPTED: "Update",
    UPDATE_COMPLETED: "Update",
    CANCEL_TIMER: "Timer",  # the timer's own machine issues its cancel command
}
TYPE_MISMATCH = {
    ACTIVITY: "Activity type of scheduled event '{old}' does not match activity type of activity command '{new}'",
    LOCAL_ACTIVITY: "Activity type of recorded marker '{old}' does not match activity type of "
    "local activity command '{new}'",
    CHILD_WORKFLOW: "Child workflow type of scheduled event '{old}' does not match child "
    "workflow type of command '{new}'",
}
# Events between the commands of one task and the next task's: what completes each blocking
# command (e.g. ActivityTaskStarted + ActivityTaskCompleted), then WorkflowTaskScheduled/Started.
_COMPLETION_EVENTS = {ACTIVITY: 2, CHILD_WORKFLOW: 2, TIMER: 1, SIGNAL_EXTERNAL: 1, CANCEL_EXTERNAL: 1}


SEQUENCED = (ACTIVITY, LOCAL_ACTIVITY)  # kinds sharing the "activity" sequence number


def activity_seqs(events) -> list[int | None]:
    """The activity sequence number of each event (None for kinds without one): the one the
    history says, else its place among the history's activities and local activities."""
    out, seq = [], 0
    for event in events:
        if event.kind in SEQUENCED:
            seq += 1
            out.append(event.seq if event.seq is not None else seq)
        else:
            out.append(None)
    return out


def ends_with_completion(history: TemporalHistory) -> bool:
    """A completed run closed by the completion command (not by continue-as-new)."""
    return history.completed and not (history.events and history.events[-1].kind == CONTINUE_AS_NEW)


def event_ids(history: TemporalHistory) -> list[int]:
    """The ``HistoryEvent`` id each command event gets in the usual layout of a run's history.

    1-3 are WorkflowExecutionStarted, WorkflowTaskScheduled, WorkflowTaskStarted; each task adds
    WorkflowTaskCompleted, its command events, the events that complete its blocking commands and
    the next WorkflowTaskScheduled/Started. Exact for sequential runs; concurrent completions may
    interleave differently on a real server (the id is then off by a few, the verdict is not).
    The completion command of a completed run gets the id after its task's last command.
    """
    if history.event_ids:
        return list(history.event_ids)  # a real history knows its ids
    ids: list[int] = []
    next_id = 3
    events = history.events
    for start, stop in history.tasks():
        next_id += 1  # WorkflowTaskCompleted
        for _ in range(start, stop):
            next_id += 1
            ids.append(next_id)
        for index in range(start, stop):
            next_id += _COMPLETION_EVENTS.get(events[index].kind, 0)
        next_id += 2  # WorkflowTaskScheduled, WorkflowTaskStarted
    if ends_with_completion(history):
        tasks = history.tasks()
        start, stop = tasks[-1]
        ids.append(ids[-1] + 1 if stop > start else next_id - 2 + 1)
    return ids


def show(kind: str, event_id: int) -> str:
    return f"HistoryEvent(id: {event_id}, {EVENT_TYPES.get(kind, kind)})"


def unhandled(machine_kind: str, event_kind: str, event_id: int) -> str:
    """ "<Machine> machine does not handle this event: …" (the child machine prints the event's
    full Debug dump, with times and task queues; patchlint abbreviates the attributes)."""
    if machine_kind == UPSERT_MEMO:  # this machine words it its own way
        return f"ModifyWorkflowPropertiesMachine does not handle {show(event_kind, event_id)}"
    machine = MACHINES.get(machine_kind, "Patch" if machine_kind == MARKER else machine_kind)
    if machine_kind == CHILD_WORKFLOW:
        event_type = EVENT_TYPES.get(event_kind, event_kind)
        shown = f"HistoryEvent {{ event_id: {event_id}, event_type: {event_type}, .. }}"
    else:
        shown = show(event_kind, event_id)
    return f"{machine} machine does not handle this event: {shown}"
