"""Run a testdata case's workflow module on the real Temporal engine. Always run as a subprocess:

    python -m tests.engines.temporal_driver record CASE_DIR ADDRESS OUT_DIR
    python -m tests.engines.temporal_driver replay CASE_DIR HISTORY_DIR   (prints JSON verdicts)
    python -m tests.engines.temporal_driver bench CASE_DIR HISTORY_DIR N  (times N rounds of replays)

It imports user code (``old.py``/``new.py``), which must never happen inside the test process:
each revision lives in its own interpreter, with its case folder on ``sys.path`` for siblings
(and, first, the revision's own folder ``old/`` or ``new/`` when the case has one).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from tests.engines.cases import case_folders
from tests.engines.temporal_cuts import cut_points

RUN_TIMEOUT = timedelta(seconds=30)


def load_revision(case_dir: Path, revision: str):
    """Import ``old``/``new`` from the case folder; returns (module, workflow classes, activities).

    Activities are collected from the revision and the sibling modules it imported: module-level
    functions, and methods of activity classes (bound to an instance made with no arguments).
    The revision's own modules (``old/``, ``new/``) come first on ``sys.path``, before the shared ones.
    """
    folders = case_folders(case_dir, revision)
    sys.path[:0] = [str(f) for f in folders]
    module = importlib.import_module(revision)
    workflows = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and workflow._Definition.from_class(value) is not None
    ]
    if not workflows:
        raise SystemExit(f"{case_dir / revision}.py defines no @workflow.defn class")
    case_modules = [
        m for m in list(sys.modules.values()) if Path(getattr(m, "__file__", None) or "/").resolve().parent in folders
    ]
    activities: dict[str, object] = {}
    for mod in case_modules:
        for value in vars(mod).values():
            for fn in _activities_of(value):
                activities.setdefault(activity._Definition.must_from_callable(fn).name, fn)
    return module, workflows, list(activities.values())


def _activities_of(value) -> list:
    if isinstance(value, type) and not workflow._Definition.from_class(value):
        methods = [
            name
            for name, attr in vars(value).items()
            if callable(attr) and activity._Definition.from_callable(attr) is not None
        ]
        if not methods:
            return []
        instance = value()
        return [getattr(instance, name) for name in methods]
    if callable(value) and activity._Definition.from_callable(value) is not None:
        return [value]
    return []


async def register_search_attributes(client: Client, module) -> None:
    """Register the module's ``SearchAttributeKey``s on the dev server, so upserts succeed."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.common import SearchAttributeKey

    keys = {v.name: v.indexed_value_type for v in vars(module).values() if isinstance(v, SearchAttributeKey)}
    from temporalio.service import RPCError, RPCStatusCode

    if keys:
        request = AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={name: IndexedValueType.ValueType(int(kind)) for name, kind in keys.items()},
        )
        try:
            await client.operator_service.add_search_attributes(request)
        except RPCError as exc:  # registered by an earlier case on the same server
            if exc.status != RPCStatusCode.ALREADY_EXISTS:
                raise


def workflow_type(cls) -> str:
    return workflow._Definition.must_from_class(cls).name


def quiet_runtime() -> Runtime:
    return Runtime(telemetry=TelemetryConfig(logging=None))


async def record(case_dir: Path, address: str, out_dir: Path) -> None:
    """Run the first workflow of ``old.py`` to completion (sending it the case's interactions, if
    any); write its history and its cut points."""
    module, workflows, activities = load_revision(case_dir, "old")
    client = await Client.connect(address, runtime=quiet_runtime())
    await register_search_attributes(client, module)
    queue = f"patchlint-{uuid.uuid4()}"
    workflow_id = f"{case_dir.name}-recorded"
    with ThreadPoolExecutor(max_workers=8) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=workflows,
            activities=activities,
            activity_executor=pool,
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await client.start_workflow(
                workflow_type(workflows[0]),
                id=workflow_id,
                task_queue=queue,
                execution_timeout=RUN_TIMEOUT,
            )
            await interact(handle, case_dir)
            await handle.result()
            history = await handle.fetch_history()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "history.json").write_text(history.to_json())
    meta = {
        "workflow_id": workflow_id,
        "workflow_type": workflow_type(workflows[0]),
        "cuts": cut_points(json.loads(history.to_json())["events"]),
    }
    (out_dir / "cuts.json").write_text(json.dumps(meta, indent=1) + "\n")


