"""Temporal's replay rules, as the Python SDK (temporalio 1.35) and sdk-core apply them.

Recording runs the old program live: ``patched(id)`` returns True and writes a ``core_patch``
marker the first time per id (memoized for the run), ``deprecate_patch`` writes a deprecated
marker. One history per workflow-task boundary, plus the completed one.

Replay feeds the history back one workflow task at a time, exactly like sdk-core:

1. the new code runs activation ``t`` until it blocks, queueing its commands; while replaying,
   ``patched(id)`` is True iff the history's tasks ``0..t`` hold a marker for ``id`` (the SDK is
   only told about markers of the task it is replaying, then remembers them), memoized per id;
   ``deprecate_patch`` issues its marker only in that case; past the end of the history the code
   runs live (``patched`` is True and writes a marker);
2. the task's command events are matched in order against the queued commands: a command whose
   kind differs fails ("<Machine> machine does not handle this event"), an activity /
   local-activity / child-workflow type that differs fails, an event with no command left fails
   ("No command scheduled for event"); a marker that does not match the next command is skipped
   if deprecated and fails if not; a patch command that does not match the next event is dropped.
   Arguments, timeouts, retry policies, task queues and timer durations are never compared.
3. a completed history ends with the completion command, so code that now issues more or fewer
   commands fails there too.

Activities and local activities share one sequence number (``activity_id`` defaults to it), and
sdk-core compares it before the type. A local activity runs inside the workflow task (it ends no
task, the activation awaiting it ends: ``PAUSE``); its marker is written when it resolves, after
every command the activation issued (``asyncio.gather(la, activity)`` records the activity first).
On replay an LA marker never meets the command queue (sdk-core's "special handling"): an LA whose
marker is in the task being replayed resolves at once, and its marker is checked against that LA
(type) wherever it sits among the task's events; one whose marker is not there never resolves, so
the run issues nothing more ("No command scheduled for event" at the next command event); a marker
no LA of that sequence number claims fails with "Missing associated machine for LocalActivity(n)".

Histories the runtime records itself hold only the ``@workflow.run`` program's commands. A real
history (one read with its ``activations``) is replayed by ``guided``: signal and update handlers
run in history order, interleaved with the run as the SDK schedules them.

``run`` is the same activation logic without the checks: the commands the code issues, live or
against a history (the diff aligns these); ``histories`` cuts a live run where it can pause;
``breaks`` finds the first failing cut of a run with one replay.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace

from patchlint.model.program import ACTIVITY, BLOCKING_KINDS, CONTINUE_AS_NEW, LOCAL_ACTIVITY, Seq, Step, Workflow
from patchlint.semantics.choices import Choices
from patchlint.semantics.history import COMPLETE, MARKER, TemporalEvent, TemporalHistory
from patchlint.semantics.interpret import BLOCK, DONE, PAUSE, WAIT, Interpreter, PatchCall, Region, Request, RunFactory
from patchlint.semantics.result import Failure, ReplayResult
from patchlint.semantics.temporal_events import (
    PREFIX,
    SEQUENCED,
    TYPE_MISMATCH,
    activity_seqs,
    ends_with_completion,
    event_ids,
    show,
    unhandled,
)
from patchlint.semantics.trace import Issued, Trace, TraceBuilder


def ends_task(step: Step) -> bool:
    """The run awaits this command across a workflow task (a local activity does not)."""
    return step.kind in BLOCKING_KINDS and step.kind != LOCAL_ACTIVITY and step.awaited


def awaits(step: Step):
    """How the run awaits ``step``: across a workflow task (``BLOCK``), inside it (an awaited
    local activity: ``PAUSE``), or not at all (None)."""
    if ends_task(step):
        return BLOCK
    return PAUSE if step.kind == LOCAL_ACTIVITY and step.awaited else None


def requests(program: Seq, choices) -> RunFactory:
    """Fresh request streams of ``program`` as the Temporal SDK runs it."""
    return lambda: Interpreter(program, choices, awaits).run()


def _recorded_in_task(history: TemporalHistory, task: tuple[int, int]) -> int:
    start, stop = task
    return sum(1 for e in history.events[start:stop] if e.kind != MARKER or not e.deprecated)


def run(stream: Iterator[Request], history: TemporalHistory | None = None) -> Trace:
    """The commands a run issues, in order: live (``history`` None: ``patched`` is True and writes
    its marker), or while replaying ``history`` without checking it (``patched(id)`` is True iff a
    marker for ``id`` is in the workflow tasks replayed so far; past the history's end the run is
    live). Memoized per id for the run, as the SDK does."""
    out = TraceBuilder()
    tasks = history.tasks() if history is not None else []
    marker_task: dict[str, int] = {}
    for index, (start, stop) in enumerate(tasks):
        for event in history.events[start:stop]:
            if event.kind == MARKER:
                marker_task.setdefault(event.patch_id, index)
    memo: dict[str, bool] = {}
    task = issued = 0
    reply = None
    while True:
        try:
            request = stream.send(reply)
        except StopIteration:
            break
        reply = None
        if isinstance(request, Step):
            out.add(Issued(request.identity, request))
            issued += 1
        elif isinstance(request, PatchCall):
            if request.id not in memo:
                live = history is None or task >= len(tasks)
                memo[request.id] = live or marker_task.get(request.id, len(tasks)) <= task
                if memo[request.id]:
                    out.add(Issued((MARKER, request.id), patch=request.node, deprecated=request.deprecated))
                    issued += 1
            reply = memo[request.id]
        elif isinstance(request, Region):
            out.region(request.node, request.start, request.taken)
        elif request is PAUSE:
            out.end_activation()
        elif request is BLOCK or request is WAIT:
            if request is WAIT and task < len(tasks) and _recorded_in_task(history, tasks[task]) > issued:
                continue  # the awaited result was already in: the task went on
            if out.end_task(soft=request is WAIT):
                task, issued = task + 1, 0
        elif request is DONE:
            out.completed = True
    if out.events and out.events[-1].key[0] == CONTINUE_AS_NEW:
        out.completed = True
    return out.build()


def recorded_order(issued: tuple[Issued, ...]) -> tuple[list[int], set[int]]:
    """The order the server records a trace's entries in (indices into ``issued``) and the
    positions in that order after which a workflow task ends: an LA's marker is written when the
    LA resolves, after every command issued up to the end of that activation."""
    order: list[int] = []
    ends: set[int] = set()
    pending: list[int] = []
    for index, event in enumerate(issued):
        (pending if event.key[0] == LOCAL_ACTIVITY else order).append(index)
        if event.ends_task or event.ends_activation:
            order += pending
            pending = []
            if event.ends_task:
                ends.add(len(order) - 1)
    return order + pending, ends


def histories(trace: Trace, workflow_type: str) -> list[TemporalHistory]:
    """The histories a live run leaves: one per workflow-task boundary, the completed one last."""
    issued = [
        TemporalEvent(MARKER, e.key[1], e.key[1], e.deprecated) if e.key[0] == MARKER else TemporalEvent(*e.key)
        for e in trace.events
    ]
    seqs = activity_seqs(issued)
    order, task_ends = recorded_order(trace.events)
    events = tuple(replace(issued[i], seq=seqs[i]) for i in order)
    ends = tuple(sorted(task_ends))
    cuts = [TemporalHistory(workflow_type, events[: end + 1], False, ends[: i + 1]) for i, end in enumerate(ends)]
    cuts.append(TemporalHistory(workflow_type, events, True, ends))
    return cuts


def record(workflow: Workflow, choices: Choices) -> list[TemporalHistory]:
    """Run ``workflow`` live under ``choices``: one history per legal cut, the completed one last."""
    return histories(run(requests(workflow.program, choices)()), workflow.name)


@dataclass
class _Failure(Exception):
    index: int
    step: str
    text: str


@dataclass(frozen=True)
class _Command:
    """A queued command: the step and its activity sequence number (activities and LAs)."""

    step: Step
    seq: int | None = None

    @property
    def kind(self) -> str:
        return self.step.kind

    @property
    def name(self) -> str:
        return self.step.name

    def label(self) -> str:
        return self.step.label()


class _Replay:
    """One replay of one history: the queued commands and the run of the new code."""

    def __init__(self, stream: Iterator[Request], history: TemporalHistory):
        self.history = history
        self.events = list(history.events)
        if ends_with_completion(history):
            self.events.append(TemporalEvent(COMPLETE, history.workflow_type))
        self.ids = event_ids(history)
        self.seqs = activity_seqs(self.events)
        self.tasks = history.tasks()
        if ends_with_completion(history):
            start, _ = self.tasks[-1]
            self.tasks[-1] = (start, len(self.events))
        self.run = stream
        self.finished = False
        self.queue: deque = deque()  # _Command | PatchCall | COMPLETE
        self.memo: dict[str, bool] = {}
        self.next_seq = 0
        self.local_activities: dict[int, Step] = {}  # LA machines by sequence number
        self.waiting_on: int | None = None  # an LA whose marker replay has not reached

    def activate(self, task: int) -> None:
        """Run the new code until it blocks (or ends), as activation ``task``."""
        if self.finished or self.waiting_on is not None:
            return
        stop = self.tasks[task][1]
        notified = {e.patch_id for e in self.events[:stop] if e.kind == MARKER}
        reply = None
        while True:
            try:
                request = self.run.send(reply)
            except StopIteration:
                self.finished = True
                return
            reply = None
            if isinstance(request, Region):
                continue
            if request is BLOCK:
                return
            if request is PAUSE:
                continue  # the LA resolved in this task (``_issue`` stops the run if not)
            if request is WAIT:
                if self._task_wants_more(task):
                    continue  # the awaited result was already in: the task went on
                return
            if request is DONE:
                self.queue.append(COMPLETE)
            elif isinstance(request, Step):
                if not self._issue(request, stop):
                    return
            elif isinstance(request, PatchCall):
                reply = self._patch(request, notified)

    def _task_wants_more(self, task: int) -> bool:
        """The history's task ``task`` holds more commands than the run has queued so far."""
        start, stop = self.tasks[task]
        recorded = sum(1 for e in self.events[start:stop] if e.kind != MARKER or not e.deprecated)
        return len(self.queue) < recorded

    def _issue(self, step: Step, stop: int) -> bool:
        """Queue a command; False when the run now waits on an LA that replay cannot resolve."""
        seq = None
        if step.kind in SEQUENCED:
            self.next_seq += 1
            seq = self.next_seq
        if step.kind == LOCAL_ACTIVITY:
            self.local_activities[seq] = step
            if seq not in {self.seqs[i] for i in range(stop) if self.events[i].kind == LOCAL_ACTIVITY}:
                self.waiting_on = seq
                return False
        self.queue.append(_Command(step, seq))
        return True

    def _patch(self, call: PatchCall, notified: set) -> bool:
        if call.id not in self.memo:
            self.memo[call.id] = call.id in notified
            if self.memo[call.id]:
                self.queue.append(call)
        return self.memo[call.id]

    def match(self, index: int):
        """Match history event ``index`` against the queued commands (sdk-core's loop); the
        command it matched (None: a skipped marker). An LA marker is matched to its LA outside
        the queue order; every other event passes over queued LAs (``_front``)."""
        event = self.events[index]
        if event.kind == LOCAL_ACTIVITY:
            return self._local_activity_marker(index)
        shown = show(event.kind, self.ids[index])
        while True:
            front = self._front()
            if event.kind == MARKER and not (front is not None and _matches(event, front)):
                # sdk-core checks a patch marker before looking for a command at all
                if event.deprecated:
                    return None
                raise _Failure(
                    index,
                    event.label(),
                    f"Non-deprecated patch marker encountered for change {event.patch_id}, "
                    "but there is no corresponding change command!",
                )
            if front is not None and not _matches(event, front) and isinstance(front, PatchCall):
                self.queue.remove(front)
                continue
            if front is None:
                raise _Failure(index, event.label(), f"No command scheduled for event {shown}")
            self.queue.remove(front)
            kind = _kind(front)
            if kind != event.kind:
                raise _Failure(index, _label(front), unhandled(kind, event.kind, self.ids[index]))
            self._compare(index, event, front)
            return front

    def _front(self):
        """The first queued command a command event meets: an LA is matched by its marker."""
        return next((c for c in self.queue if _kind(c) != LOCAL_ACTIVITY), None)

    def _local_activity_marker(self, index: int):
        """An LA marker resolves the LA of its sequence number, wherever it is queued (or the
        one the run is waiting on); the command it matched."""
        seq = self.seqs[index]
        if seq not in self.local_activities:
            raise _Failure(index, self.events[index].label(), f"Missing associated machine for LocalActivity({seq})")
        step = self.local_activities[seq]
        command = next((c for c in self.queue if isinstance(c, _Command) and c.seq == seq), None)
        if command is not None:
            self.queue.remove(command)
        elif self.waiting_on == seq:
            self.waiting_on = None
        if step.name != self.events[index].name:
            text = TYPE_MISMATCH[LOCAL_ACTIVITY].format(old=self.events[index].name, new=step.name)
            raise _Failure(index, step.label(), text)
        return command

    def _compare(self, index: int, event: TemporalEvent, command) -> None:
        """Same kind: sdk-core then compares the activity id (sequence number) and the type."""
        if event.kind == ACTIVITY and command.seq != self.seqs[index]:
            raise _Failure(
                index,
                _label(command),
                f"Activity id of scheduled event '{self.seqs[index]}' does not match activity id "
                f"of activity command '{command.seq}'",
            )
        if event.kind in TYPE_MISMATCH and command.name != event.name:
            text = TYPE_MISMATCH[event.kind].format(old=event.name, new=command.name)
            raise _Failure(index, _label(command), text)


