"""Record a corpus of real Temporal histories, and the Replayer's verdict on each. Run as a subprocess:

    python -m tests.engines.corpus_driver record SLUG_DIR ADDRESS OUT_DIR
    python -m tests.engines.corpus_driver verdicts SLUG_DIR HISTORY_DIR     (prints JSON verdicts)

A corpus folder (``testdata/corpus/<slug>/``) holds a workflow service the way a team writes it:
``activities.py``, revisions of the workflow module (``v1.py`` is recorded, every ``v*.py`` is
replayed) and ``scenarios.json``: the workflow type, and per scenario the input and the actions
sent to the run (signals, updates), each at a chosen point:

- ``"at": "start"``: a signal sent with the start (signal-with-start: in the first activation);
- ``"at": "idle"``: once the run sits still (no workflow task, activity or child in flight);
- ``"at": "during:<activity>"``: while the next execution of that activity (in the run or one of
  its children) is held in the worker; it is released once the action's workflow task completed.

Holding activities makes every recording land the action at the same place in the history. An
update is awaited to completion unless ``"wait": false`` (then only until accepted); one with
``"rejected": true`` must be rejected by its validator.

``record`` runs every scenario of the recorded revision to completion and writes each run's history
(continue-as-new runs and child workflows too) as ``history-*.json`` with ``index.json`` (per file:
workflow id, type, and the last event id of every open cut). ``verdicts`` replays every cut and the
whole history of every file with every revision's workflows in temporalio's ``Replayer``.

It imports user code, which must never happen inside the test process. One slug per process: the
revisions of a slug share their sibling modules (``activities``).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHistory, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from tests.engines.temporal_cuts import cut_points
from tests.engines.temporal_driver import _activities_of, quiet_runtime, truncated

RUN_TIMEOUT = timedelta(seconds=120)
WAIT_TIMEOUT = 60.0
POLL = 0.05
RECORDED = "v1"


def revisions(slug_dir: Path) -> list[str]:
    """Every revision module of a corpus folder (``v1``, ``v2_safe``...), in order."""
    return sorted(p.stem for p in slug_dir.glob("v*.py"))


def load(slug_dir: Path, revision: str):
    """Import one revision; its ``@workflow.defn`` classes and the activities of its siblings."""
    if str(slug_dir) not in sys.path:
        sys.path.insert(0, str(slug_dir))
    module = importlib.import_module(revision)
    workflows = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and workflow._Definition.from_class(value) is not None
    ]
    activities: dict[str, object] = {}
    for mod in list(sys.modules.values()):
        if Path(getattr(mod, "__file__", None) or "/").resolve().parent != slug_dir:
            continue
        for value in vars(mod).values():
            for fn in _activities_of(value):
                activities.setdefault(activity._Definition.must_from_callable(fn).name, fn)
    return workflows, activities


# ------------------------------------------------------------------------------------ recording


@dataclass
class Hold:
    """The next execution of activity ``name`` in the scenario's workflows waits for ``release``."""

    root: str
    name: str
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    activity_id: str | None = None
    workflow_id: str | None = None
    used: bool = False


class Gates:
    def __init__(self) -> None:
        self.holds: list[Hold] = []

    def hold(self, root: str, name: str) -> Hold:
        hold = Hold(root, name)
        self.holds.append(hold)
        return hold

    async def enter(self, name: str) -> None:
        info = activity.info()
        for hold in self.holds:
            in_scenario = info.workflow_id == hold.root or info.workflow_id.startswith(hold.root + "/")
            if not hold.used and hold.name == name and in_scenario:
                hold.used = True
                hold.activity_id, hold.workflow_id = info.activity_id, info.workflow_id
                hold.reached.set()
                await hold.release.wait()
                return

    def wrap(self, name: str, fn):
        """``fn`` registered under its own name, passing through ``enter`` first."""
        if not asyncio.iscoroutinefunction(fn):
            raise SystemExit(f"corpus activities are async: {name}")

        @functools.wraps(fn)
        async def gated(*args):
            await self.enter(name)
            return await fn(*args)

        gated.__dict__.pop("__temporal_activity_definition", None)  # wraps copied fn's
        return activity.defn(name=name)(gated)


def _events(history) -> list[dict]:
    return json.loads(history.to_json())["events"]


