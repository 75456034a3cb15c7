"""Run a generated workflow module that calls Nexus operations on the real Temporal dev server.

    python -m tests.engines.api_nexus_driver record MODULE_DIR ADDRESS OUT_JSON

Like ``temporal_driver record`` (whose helpers it uses), plus what Nexus needs: an endpoint named by
the module's ``API_ENDPOINT`` targeting the worker's task queue, and the module's Nexus service
handler classes (``API_NEXUS_HANDLERS``) on the worker. Writes the
history of the module's first workflow, run to completion. Always a subprocess: it imports user code.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from tests.engines.temporal_driver import (
    RUN_TIMEOUT,
    _activities_of,
    quiet_runtime,
    workflow_type,
)


def _service_handlers(module) -> list:
    return [cls() for cls in getattr(module, "API_NEXUS_HANDLERS", ())]


async def _endpoint(client: Client, name: str, task_queue: str) -> None:
    from temporalio.api.nexus.v1 import EndpointSpec, EndpointTarget
    from temporalio.api.operatorservice.v1 import CreateNexusEndpointRequest

    await client.operator_service.create_nexus_endpoint(
        CreateNexusEndpointRequest(
            spec=EndpointSpec(
                name=name,
                target=EndpointTarget(worker=EndpointTarget.Worker(namespace=client.namespace, task_queue=task_queue)),
            )
        )
    )


async def record(module_dir: Path, address: str, out: Path) -> None:
    sys.path.insert(0, str(module_dir))
    module = importlib.import_module("old")
    workflows = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and v.__module__ == module.__name__ and workflow._Definition.from_class(v)
    ]
    activities = [fn for v in vars(module).values() for fn in _activities_of(v)]
    client = await Client.connect(address, runtime=quiet_runtime())
    queue = f"patchlint-nexus-{uuid.uuid4()}"
    await _endpoint(client, module.API_ENDPOINT, queue)
    with ThreadPoolExecutor(max_workers=8) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=workflows,
            activities=activities,
            nexus_service_handlers=_service_handlers(module),
            activity_executor=pool,
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await client.start_workflow(
                workflow_type(workflows[0]),
                id=f"patchlint-nexus-{uuid.uuid4()}",
                task_queue=queue,
                execution_timeout=RUN_TIMEOUT,
            )
            await handle.result()
            history = await handle.fetch_history()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(history.to_json())


def main(argv: list[str]) -> None:
    if argv[0] != "record":
        raise SystemExit(f"unknown command {argv[0]!r}")
    asyncio.run(record(Path(argv[1]).resolve(), argv[2], Path(argv[3])))


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the SDK's Rust runtime threads can crash interpreter finalization
