"""DBOS's recovery rules (dbos 3.4): numbered operations, checked by name.

Every step and DBOS operation takes the next ``function_id`` (from 1); ``DBOS.recv`` and
``DBOS.get_event`` take two, the call and its timeout sleep (``DBOS.sleep``), and write the sleep's
row when they start, the call's row when they return. Recovery runs the code again: at each id
that has a row, the recorded name must equal the name the code runs there, else
``DBOSUnexpectedStepError`` (``_sys_db.check_operation_execution``). A two-slot call whose own
row is missing (it was blocked) checks its sleep row instead (``record_sleep``). Ids past the
recorded rows run live; rows the code no longer reaches are never complained about.

``DBOS.patch(name)`` looks at the next id: empty → writes ``DBOS.patch-<name>`` there and returns
True; that marker → True; any other row → False, consuming no id. ``DBOS.deprecate_patch`` never
writes: it steps over the marker if present, else consumes nothing. Completed workflows are never
recovered, so their histories always "replay".
"""

from __future__ import annotations

from collections.abc import Iterator

from patchlint.model.program import DBOS_SLEEP, DBOS_STEP, Seq, Step, Workflow
from patchlint.semantics.choices import Choices
from patchlint.semantics.history import PATCH_ROW_PREFIX, DbosHistory, DbosRow
from patchlint.semantics.interpret import DONE, Interpreter, PatchCall, Region, Request, RunFactory
from patchlint.semantics.result import Failure, ReplayResult
from patchlint.semantics.trace import Issued, Trace, TraceBuilder

WORKFLOW_ID = "<workflow-id>"


def unexpected_step(function_id: int, recorded: str, expected: str) -> str:
    """``DBOSUnexpectedStepError`` as DBOS prints it (``DBOSException.__str__`` adds the error
    code, dbos/_error.py), for a workflow id we do not know."""
    return (
        "DBOSUnexpectedStepError: DBOS Error 11: "
        f"During execution of workflow {WORKFLOW_ID} step {function_id}, "
        f"function {recorded} was recorded when {expected} was expected. "
        "Check that your workflow is deterministic."
    )


def requests(program: Seq, choices) -> RunFactory:
    """Fresh request streams of ``program`` (every DBOS operation is awaited where it is called)."""
    return lambda: Interpreter(program, choices).run()


def _operations(stream: Iterator[Request]):
    """The operations and patch calls of one run, with the engine's reply sent back in."""
    reply = None
    while True:
        try:
            request = stream.send(reply)
        except StopIteration:
            return
        reply = yield request if isinstance(request, (Step, PatchCall)) else None


def run(stream: Iterator[Request], rows: dict[int, str] | None = None) -> Trace:
    """The operations a run issues, in order: live (``rows`` None), or while recovering a workflow
    that recorded ``rows`` (function id → name) without checking them. ``DBOS.patch`` looks at
    its own slot only: empty or its marker → True (marker there), anything else → False."""
    out = TraceBuilder()
    recorded = rows or {}
    slot = 1
    reply = None
    while True:
        try:
            request = stream.send(reply)
        except StopIteration:
            break
        reply = None
        if isinstance(request, Step):
            out.add(Issued(request.identity, request, ends_task=True, slots=request.slots))
            slot += request.slots
        elif isinstance(request, PatchCall):
            marker = PATCH_ROW_PREFIX + request.id
            found = recorded.get(slot)
            writes = found == marker or (found is None and not request.deprecated)
            if writes:
                out.add(Issued((DBOS_STEP, marker), patch=request.node, ends_task=True))
                slot += 1
            reply = writes or request.deprecated or found is None
        elif isinstance(request, Region):
            out.region(request.node, request.start, request.taken)
        elif request is DONE:
            out.completed = True
    return out.build()