def _attrs(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventAttributes") and isinstance(value, dict):
            return value
    return {}


_ACTIVITY_CLOSED = {
    "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
    "EVENT_TYPE_ACTIVITY_TASK_FAILED",
    "EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT",
    "EVENT_TYPE_ACTIVITY_TASK_CANCELED",
}
_CHILD_CLOSED = {
    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED",
    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED",
    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED",
    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT",
    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED",
    "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED",
}
_TASK_CLOSED = {
    "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
    "EVENT_TYPE_WORKFLOW_TASK_FAILED",
    "EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT",
}


def _state(events: list[dict]) -> dict:
    """What a run has in flight: a workflow task, activities (by activity id), children."""
    activities: dict[str, str] = {}  # scheduled event id -> activity id
    children: set[str] = set()
    task_open = False
    for event in events:
        kind, attrs, eid = event["eventType"], _attrs(event), event["eventId"]
        if kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
            activities[eid] = attrs.get("activityId", "")
        elif kind in _ACTIVITY_CLOSED:
            activities.pop(attrs.get("scheduledEventId"), None)
        elif kind == "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED":
            children.add(eid)
        elif kind in _CHILD_CLOSED:
            children.discard(attrs.get("initiatedEventId"))
        elif kind == "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED":
            task_open = True
        elif kind in _TASK_CLOSED:
            task_open = False
    closed = bool(events) and events[-1]["eventType"] in {
        "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
        "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
        "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
        "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT",
        "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED",
        "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED",
    }
    return {
        "task": task_open,
        "started": any(e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" for e in events),
        "activities": set(activities.values()),
        "children": children,
        "closed": closed,
        "continued": bool(events) and events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
        "length": len(events),
    }


async def _until(client: Client, workflow_id: str, test, what: str) -> None:
    """Poll the run's history until ``test(state)`` holds twice in a row (nothing moved between)."""
    deadline = time.monotonic() + WAIT_TIMEOUT
    previous = None
    while time.monotonic() < deadline:
        state = _state(_events(await client.get_workflow_handle(workflow_id).fetch_history()))
        if test(state) and previous is not None and previous == state["length"]:
            return
        previous = state["length"] if test(state) else None
        await asyncio.sleep(POLL)
    raise SystemExit(f"{workflow_id}: not {what} after {WAIT_TIMEOUT}s")


def _idle(state: dict) -> bool:
    """The run sits still: its first workflow task done (a run continued-as-new starts with no task
    scheduled; the server schedules it a moment later), nothing in flight, not handed to a next run."""
    return (
        state["started"]
        and not state["task"]
        and not state["activities"]
        and not state["children"]
        and not state["continued"]
    )


async def _send(client: Client, workflow_id: str, action: dict) -> None:
    handle = client.get_workflow_handle(workflow_id)
    args = action.get("args", [])
    if "signal" in action:
        await handle.signal(action["signal"], args=args)
        return
    if action.get("rejected"):
        try:
            await handle.execute_update(action["update"], args=args)
        except WorkflowUpdateFailedError:
            return
        raise SystemExit(f"{workflow_id}: update {action['update']} was not rejected")
    if action.get("wait", True):
        await handle.execute_update(action["update"], args=args)
    else:
        await handle.start_update(action["update"], args=args, wait_for_stage=WorkflowUpdateStage.ACCEPTED)


async def run_scenario(client: Client, queue: str, gates: Gates, root: str, spec: dict, scenario: dict) -> str:
    """Start the scenario's run, send its actions at their points; return the first run id."""
    actions = list(scenario.get("actions", []))
    start = {}
    if actions and actions[0]["at"] == "start":
        first = actions.pop(0)
        start = {"start_signal": first["signal"], "start_signal_args": first.get("args", [])}
    holds = [gates.hold(root, a["at"].split(":", 1)[1]) if a["at"].startswith("during:") else None for a in actions]
    handle = await client.start_workflow(
        spec["workflow"],
        scenario["input"],
        id=root,
        task_queue=queue,
        execution_timeout=RUN_TIMEOUT,
        **start,
    )
    for action, hold in zip(actions, holds):
        if hold is None:
            await _until(client, root, _idle, "idle")
            await _send(client, root, action)
        else:
            await asyncio.wait_for(hold.reached.wait(), WAIT_TIMEOUT)
            await _send(client, root, action)
            target = hold.workflow_id or root
            await _until(
                client,
                target,
                lambda s, held=hold.activity_id: not s["task"] and s["activities"] <= {held},
                "settled",
            )
            if target != root:
                await _until(client, root, lambda s: not s["task"] and not s["activities"], "settled")
            hold.release.set()
    await client.get_workflow_handle(root).result()
    return handle.first_execution_run_id or handle.run_id


async def runs_of(client: Client, workflow_id: str, run_id: str) -> list[tuple[str, str, list[dict]]]:
    """(workflow id, run id, events) of a run, the runs it continued as, and all their children."""
    out = []
    while run_id:
        events = _events(await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history())
        out.append((workflow_id, run_id, events))
        for event in events:
            if event["eventType"] == "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED":
                execution = _attrs(event)["workflowExecution"]
                out += await runs_of(client, execution["workflowId"], execution["runId"])
        last = events[-1]
        run_id = None
        if last["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW":
            run_id = _attrs(last)["newExecutionRunId"]
    return out


def file_name(root_prefix: str, workflow_id: str, run: int) -> str:
    """``history-<scenario>[--<child>][-run<n>].json`` from the workflow id."""
    stem = workflow_id[len(root_prefix) :].replace("/", "--")
    return f"history-{stem}{'' if run == 1 else f'-run{run}'}.json"


async def record(slug_dir: Path, address: str, out_dir: Path) -> None:
    spec = json.loads((slug_dir / "scenarios.json").read_text())
    workflows, activities = load(slug_dir, spec.get("recorded", RECORDED))
    gates = Gates()
    client = await Client.connect(address, runtime=quiet_runtime())
    queue = f"corpus-{uuid.uuid4()}"
    prefix = f"{slug_dir.name}-{uuid.uuid4().hex[:8]}/"
    async with Worker(
        client,
        task_queue=queue,
        workflows=workflows,
        activities=[gates.wrap(name, fn) for name, fn in activities.items()],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        names = [s["name"] for s in spec["scenarios"]]
        first_runs = await asyncio.gather(
            *(run_scenario(client, queue, gates, prefix + s["name"], spec, s) for s in spec["scenarios"])
        )
        histories = []
        for name, run_id in zip(names, first_runs):
            histories += await runs_of(client, prefix + name, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("history-*.json"):
        old.unlink()
    index = {}
    runs: dict[str, int] = {}
    for workflow_id, _run_id, events in histories:
        runs[workflow_id] = runs.get(workflow_id, 0) + 1
        name = file_name(prefix, workflow_id, runs[workflow_id])
        (out_dir / name).write_text(json.dumps({"events": events}, indent=1) + "\n")
        started = _attrs(events[0])
        index[name] = {
            "workflow_id": workflow_id,  # replay needs the real id: child ids derive from it
            "workflow_type": started["workflowType"]["name"],
            "cuts": cut_points(events),
        }
    (out_dir / "index.json").write_text(json.dumps(dict(sorted(index.items())), indent=1) + "\n")


# -------------------------------------------------------------------------------------- verdicts


async def verdicts(slug_dir: Path, history_dir: Path) -> dict:
    """``{file: {revision: [{"cut", "ok", "error"}]}}``: every cut, then the whole history."""
    index = json.loads((history_dir / "index.json").read_text())
    replayers = {}
    for revision in revisions(slug_dir):
        workflows, _ = load(slug_dir, revision)
        replayers[revision] = Replayer(
            workflows=workflows, workflow_runner=UnsandboxedWorkflowRunner(), runtime=quiet_runtime()
        )
    out: dict[str, dict] = {}
    for name, meta in index.items():
        full = json.loads((history_dir / name).read_text())
        out[name] = {}
        for revision, replayer in replayers.items():
            results = []
            for cut in [*meta["cuts"], None]:
                history = WorkflowHistory.from_json(meta["workflow_id"], truncated(full, cut))
                result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
                failure = result.replay_failure
                results.append({"cut": cut, "ok": failure is None, "error": None if failure is None else str(failure)})
            out[name][revision] = results
    return out


def main(argv: list[str]) -> None:
    command, slug_dir = argv[0], Path(argv[1]).resolve()
    if command == "record":
        asyncio.run(record(slug_dir, argv[2], Path(argv[3])))
    elif command == "verdicts":
        print(json.dumps(asyncio.run(verdicts(slug_dir, Path(argv[2])))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the SDK's Rust threads can crash interpreter finalization (see temporal_driver)
