"""Where a Temporal history can be cut: at every workflow-task boundary.

A workflow that is in flight sits between workflow tasks: its history ends with a completed
workflow task followed by the outcomes of the updates it accepted and the commands it issued
(events whose attributes name that ``WorkflowTaskCompleted`` event). Cutting there gives every
state an open workflow can be in.
Works on the JSON event dicts of ``WorkflowHistory.to_json()`` (camelCase, string ids).
"""

from __future__ import annotations

TERMINAL = {
    "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
}


def _completed_by(event: dict) -> int | None:
    """The ``WorkflowTaskCompleted`` event id a command event was issued by, if it is one."""
    for key, value in event.items():
        if key.endswith("EventAttributes") and isinstance(value, dict):
            task = value.get("workflowTaskCompletedEventId")
            return int(task) if task is not None else None
    return None


# Written with the completion of the workflow task that accepted (and maybe completed) an update,
# before its commands; they name no workflow task, but the history never ends between them.
UPDATE_OUTCOMES = {
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED",
}


def cut_points(events: list[dict]) -> list[int]:
    """Last event id of every open cut, in order (the completed history is not among them)."""
    cuts = []
    for index, event in enumerate(events):
        if event["eventType"] != "EVENT_TYPE_WORKFLOW_TASK_COMPLETED":
            continue
        task_id = int(event["eventId"])
        end = index
        while end + 1 < len(events) and (
            _completed_by(events[end + 1]) == task_id or events[end + 1]["eventType"] in UPDATE_OUTCOMES
        ):
            end += 1
        if events[end]["eventType"] not in TERMINAL:
            cuts.append(int(events[end]["eventId"]))
    return cuts
