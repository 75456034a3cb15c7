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

from patchlint.model.program import Step, Workflow
from patchlint.semantics.choices import Choices
from patchlint.semantics.history import DBOS_SLEEP, PATCH_ROW_PREFIX, DbosHistory, DbosRow
from patchlint.semantics.interpret import Interpreter, PatchCall
from patchlint.semantics.result import ReplayResult

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


def _requests(workflow: Workflow, choices: Choices):
    """The operations and patch calls of one run, with the engine's reply sent back in."""
    run = Interpreter(workflow.program, choices).run()
    reply = None
    while True:
        try:
            request = run.send(reply)
        except StopIteration:
            return
        reply = yield request if isinstance(request, (Step, PatchCall)) else None


def record(workflow: Workflow, choices: Choices) -> list[DbosHistory]:
    """Run ``workflow`` live: a history after every operation, each recv/get_event gap, and the end."""
    rows: list[DbosRow] = []
    cuts: list[DbosHistory] = []
    name = workflow.name
    requests = _requests(workflow, choices)
    reply = None
    while True:
        try:
            request = requests.send(reply)
        except StopIteration:
            break
        reply = None
        if request is None:
            continue
        next_id = rows[-1].function_id + 1 if rows else 1
        if isinstance(request, PatchCall):
            if request.deprecated:
                reply = True
                continue
            rows.append(DbosRow(next_id, PATCH_ROW_PREFIX + request.id))
            reply = True
        elif request.slots >= 2:
            sleep = DbosRow(next_id + 1, DBOS_SLEEP)
            cuts.append(DbosHistory(name, (*rows, sleep), False, blocked_in=request.name))
            rows += [DbosRow(next_id, request.name), sleep]
        else:
            rows.append(DbosRow(next_id, request.name))
        cuts.append(DbosHistory(name, tuple(rows), False))
    cuts.append(DbosHistory(name, tuple(rows), True))
    return cuts


def replay(workflow: Workflow, history: DbosHistory, choices: Choices) -> ReplayResult:
    """Recover ``history`` with ``workflow``'s program under ``choices`` (see the module doc)."""
    if history.completed:
        return ReplayResult(ok=True, message="completed DBOS workflows are never recovered")
    recorded = {row.function_id: row.name for row in history.rows}
    position = {row.function_id: i for i, row in enumerate(history.rows)}
    last = max(recorded, default=0)
    current = 0
    requests = _requests(workflow, choices)
    reply = None
    while current < last:
        try:
            request = requests.send(reply)
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


def _patch(call: PatchCall, recorded: dict[int, str], current: int) -> tuple[bool, int]:
    marker = PATCH_ROW_PREFIX + call.id
    found = recorded.get(current + 1)
    if call.deprecated:
        return True, current + 1 if found == marker else current
    if found is None or found == marker:
        return True, current + 1
    return False, current
