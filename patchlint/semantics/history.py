"""What a workflow recorded, as plain frozen data: the input of every replay.

A history is cut where a real run can sit still. Temporal: after a workflow task ended (the
workflow awaits the commands it issued), or completed. DBOS: after any operation's rows, while
blocked in ``DBOS.recv``/``DBOS.get_event`` (the timeout sleep's row ``n + 1`` is written before
the call's own row ``n``), or completed. Each history says in words where it was cut, because that
sentence is what a user reads in a witness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patchlint.model.program import DBOS_SLEEP

MARKER = "marker"  # our event kind for a patch marker (the SDK names it PATCH_MARKER_NAME)
PATCH_MARKER_NAME = "core_patch"  # the ``markerName`` of a patch marker in a Temporal history
COMPLETE = "complete_workflow"  # the closing command of a completed Temporal run (virtual event)
# Command events no step of the program issues: the SDK does, for an update handler (accepted when
# it starts, completed when it returns) and for a ``wait_condition`` timer cancelled by its condition.
UPDATE_ACCEPTED = "update_accepted"
UPDATE_COMPLETED = "update_completed"
CANCEL_TIMER = "cancel_timer"
SDK_COMMANDS = (MARKER, UPDATE_ACCEPTED, UPDATE_COMPLETED, CANCEL_TIMER)  # not steps of the code
PATCH_ROW_PREFIX = "DBOS.patch-"
TWO_SLOT = ("DBOS.recv", "DBOS.getEvent")  # calls followed by their timeout sleep's row


@dataclass(frozen=True)
class TemporalEvent:
    """One command event: ``kind`` is a Temporal step kind or ``marker``.

    ``name`` is the activity / local-activity / child-workflow type (what replay compares), the
    patch id for a marker. ``seq`` is an activity's or a local activity's sequence number when
    the history says it (a real history: the scheduled event's activity id, the LA marker's
    ``seq``; a recorded one: the order the run issued them); it is not part of the event's
    identity. Arguments, timeouts and task queues are not recorded: replay never compares them.
    """

    kind: str
    name: str
    patch_id: str | None = None
    deprecated: bool = False
    seq: int | None = field(default=None, compare=False)

    def label(self) -> str:
        if self.kind == MARKER:
            flavour = "deprecated patch marker" if self.deprecated else "patch marker"
            return f"{flavour} {self.patch_id}"
        if self.kind == "timer":
            return "timer"
        return self.name


@dataclass(frozen=True)
class Delivery:
    """A signal or an update the engine hands to the workflow in an activation (by handler name)."""

    kind: str  # "signal" | "update"
    name: str

    @property
    def handler(self) -> str:
        """The key of ``Workflow.handlers``: ``"signal approve"``."""
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Activation:
    """One workflow task of a real history, as sdk-core hands it to the SDK and then checks it.

    ``deliveries``: signals and updates delivered in it, in history order; ``resolved``: indices
    into ``TemporalHistory.events`` of the commands whose result came in before it (an activity
    completed or failed, a timer fired, a child finished...), in history order; ``other_jobs``:
    something else woke the workflow (the start, a child started, a cancel request...).
    ``start``/``stop``: the ``[start, stop)`` range of ``events`` the task's commands recorded;
    ``started``: the child workflows (indices into ``events``) whose start came in before it.
    """

    deliveries: tuple[Delivery, ...]
    resolved: tuple[int, ...]
    other_jobs: bool
    start: int
    stop: int
    started: tuple[int, ...] = ()


@dataclass(frozen=True)
class TemporalHistory:
    """The command events a run recorded, in order, and where its workflow tasks ended.

    ``workflow_task_ends`` holds indices into ``events`` after which a workflow task ended (the
    run blocked): the legal pause points. Events after the last end belong to the final task,
    which for a completed run also issued the (virtual) completion command.

    A history read from a real engine also has ``event_ids`` (the engine's id of each event, and
    of the closing event of a completed run last) and ``activations`` (every workflow task with
    what woke it: signals, updates, results), which let replay run signal and update handlers in
    history order and take the path the history proves. Histories the runtime records itself have
    neither.
    """

    workflow_type: str
    events: tuple[TemporalEvent, ...]
    completed: bool
    workflow_task_ends: tuple[int, ...] = ()
    event_ids: tuple[int, ...] = ()
    activations: tuple[Activation, ...] = ()

    def describe(self) -> str:
        if self.completed:
            return "completed"
        steps = [i for i, e in enumerate(self.events) if e.kind not in SDK_COMMANDS]
        if not steps:
            return "paused before its first step"
        from patchlint.semantics.temporal_events import event_ids  # numbered as the engine does

        return f"paused after event {event_ids(self)[steps[-1]]} ({self.events[steps[-1]].label()})"

    def tasks(self) -> list[tuple[int, int]]:
        """``[start, stop)`` index ranges of ``events``, one per workflow task."""
        ranges, start = [], 0
        for end in self.workflow_task_ends:
            ranges.append((start, end + 1))
            start = end + 1
        if start < len(self.events) or self.completed:
            ranges.append((start, len(self.events)))
        return ranges


@dataclass(frozen=True)
class DbosRow:
    """One ``operation_outputs`` row: the function id and the name recorded there."""

    function_id: int
    name: str


@dataclass(frozen=True)
class DbosHistory:
    """The rows a DBOS workflow recorded (ordered by function id; may have a gap, see module doc)."""

    workflow_name: str
    rows: tuple[DbosRow, ...]
    completed: bool
    blocked_in: str | None = None  # the two-slot call whose row is still missing (the gap)

    def describe(self) -> str:
        if self.completed:
            return "completed"
        if not self.rows:
            return "paused before its first step"
        ids = [r.function_id for r in self.rows]
        gap = next((n for n in range(1, ids[-1]) if n not in ids), None)
        if gap is not None:
            return f"blocked in {self.blocked_in or 'DBOS.recv'} at step {gap}"
        last = self.rows[-1]
        if last.name == DBOS_SLEEP and len(self.rows) > 1 and self.rows[-2].name in TWO_SLOT:
            last = self.rows[-2]  # the sleep row of a finished recv/get_event: name the call
        return f"paused after step {last.function_id} ({last.name})"


History = TemporalHistory | DbosHistory
