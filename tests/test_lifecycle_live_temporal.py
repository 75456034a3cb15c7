"""``patchlint patches --temporal-address`` against a real dev server, with a run left open in each
stage of the patching story (initial, patched, deprecated), each blocked on a signal after its
patch point, and their workers gone, exactly as after three deploys."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from patchlint.lifecycle import samples
from tests.engines.temporal_server import dev_server
from tests.test_patches_cmd import entries, removal_repo, removed_type, repo, run

TYPE = "MyWorkflow"  # the type name of samples.TEMPORAL_*


@activity.defn
async def pre_patch() -> str:
    return "pre"


@activity.defn
async def post_patch() -> str:
    return "post"


class _Base:
    def __init__(self) -> None:
        self.done = False
        self.past_patch = False

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def waiting(self) -> bool:
        return self.past_patch

    async def _wait(self) -> str:
        self.past_patch = True
        await workflow.wait_condition(lambda: self.done)
        return "done"


def _act(fn):
    return workflow.execute_activity(fn, start_to_close_timeout=timedelta(seconds=10))


@workflow.defn(name=TYPE)
class Initial(_Base):
    @workflow.run
    async def run(self) -> str:
        await _act(pre_patch)
        return await self._wait()


@workflow.defn(name=TYPE)
class Patched(_Base):
    @workflow.run
    async def run(self) -> str:
        if workflow.patched("my-patch"):
            await _act(post_patch)
        else:
            await _act(pre_patch)
        return await self._wait()


@workflow.defn(name=TYPE)
class Deprecated(_Base):
    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("my-patch")
        await _act(post_patch)
        return await self._wait()


async def leave_open(client: Client, cls, workflow_id: str) -> None:
    """Run ``cls`` on its own worker until the run sits past its patch point, then drop the worker."""
    queue = "lifecycle"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[cls],
        activities=[pre_patch, post_patch],
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_cached_workflows=0,
    ):
        handle = await client.start_workflow(TYPE, id=workflow_id, task_queue=queue)
        deadline = time.monotonic() + 30
        while not await handle.query("waiting"):
            assert time.monotonic() < deadline, f"{workflow_id} never reached its wait"
            await asyncio.sleep(0.1)


async def settle(client: Client, query: str, expected: int) -> None:
    """Visibility is eventually consistent: wait until it shows what the server holds."""
    deadline = time.monotonic() + 30
    while (await client.count_workflows(query)).count != expected:
        assert time.monotonic() < deadline, f"visibility never showed {expected} for {query}"
        await asyncio.sleep(0.2)


@pytest.mark.engine
def test_temporal_live_counts(tmp_path):
    patched_repo = repo(tmp_path / "a", [(1, samples.TEMPORAL_PATCHED)])
    deprecated_repo = repo(tmp_path / "b", [(2, samples.TEMPORAL_PATCHED), (1, samples.TEMPORAL_DEPRECATED)])
    suffix = uuid.uuid4().hex[:6]

    with dev_server() as address:

        async def setup() -> Client:
            client = await Client.connect(address)
            for cls, name in ((Initial, "initial"), (Patched, "patched"), (Deprecated, "deprecated")):
                await leave_open(client, cls, f"wf-{name}-{suffix}")
            await settle(client, f"WorkflowType = '{TYPE}' AND ExecutionStatus = 'Running'", 3)
            await settle(client, f"WorkflowType = '{TYPE}' AND TemporalChangeVersion = 'my-patch'", 2)
            return client

        client = asyncio.run(setup())
        live = ("--format", "json", "--temporal-address", address)
        removal = removal_repo(tmp_path / "c", samples.TEMPORAL_COMPLETE, ("class MyWorkflow", "class OurWorkflow"))
        [message] = removed_type(removal, "--temporal-address", address)
        assert "MyWorkflow" in message and "3 open runs can no longer replay" in message

        [entry] = entries(run(patched_repo, *live))
        assert (entry["stage"], entry["open_executions"], entry["verdict"]) == ("patched", 1, "keep")
        assert entry["evidence"].startswith("temporal ")
        [entry] = entries(run(deprecated_repo, *live))  # wf-patched holds a non-deprecated marker
        assert (entry["stage"], entry["open_executions"], entry["verdict"]) == ("deprecated", 1, "keep")

        async def close(name: str, running: int) -> None:
            client = await Client.connect(address)
            await client.get_workflow_handle(f"wf-{name}-{suffix}").terminate("drained")
            await settle(client, f"WorkflowType = '{TYPE}' AND ExecutionStatus = 'Running'", running)

        asyncio.run(close("initial", 2))
        [entry] = entries(run(patched_repo, *live))
        assert (entry["open_executions"], entry["verdict"]) == (0, "ready-to-deprecate")

        asyncio.run(close("patched", 1))
        [entry] = entries(run(deprecated_repo, *live))
        assert (entry["open_executions"], entry["verdict"]) == (0, "ready-to-remove")
        # closed but within retention: a query would replay it, so it still counts with --include-closed
        [entry] = entries(run(deprecated_repo, *live, "--include-closed"))
        assert (entry["open_executions"], entry["verdict"]) == (1, "keep")

        asyncio.run(close("deprecated", 0))  # the removed type's last open run ends
        assert removed_type(removal, "--temporal-address", address) == []
        del client
