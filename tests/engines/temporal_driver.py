"""Run a testdata case's workflow module on the real Temporal engine. Always run as a subprocess:

    python -m tests.engines.temporal_driver record CASE_DIR ADDRESS OUT_DIR
    python -m tests.engines.temporal_driver replay CASE_DIR HISTORY_DIR   (prints JSON verdicts)

It imports user code (``old.py``/``new.py``), which must never happen inside the test process:
each revision lives in its own interpreter, with its case folder on ``sys.path`` for siblings.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from tests.engines.temporal_cuts import cut_points

RUN_TIMEOUT = timedelta(seconds=60)


def load_revision(case_dir: Path, revision: str):
    """Import ``old``/``new`` from the case folder; returns (workflow classes, activities)."""
    sys.path.insert(0, str(case_dir))
    module = importlib.import_module(revision)
    workflows = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and workflow._Definition.from_class(value) is not None
    ]
    activities = [
        value
        for value in vars(module).values()
        if callable(value) and activity._Definition.from_callable(value) is not None
    ]
    if not workflows:
        raise SystemExit(f"{case_dir / revision}.py defines no @workflow.defn class")
    return workflows, activities


def workflow_type(cls) -> str:
    return workflow._Definition.must_from_class(cls).name


def quiet_runtime() -> Runtime:
    return Runtime(telemetry=TelemetryConfig(logging=None))


async def record(case_dir: Path, address: str, out_dir: Path) -> None:
    """Run the first workflow of ``old.py`` to completion; write its history and its cut points."""
    workflows, activities = load_revision(case_dir, "old")
    client = await Client.connect(address, runtime=quiet_runtime())
    queue = f"patchlint-{uuid.uuid4()}"
    workflow_id = f"{case_dir.name}-{uuid.uuid4().hex[:8]}"
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
                workflow_type(workflows[0]), id=workflow_id, task_queue=queue,
                execution_timeout=RUN_TIMEOUT,
            )
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


def truncated(history_json: dict, last_event_id: int | None) -> dict:
    if last_event_id is None:
        return history_json
    events = [e for e in history_json["events"] if int(e["eventId"]) <= last_event_id]
    return {**history_json, "events": events}


async def replay(case_dir: Path, history_dir: Path) -> list[dict]:
    """Replay every cut (and the completed history) of a recorded run against ``new.py``."""
    workflows, _ = load_revision(case_dir, "new")
    meta = json.loads((history_dir / "cuts.json").read_text())
    full = json.loads((history_dir / "history.json").read_text())
    replayer = Replayer(
        workflows=workflows, workflow_runner=UnsandboxedWorkflowRunner(), runtime=quiet_runtime()
    )
    verdicts = []
    for cut in [*meta["cuts"], None]:
        history = WorkflowHistory.from_json(meta["workflow_id"], truncated(full, cut))
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failure = result.replay_failure
        verdicts.append(
            {"cut": cut, "ok": failure is None, "error": None if failure is None else str(failure)}
        )
    return verdicts


def main(argv: list[str]) -> None:
    command, case_dir = argv[0], Path(argv[1]).resolve()
    if command == "record":
        asyncio.run(record(case_dir, argv[2], Path(argv[3])))
    elif command == "replay":
        print(json.dumps(asyncio.run(replay(case_dir, Path(argv[2])))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