async def interact(handle, case_dir: Path) -> None:
    """What a client does to the recorded run, in order, from the case's ``interactions.json``:
    ``[{"update": NAME, "args": [...]}, {"signal": NAME, "args": [...]}]`` (each update awaited to
    completion, so the history holds it before the next one is sent)."""
    path = case_dir / "interactions.json"
    for step in json.loads(path.read_text()) if path.is_file() else []:
        await wait_until_idle(handle)
        if "update" in step:
            await handle.execute_update(step["update"], args=step.get("args", []))
        elif "signal" in step:
            await handle.signal(step["signal"], args=step.get("args", []))
        else:
            raise SystemExit(f"{path}: unknown interaction {step!r}")


async def wait_until_idle(handle, timeout: float = 20.0) -> None:
    """Wait until the run waits for the outside world: its last workflow task completed and no
    activity is pending. Sending an interaction only then keeps the recording the same every time
    (otherwise it may land in the first workflow task or a later one)."""
    from temporalio.api.enums.v1 import EventType

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        events = [e async for e in handle.fetch_history_events()]
        last = events[-1]
        settled = last.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        if settled and not (await handle.describe()).raw_description.pending_activities:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit(f"workflow {handle.id} never waited for an interaction")
        await asyncio.sleep(0.1)


def truncated(history_json: dict, last_event_id: int | None) -> dict:
    if last_event_id is None:
        return history_json
    events = [e for e in history_json["events"] if int(e["eventId"]) <= last_event_id]
    return {**history_json, "events": events}


async def replay(case_dir: Path, history_dir: Path) -> list[dict]:
    """Replay every cut (and the completed history) of a recorded run against ``new.py``."""
    _, workflows, _ = load_revision(case_dir, "new")
    meta = json.loads((history_dir / "cuts.json").read_text())
    full = json.loads((history_dir / "history.json").read_text())
    replayer = Replayer(workflows=workflows, workflow_runner=UnsandboxedWorkflowRunner(), runtime=quiet_runtime())
    verdicts = []
    for cut in [*meta["cuts"], None]:
        history = WorkflowHistory.from_json(meta["workflow_id"], truncated(full, cut))
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failure = result.replay_failure
        verdicts.append({"cut": cut, "ok": failure is None, "error": None if failure is None else str(failure)})
    return verdicts


async def bench(case_dir: Path, history_dir: Path, repeat: int) -> dict:
    """Mean wall time of one ``Replayer.replay_workflow`` over every cut, ``repeat`` rounds."""
    import time

    _, workflows, _ = load_revision(case_dir, "new")
    meta = json.loads((history_dir / "cuts.json").read_text())
    full = json.loads((history_dir / "history.json").read_text())
    replayer = Replayer(workflows=workflows, workflow_runner=UnsandboxedWorkflowRunner(), runtime=quiet_runtime())
    histories = [WorkflowHistory.from_json(meta["workflow_id"], truncated(full, cut)) for cut in [*meta["cuts"], None]]
    await replayer.replay_workflow(histories[-1], raise_on_replay_failure=False)  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        for history in histories:
            await replayer.replay_workflow(history, raise_on_replay_failure=False)
    elapsed = time.perf_counter() - start
    return {"replays": repeat * len(histories), "seconds": elapsed}


def main(argv: list[str]) -> None:
    command, case_dir = argv[0], Path(argv[1]).resolve()
    if command == "record":
        asyncio.run(record(case_dir, argv[2], Path(argv[3])))
    elif command == "replay":
        print(json.dumps(asyncio.run(replay(case_dir, Path(argv[2])))))
    elif command == "bench":
        print(json.dumps(asyncio.run(bench(case_dir, Path(argv[2]), int(argv[3])))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
    # The SDK's Rust runtime threads can crash interpreter finalization (PyGILState_Release);
    # the work is done and flushed, so leave without finalizing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