def _kind(command) -> str:
    if command is COMPLETE:
        return COMPLETE
    if isinstance(command, PatchCall):
        return MARKER
    return command.kind


def _label(command) -> str:
    if command is COMPLETE:
        return "workflow completion"
    if isinstance(command, PatchCall):
        return f"patch {command.id}"
    return command.label()


def _matches(event: TemporalEvent, command) -> bool:
    """sdk-core's ``matches_event``: the machine is for this event type (a patch: for this id)."""
    if isinstance(command, PatchCall):
        return event.kind == MARKER and event.patch_id == command.id
    return event.kind == _kind(command)


def replay_stream(stream: Iterator[Request], history: TemporalHistory) -> ReplayResult:
    """Replay ``history`` with the requests of ``stream`` (see the module doc)."""
    state = _Replay(stream, history)
    try:
        for task, (start, stop) in enumerate(state.tasks):
            state.activate(task)
            for index in range(start, stop):
                state.match(index)
    except _Failure as failure:
        return ReplayResult(
            ok=False,
            event_index=state.ids[failure.index],
            step=failure.step,
            message=PREFIX + failure.text,
            position=failure.index,
        )
    return ReplayResult(ok=True)


def replay(workflow: Workflow, history: TemporalHistory, choices: Choices) -> ReplayResult:
    """Replay ``history`` with ``workflow``'s program under ``choices`` (a real history: with its
    handlers, see ``guided``)."""
    if history.activations:
        from patchlint.semantics import guided

        return guided.replay(workflow, history, choices)
    return replay_stream(requests(workflow.program, choices)(), history)


def breaks(factory: RunFactory, cuts: list[TemporalHistory]) -> tuple[Failure | None, Failure | None]:
    """(the first open cut that fails, the completed run if it fails) when the code of ``factory``
    replays the histories ``cuts`` of one run (``histories``: every task boundary, completed last).

    Replay of a cut matches exactly what replay of the completed history matches up to the cut's
    end, so one replay of the completed history decides every cut: a cut fails iff it holds the
    event the completed replay failed at."""
    completed = cuts[-1]
    result = replay_stream(factory(), completed)
    if result.ok:
        return None, None
    open_cut = next((h for h in cuts[:-1] if len(h.events) > result.position), None)
    return (Failure(open_cut, result) if open_cut is not None else None), Failure(completed, result)