def histories(trace: Trace, workflow_name: str) -> list[DbosHistory]:
    """A history after every operation, each recv/get_event gap, and the end."""
    rows: list[DbosRow] = []
    cuts: list[DbosHistory] = []
    for event in trace.events:
        next_id = rows[-1].function_id + 1 if rows else 1
        name = event.key[1]
        if event.slots >= 2:
            sleep = DbosRow(next_id + 1, DBOS_SLEEP)
            cuts.append(DbosHistory(workflow_name, (*rows, sleep), False, blocked_in=name))
            rows += [DbosRow(next_id, name), sleep]
        else:
            rows.append(DbosRow(next_id, name))
        cuts.append(DbosHistory(workflow_name, tuple(rows), False))
    cuts.append(DbosHistory(workflow_name, tuple(rows), True))
    return cuts


def record(workflow: Workflow, choices: Choices) -> list[DbosHistory]:
    """Run ``workflow`` live: a history after every operation, each recv/get_event gap, and the end."""
    return histories(run(requests(workflow.program, choices)()), workflow.name)


def replay_stream(stream: Iterator[Request], history: DbosHistory) -> ReplayResult:
    """Recover ``history`` with the requests of ``stream`` (see the module doc)."""
    if history.completed:
        return ReplayResult(ok=True, message="completed DBOS workflows are never recovered")
    recorded = {row.function_id: row.name for row in history.rows}
    position = {row.function_id: i for i, row in enumerate(history.rows)}
    last = max(recorded, default=0)
    current = 0
    operations = _operations(stream)
    reply = None
    while current < last:
        try:
            request = operations.send(reply)
        except StopIteration:
            break
        reply = None
        if request is None:
            continue
        if isinstance(request, PatchCall):
            reply, current = _patch(request, recorded, current)
            continue
        expected = [request.name] + [DBOS_SLEEP] * (request.slots - 1)
        checks = [(current + 1, request.name)]
        if request.slots >= 2 and current + 1 not in recorded:
            checks = [(current + 2, DBOS_SLEEP)]
        for function_id, name in checks:
            found = recorded.get(function_id)
            if found is not None and found != name:
                return ReplayResult(
                    ok=False,
                    event_index=function_id,
                    step=name,
                    message=unexpected_step(function_id, found, name),
                    position=position[function_id],
                )
        current += len(expected)
    return ReplayResult(ok=True)


def replay(workflow: Workflow, history: DbosHistory, choices: Choices) -> ReplayResult:
    """Recover ``history`` with ``workflow``'s program under ``choices`` (see the module doc)."""
    return replay_stream(requests(workflow.program, choices)(), history)


def breaks(factory: RunFactory, cuts: list[DbosHistory]) -> tuple[Failure | None, None]:
    """(the first open cut that fails, None: completed workflows are never recovered) when the code
    of ``factory`` recovers the histories ``cuts`` of one run (``histories``).

    Recovery of a cut with every row up to some id checks exactly what recovery of all rows checks
    up to that id, so one recovery of all rows decides every such cut; each blocked-in-recv cut
    (a gap) is recovered on its own."""
    prefixes = [h for h in cuts if not h.completed and h.blocked_in is None]
    found: list[Failure] = []
    if prefixes:
        result = replay_stream(factory(), prefixes[-1])
        if not result.ok:
            cut = next(h for h in prefixes if len(h.rows) > result.position)
            found.append(Failure(cut, result))
    for blocked in (h for h in cuts if h.blocked_in is not None):
        result = replay_stream(factory(), blocked)
        if not result.ok:
            found.append(Failure(blocked, result))
    return min(found, key=lambda f: (len(f.history.rows), f.result.position or 0), default=None), None


def _patch(call: PatchCall, recorded: dict[int, str], current: int) -> tuple[bool, int]:
    marker = PATCH_ROW_PREFIX + call.id
    found = recorded.get(current + 1)
    if call.deprecated:
        return True, current + 1 if found == marker else current
    if found is None or found == marker:
        return True, current + 1
    return False, current
