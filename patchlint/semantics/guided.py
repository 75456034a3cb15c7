"""Replay of a real Temporal history, with the signal and update handlers, on the path it proves.

A real history says more than which commands ran: which workflow task each signal and update
arrived in, and when each command's result came back. This module replays such a history the way
the Python SDK (temporalio 1.35, ``worker/_workflow_instance.py``) runs the workflow against it,
one activation per workflow task:

1. the activation's signals and updates (job set 1) start their handlers, in history order, as
   asyncio tasks; an update task first adds its "accepted" response; then every ready task runs
   until it blocks, then the wait conditions are checked;
2. then the other jobs (job set 2): the first activation starts the ``@workflow.run`` task, a
   command's result (activity completed, timer fired, child finished...) wakes the task awaiting
   it; again every ready task runs until it blocks, then the conditions are checked;
3. sdk-core matches the activation's commands against the task's command events
   (``temporal._Replay.match``: the same rules and messages as every other replay).

A task that awaits a condition (``wait_condition``, a handle started earlier) wakes when the
condition holds, which only the code's data decides; so do ``if`` tests, loop iterations and
``try`` outcomes. These are the decisions of the run. Replay takes the path the history proves:
a depth-first search over the decisions, re-running the (cheap) replay with a growing prefix of
decisions, cut short at the first activation whose commands do not match. A history replays iff
some path replays it. When none does, the failure reported is the one of the path that matched
the history furthest; among those, the path that was on its way to the recorded command (it
issues it a little later, read past the failure), then the path that issued no more in each
workflow task than the task recorded (sdk-core carries extra commands over to the next task, but
the recorded task boundaries are the old code's), then the path whose branches hold the steps the
history recorded, then the one whose command there is closest to the recorded one (of its kind,
else at least a command): the path the real code took up to the change.

``wait_condition(..., timeout=...)`` starts a timer; a condition that holds before the timer fires
cancels it: in the same activation the start is dropped (nothing recorded), later a ``CancelTimer``
command is issued (``TimerCanceled`` in the history). An update handler's commands sit between
its ``WorkflowExecutionUpdateAccepted`` and ``...UpdateCompleted`` events.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from patchlint.model.program import CHILD_WORKFLOW, TIMER, If, Step, Workflow, steps_of, walk
from patchlint.semantics.choices import NO_EXCEPTION, Decider, as_decider
from patchlint.semantics.history import (
    CANCEL_TIMER,
    COMPLETE,
    MARKER,
    UPDATE_ACCEPTED,
    UPDATE_COMPLETED,
    TemporalHistory,
)
from patchlint.semantics.interpret import BLOCK, DONE, PAUSE, WAIT, Interpreter, PatchCall, Region
from patchlint.semantics.result import ReplayResult
from patchlint.semantics.temporal import _Failure, _Replay, awaits, ends_task
from patchlint.semantics.temporal_events import PREFIX, ends_with_completion

MAX_ATTEMPTS = 3000  # replays per history: far above what the corpus needs (see the test)
MAX_DECISIONS = 5000  # decisions in one replay: a loop that never blocks is cut here
LOOKAHEAD = 50  # requests per task read past a failure, to see whether the path was on track


class _Exhausted(Exception):
    """One replay took too many decisions (a loop whose body never blocks)."""


class _Redundant(Exception):
    """A path the search need not follow: a task woke on its condition and went round a loop
    back to a wait with nothing more to send (a timer started and dropped in the same activation
    counts as nothing: the same commands as staying asleep, on a longer path; pruned so that a
    wait in a loop cannot spin the search), or a condition held in a
    workflow task that did not record what the woken task then issued (the recorded task
    boundaries are the old code's: its condition did not hold there)."""


class Guide:
    """A ``Decider`` answering from a prefix of decisions, then with each decision's first
    option, recording every decision it made (value, number of options) for the search.

    With ``fixed`` (a choices mapping or decider), the code's own decisions (``if``, loops,
    ``try``) come from it and only the scheduling decisions (does a condition hold now?) are
    searched."""

    def __init__(self, prefix: list[int], fixed: Decider | None = None):
        self.prefix = prefix
        self.fixed = fixed
        self.made: list[tuple[int, int]] = []
        self.ifs: list[tuple[str, bool]] = []
        self.iterations = 0  # loop bodies entered
        self.last_try: int | None = None  # the outcome of the last ``try`` entered

    def choose(self, options: int) -> int:
        index = len(self.made)
        if index >= MAX_DECISIONS:
            raise _Exhausted()
        value = self.prefix[index] if index < len(self.prefix) else 0
        self.made.append((value, options))
        return value

    def if_value(self, cond: str) -> bool:
        value = self.fixed.if_value(cond) if self.fixed else bool(self.choose(2))
        self.ifs.append((cond, value))
        return value

    def loop_again(self, header: str, iteration: int) -> bool:
        again = self.fixed.loop_again(header, iteration) if self.fixed else self.choose(2) == 0
        self.iterations += again  # first: the body runs once more
        return again

    def try_outcome(self, ordinal: int, handlers: int) -> int:
        if self.fixed:
            self.last_try = self.fixed.try_outcome(ordinal, handlers)
        else:
            value = self.choose(handlers + 1)
            self.last_try = NO_EXCEPTION if value == 0 else value - 1
        return self.last_try

    def holds(self) -> bool:
        """Does a waited-on condition hold at this check? (first: not yet)"""
        return self.choose(2) == 1


def _called(step: Step) -> str | None:
    """The name of the function a step's call names (``workflow.wait_condition`` -> ``wait_condition``)."""
    func = getattr(step.node, "func", None)
    name = getattr(getattr(func, "attr", None), "value", None)
    if name is None and isinstance(getattr(func, "value", None), str):
        name = func.value
    return name


def _resolves_at_start(step: Step) -> bool:
    """``await workflow.start_child_workflow(...)`` returns the handle once the child started."""
    return step.kind == CHILD_WORKFLOW and _called(step) == "start_child_workflow"


def _until_condition(step: Step) -> bool:
    """The timer of ``wait_condition(..., timeout=...)``: its condition may cancel it."""
    return step.kind == TIMER and _called(step) == "wait_condition"


@dataclass(eq=False)
class _Task:
    """One asyncio task of the workflow: the run, or a signal / update handler."""

    label: str
    stream: object
    update: str | None = None  # the update's name (its task adds the accepted/completed responses)
    main: bool = False
    state: str = "ready"  # ready | step | wait | timer | done | stuck
    awaiting: list = field(default_factory=list)  # commands whose results it awaits
    timer: object = None  # the wait_condition timer it awaits
    cancel: bool = False  # the condition held: cancel ``timer`` when the task resumes
    woken: bool = False  # resumed because its condition held (not by a result)
    checked: int | None = None  # ``_Sim.ticks`` at its last condition check (None: not checked yet)
    times_out: bool | None = None  # the ``try`` around its wait_condition raises (None: no try)
    started: bool = False


class _Sim:
    """One replay of a real history under one sequence of decisions."""

    def __init__(self, workflow: Workflow, history: TemporalHistory, guide: Guide):
        self.workflow = workflow
        self.history = history
        self.guide = guide
        self.matcher = _Replay(iter(()), history)
        self.handlers = dict(workflow.handlers)
        self.ready: deque[_Task] = deque()
        self.conditions: list[_Task] = []  # tasks awaiting a condition, in the order they began
        self.activation = 0
        self.stop = 0
        self.notified: set = set()
        self.issued_in: dict[int, int] = {}  # id(command) -> activation it was issued in
        self.at: dict[int, object] = {}  # event index -> the command it matched
        self.owner: dict[int, _Task] = {}  # id(command) -> the task that issued it
        self.tasks: list[_Task] = []
        self.spills = 0  # workflow tasks after which commands were left unmatched
        self.ticks: list[_Task | None] = []  # who ran, in order (None: a result came in)
        self.on_condition: set[int] = set()  # id() of commands issued by a task its condition woke

    # ------------------------------------------------------------------ the activations

    def run(self) -> None:
        activations = list(self.history.activations)
        completion = ends_with_completion(self.history)
        for number, act in enumerate(activations):
            self.activation = number
            stop = act.stop + (1 if completion and number == len(activations) - 1 else 0)
            self.stop = stop
            self.notified = {e.patch_id for e in self.matcher.events[:stop] if e.kind == MARKER}
            tasks = [t for t in (self._handler(d) for d in act.deliveries) if t is not None]
            self.tasks += tasks
            self.ready.extend(tasks)
            if act.deliveries:
                # the SDK skips the condition check of an activation whose only jobs are updates
                # none of which was accepted (rejected updates leave nothing in history)
                others = number == 0 or act.resolved or act.other_jobs
                signals = any(d.kind == "signal" for d in act.deliveries)
                accepted = any(t.update is not None for t in tasks)
                self._run_once(check=bool(others or signals or accepted))
            if number == 0:
                program = self.workflow.program
                main = _Task("run", Interpreter(program, self.guide, awaits).run(), main=True)
                self.tasks.append(main)
                self.ready.append(main)
            for index in act.started:
                self._resolve(index, started=True)
            for index in act.resolved:
                self._resolve(index)
            if number == 0 or act.resolved or act.other_jobs:
                self._run_once()
            for index in range(act.start, stop):
                command = self.matcher.match(index)
                if command is not None:
                    self.at[index] = command
            if any(c is not COMPLETE for c in self.matcher.queue):
                self.spills += 1  # issued more than the task recorded: carried to the next one
                if number < len(activations) - 1 and any(id(c) in self.on_condition for c in self.matcher.queue):
                    raise _Redundant()

    def _handler(self, delivery) -> _Task | None:
        program = self.handlers.get(delivery.handler)
        if program is None:
            return None  # a signal nobody handles is buffered; it issues nothing
        stream = Interpreter(program, self.guide, awaits).run()
        update = delivery.name if delivery.kind == "update" else None
        return _Task(delivery.handler, stream, update=update)

    def _resolve(self, index: int, started: bool = False) -> None:
        """The result of the command recorded at ``index`` comes in (``started``: a child
        workflow's start): wake the task awaiting it. ``start_child_workflow`` resolves when the
        child starts (a handle), ``execute_child_workflow`` when it finishes."""
        command = self.at.get(index)
        task = self.owner.get(id(command)) if command is not None else None
        if task is None:
            return
        self.ticks.append(None)  # a result came in: a wait on a handle may end at the next check
        if started != _resolves_at_start(command.step):
            return
        if task.state == "timer" and task.timer is command:
            if task.times_out is False:
                raise _Redundant()  # the timer fired, but this path's try took no exception
            task.state = "ready"  # the timer fired: wait_condition raises TimeoutError
            self.conditions.remove(task)
            self.ready.append(task)
        elif task.state == "step" and any(c is command for c in task.awaiting):
            task.awaiting = [c for c in task.awaiting if c is not command]
            if not task.awaiting:
                task.state = "ready"
                self.ready.append(task)

    def _run_once(self, check: bool = True) -> None:
        """Run every ready task until it blocks, then check the conditions, until none holds."""
        while True:
            while self.ready:
                self._step(self.ready.popleft())
            woken = [t for t in list(self.conditions) if check and self._may_hold(t) and self.guide.holds()]
            for task in self.conditions:
                task.checked = len(self.ticks)
            if not woken:
                return
            for task in woken:
                self.conditions.remove(task)
                task.cancel = task.state == "timer"
                task.state = "ready"
                task.woken = True
                self.ready.append(task)

    def explains(self, index: int) -> bool:
        """After a failure at event ``index``: was this path on its way to the recorded command?
        It was if the command is queued (issued in another order) or if a task, read on past
        every wait (results and conditions taken as in), issues it within ``LOOKAHEAD`` requests.
        Decisions read here are the first options and are forgotten afterwards."""
        event = self.matcher.events[index]
        wanted = (event.kind, event.patch_id if event.kind == MARKER else event.name)
        if any(_identity(c) == wanted for c in self.matcher.queue):
            return True
        guide = self.guide
        made, ifs, prefix = len(guide.made), len(guide.ifs), guide.prefix
        guide.prefix = []
        try:
            for task in self.tasks:
                if task.state != "done" and self._issues(task, wanted):
                    return True
            return False
        finally:
            del guide.made[made:], guide.ifs[ifs:]
            guide.prefix = prefix

    @staticmethod
    def _issues(task: _Task, wanted: tuple[str, str]) -> bool:
        reply = None
        for _ in range(LOOKAHEAD):
            try:
                request = task.stream.send(reply)
            except (StopIteration, _Exhausted):
                return False
            reply = None
            if isinstance(request, PatchCall):
                reply = True
            if _identity(request) == wanted:
                return True
            if request is DONE:
                return False
        return False

    def _may_hold(self, task: _Task) -> bool:
        """Can the condition a task waits on hold at this check? At its first check, if anything
        may have made it true before (for a ``wait_condition`` with a timeout, which waits on the
        state signal and update handlers change: once a handler has run); at a later check, only
        if another task ran or a result came in since the previous one (nothing else changes what
        a wait waits on: the state, or a handle's result)."""
        if task.state == "timer" and (len(self.tasks) == 1 or task.times_out):
            return False  # no handler changed the state yet / this path's try times out
        if task.checked is None:
            return True
        return any(runner is not task for runner in self.ticks[task.checked :])

    # ------------------------------------------------------------------ one task

    def _issue(self, step: Step, task: _Task):
        """Queue ``step``'s command for sdk-core; None when it can never resolve (an LA)."""
        if not self.matcher._issue(step, self.stop):
            return None
        command = self.matcher.queue[-1]
        self.issued_in[id(command)] = self.activation
        self.owner[id(command)] = task
        return command

    def _sdk_command(self, kind: str, name: str, task: _Task) -> None:
        self._issue(Step(kind, name), task)

    def _cancel_timer(self, task: _Task) -> None:
        """The condition held first: the timeout's timer is cancelled as the task resumes."""
        timer, task.timer, task.cancel = task.timer, None, False
        if self.issued_in.get(id(timer)) == self.activation:
            queue = self.matcher.queue
            for position, queued in enumerate(queue):
                if queued is timer:
                    del queue[position]  # never sent: sdk-core records nothing
                    return
        self._sdk_command(CANCEL_TIMER, "timer", task)

    def _step(self, task: _Task) -> None:
        woken, task.woken = task.woken, False
        before = self._queued() if woken else None
        self.guide.last_try = None
        iterations = self.guide.iterations
        self.ticks.append(task)
        if task.cancel:
            self._cancel_timer(task)
        if task.update is not None and not task.started:
            self._sdk_command(UPDATE_ACCEPTED, task.update, task)
        task.started = True
        reply = None
        blocking: list = []
        while True:
            try:
                request = task.stream.send(reply)
            except StopIteration:
                self._finish(task)
                return
            reply = None
            if isinstance(request, Region) or request is PAUSE:
                continue  # PAUSE: the LA resolved in this task (``_issue`` leaves it stuck if not)
            if (request is WAIT or request is BLOCK) and before is not None:
                if self.guide.iterations > iterations and self._queued() == before:
                    raise _Redundant()  # round a loop back to a wait, nothing more to send
            if isinstance(request, Step):
                command = self._issue(request, task)
                if command is not None and woken:
                    self.on_condition.add(id(command))
                if command is None:
                    task.state = "stuck"
                    return
                if ends_task(request):
                    blocking.append(command)
            elif isinstance(request, PatchCall):
                reply = self.matcher._patch(request, self.notified)
            elif request is BLOCK and blocking:
                if len(blocking) == 1 and _until_condition(blocking[0].step):
                    task.state, task.timer, task.checked = "timer", blocking[0], None
                    # ``try: await wait_condition(..., timeout=...)``: the try entered just
                    # before says whether the timer fires (TimeoutError) or the condition holds
                    outcome = self.guide.last_try
                    task.times_out = None if outcome is None else outcome != NO_EXCEPTION
                    self.conditions.append(task)
                else:
                    task.state, task.awaiting = "step", blocking
                return
            elif request is BLOCK or request is WAIT:
                task.state, task.checked = "wait", None
                self.conditions.append(task)
                return
            elif request is DONE:
                if task.main:
                    self.matcher.queue.append(COMPLETE)
                elif task.update is not None:
                    self._sdk_command(UPDATE_COMPLETED, task.update, task)
                task.update = None
                self._finish(task)
                return

    def _queued(self) -> list:
        """What sdk-core would be sent now: the queued commands' identities."""
        return [_identity(c) or c for c in self.matcher.queue]

    def _finish(self, task: _Task) -> None:
        if task.update is not None:  # ended without DONE: the handler still answered
            self._sdk_command(UPDATE_COMPLETED, task.update, task)
            task.update = None
        task.state = "done"


def _identity(item) -> tuple[str, str] | None:
    """What sdk-core compares of a queued command or a request: (kind, type name / patch id)."""
    if isinstance(item, PatchCall):
        return (MARKER, item.id)
    if isinstance(item, Step):
        return item.identity
    step = getattr(item, "step", None)
    return step.identity if isinstance(step, Step) else None


def _branch_names(workflow: Workflow) -> dict[tuple[str, bool], set[str]]:
    """For each ``if`` test and outcome, the step names its branch can issue."""
    names: dict[tuple[str, bool], set[str]] = {}
    programs = [workflow.program, *(program for _, program in workflow.handlers)]
    for program in programs:
        for node in walk(program):
            if isinstance(node, If):
                for value, branch in ((True, node.then), (False, node.orelse)):
                    names.setdefault((node.cond, value), set()).update(s.name for s in steps_of(branch))
    return names


def _evidence(guide: Guide, branches: dict, recorded: set[str]) -> int:
    """How well the branches a run took explain the history: their steps the history recorded,
    less those it never recorded."""
    score = 0
    for cond, value in guide.ifs:
        names = branches.get((cond, value), set())
        score += len(names & recorded) - len(names - recorded)
    return score


def replay(workflow: Workflow, history: TemporalHistory, choices=None) -> ReplayResult:
    """Replay a real ``history`` (one with ``activations``) with ``workflow``'s run and handlers.

    ``choices`` (optional) fixes the code's own decisions; otherwise the search takes the path the
    history proves (see the module doc)."""
    fixed = as_decider(choices) if choices is not None else None
    branches = _branch_names(workflow)
    recorded = {e.name for e in history.events}
    prefix: list[int] = []
    best: tuple[tuple, ReplayResult] | None = None
    for attempt in range(MAX_ATTEMPTS):
        guide = Guide(prefix, fixed)
        sim = _Sim(workflow, history, guide)
        try:
            sim.run()
            return ReplayResult(ok=True)
        except _Failure as failure:
            result = ReplayResult(
                ok=False,
                event_index=sim.matcher.ids[failure.index],
                step=failure.step,
                message=PREFIX + failure.text,
                position=failure.index,
            )
            rank = (
                failure.index,
                sim.explains(failure.index),
                -sim.spills,
                _evidence(guide, branches, recorded),
                _closeness(failure.text),
                -attempt,
            )
            if best is None or rank > best[0]:
                best = (rank, result)
        except (_Exhausted, _Redundant):
            pass
        prefix = _next_prefix(guide.made)
        if prefix is None:
            break
    if best is None:
        return ReplayResult(ok=False, message=PREFIX + "no run of the code replays this history")
    return best[1]


def _closeness(text: str) -> int:
    """How close the code came to the recorded event where it failed: 2 a command of the event's
    kind (another type), 1 a command of another kind, 0 no command at all."""
    if text.startswith("No command scheduled"):
        return 0
    return 1 if "machine does not handle" in text else 2


def _next_prefix(made: list[tuple[int, int]]) -> list[int] | None:
    """The next path of the depth-first search: the last decision with an option left, moved on."""
    for index in range(len(made) - 1, -1, -1):
        value, options = made[index]
        if value + 1 < options:
            return [v for v, _ in made[:index]] + [value + 1]
    return None


__all__ = ["Guide", "replay", "MAX_ATTEMPTS"]
