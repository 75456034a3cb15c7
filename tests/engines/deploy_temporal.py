"""Two deploys of one Temporal workflow on a real dev server, under each deployment model.

Deploy 1's ``DeployOrder`` runs activity ``reserve`` then waits for a ``go`` signal; deploy 2's
runs ``charge`` there instead: an unguarded change no run recorded by deploy 1 can replay. A run is
started on deploy 1 and left waiting; deploy 1's worker stops; deploy 2's worker starts and the
model decides which deploy gets the old run's next workflow task:

* Worker Deployments (``deployment_config=WorkerDeploymentConfig(...)``): deploy 2 is made the
  deployment's current version; the run's versioning behaviour (``@workflow.defn`` or the worker's
  ``default_versioning_behavior``) decides.
* Build-ID version sets (legacy ``build_id=..., use_worker_versioning=True``): deploy 2's Build ID
  joins deploy 1's set (compatible) or starts a new default set.
* No versioning (plain workers): deploy 2 serves the same task queue and workflow type (what
  patching assumes), or a versioned workflow type (``DeployOrderV2``, with or without the old
  type still registered), or a versioned task queue.

``observe`` returns what the server recorded, for the tests to assert. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import SetWorkerDeploymentCurrentVersionRequest
from temporalio.client import (
    BuildIdOpAddNewCompatible,
    BuildIdOpAddNewDefault,
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
)
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkerDeploymentConfig

ORDER = "DeployOrder"
ORDER_V2 = "DeployOrderV2"  # deploy 2 under a versioned workflow type name
WAIT = 30.0  # seconds, for anything the server or a worker is expected to do
QUIET = 5.0  # seconds a worker is watched doing nothing, after it did all else asked of it


@activity.defn
async def reserve() -> str:
    return "reserved"


@activity.defn
async def charge() -> str:
    return "charged"


def _act(fn):
    return workflow.execute_activity(fn, start_to_close_timeout=timedelta(seconds=10))


class _WaitsForGo:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def go_on(self) -> None:
        self.go = True

    async def _wait(self) -> None:
        await workflow.wait_condition(lambda: self.go)


class _Deploy1(_WaitsForGo):
    async def _order(self) -> str:
        first = await _act(reserve)
        await self._wait()
        return f"v1:{first}"


class _Deploy2(_WaitsForGo):
    async def _order(self) -> str:
        first = await _act(charge)
        await self._wait()
        return f"v2:{first}"


# The SDK takes no local classes, and wants ``@workflow.run`` on the class itself: one pair per
# behaviour, the behaviour the only difference.


@workflow.defn(name=ORDER, versioning_behavior=VersioningBehavior.PINNED)
class OrderV1Pinned(_Deploy1):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER, versioning_behavior=VersioningBehavior.PINNED)
class OrderV2Pinned(_Deploy2):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER, versioning_behavior=VersioningBehavior.AUTO_UPGRADE)
class OrderV1AutoUpgrade(_Deploy1):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER, versioning_behavior=VersioningBehavior.AUTO_UPGRADE)
class OrderV2AutoUpgrade(_Deploy2):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER)
class OrderV1(_Deploy1):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER)
class OrderV2(_Deploy2):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


@workflow.defn(name=ORDER_V2)
class OrderV2Renamed(_Deploy2):
    @workflow.run
    async def run(self) -> str:
        return await self._order()


_BY_BEHAVIOR = {
    VersioningBehavior.PINNED: (OrderV1Pinned, OrderV2Pinned),
    VersioningBehavior.AUTO_UPGRADE: (OrderV1AutoUpgrade, OrderV2AutoUpgrade),
    VersioningBehavior.UNSPECIFIED: (OrderV1, OrderV2),
}


def order_workflows(behavior: VersioningBehavior) -> tuple[type, type]:
    """Deploy 1's and deploy 2's ``DeployOrder``, declaring ``behavior`` (UNSPECIFIED: none)."""
    return _BY_BEHAVIOR[behavior]


@dataclass
class Observed:
    """What the server recorded for the old run (started on deploy 1) and a new one (deploy 2)."""

    old_events: list = field(default_factory=list)  # HistoryEvent, after deploy 2 got its chance
    old_versioning: object = None  # describe().raw_description.workflow_execution_info.versioning_info
    old_status: object = None  # WorkflowExecutionStatus once deploy 2 got its chance
    old_result_on_deploy_2: str | None = None  # set when deploy 2's worker finished it
    old_result_on_deploy_1: str | None = None  # set when deploy 1 came back and finished it
    new_result: str | None = None
    new_versioning: object = None
    worker_build_ids: list[str] = field(default_factory=list)  # of the old run's completed tasks

    def task_failures(self) -> list:
        return [
            e.workflow_task_failed_event_attributes
            for e in self.old_events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        ]

    def tasks_started_after_signal(self) -> int:
        signalled = next(
            i for i, e in enumerate(self.old_events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        )
        return sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED for e in self.old_events[signalled:])


async def _events(handle: WorkflowHandle) -> list:
    return [e async for e in handle.fetch_history_events()]


async def wait_until_waiting(handle: WorkflowHandle, timeout: float = WAIT) -> None:
    """Until the run's first activity completed and a later workflow task completed: it waits."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        kinds = [e.event_type for e in await _events(handle)]
        if EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in kinds:
            done = kinds.index(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
            if EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in kinds[done:]:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{handle.id} never reached its wait: {kinds}")
        await asyncio.sleep(0.1)


async def wait_for_event(handle: WorkflowHandle, kind, timeout: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if any(e.event_type == kind for e in await _events(handle)):
            return True
        await asyncio.sleep(0.1)
    return False


async def set_current_version(client: Client, deployment: str, build_id: str) -> None:
    """Make ``deployment.build_id`` current; the server knows a version only once its worker
    polled (until then: NOT_FOUND "no Worker Deployment found ... have pollers?")."""
    request = SetWorkerDeploymentCurrentVersionRequest(
        namespace=client.namespace,
        deployment_name=deployment,
        build_id=build_id,
        identity="patchlint-conformance",
    )
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        try:
            await client.workflow_service.set_worker_deployment_current_version(request)
            return
        except RPCError as exc:
            retry = exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)
            if not retry or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.2)


@dataclass
class Deploy:
    """How one deploy's worker identifies itself, and what making it live means."""

    workflow: type  # the one new runs start
    deployment: WorkerDeploymentConfig | None = None  # Worker Deployments
    build_id: str | None = None  # legacy version sets
    also: tuple[type, ...] = ()  # workflows the worker keeps registered besides ``workflow``
    queue_suffix: str = ""  # a versioned task queue: the base queue's name + this

    def worker(self, client: Client, queue: str) -> Worker:
        if self.deployment is not None:
            versioning: dict = {"deployment_config": self.deployment}
        elif self.build_id is not None:
            versioning = {"build_id": self.build_id, "use_worker_versioning": True}
        else:
            versioning = {}
        return Worker(
            client,
            task_queue=queue + self.queue_suffix,
            workflows=[self.workflow, *self.also],
            activities=[reserve, charge],
            workflow_runner=UnsandboxedWorkflowRunner(),
            **versioning,
        )

    @property
    def workflow_type(self) -> str:
        return workflow._Definition.must_from_class(self.workflow).name


def deployment_deploys(
    behavior: VersioningBehavior,
    default: VersioningBehavior = VersioningBehavior.UNSPECIFIED,
) -> tuple[Deploy, Deploy]:
    """Deploy 1 and 2 as two versions of one new Worker Deployment: ``behavior`` on the workflow,
    ``default`` on the workers."""
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    v1, v2 = order_workflows(behavior)

    def config(build_id: str) -> WorkerDeploymentConfig:
        return WorkerDeploymentConfig(
            version=WorkerDeploymentVersion(name, build_id),
            use_worker_versioning=True,
            default_versioning_behavior=default,
        )

    return Deploy(v1, deployment=config("1")), Deploy(v2, deployment=config("2"))


async def make_live(client: Client, queue: str, deploy: Deploy, *, compatible: bool) -> None:
    """What an operator does when ``deploy``'s worker is up: make it the one new runs go to."""
    if deploy.deployment is not None:
        version = deploy.deployment.version
        await set_current_version(client, version.deployment_name, version.build_id)
    elif deploy.build_id == "1.0":
        await client.update_worker_build_id_compatibility(queue, BuildIdOpAddNewDefault("1.0"))
    elif compatible:
        op = BuildIdOpAddNewCompatible(deploy.build_id, "1.0")
        await client.update_worker_build_id_compatibility(queue, op)
    else:
        await client.update_worker_build_id_compatibility(queue, BuildIdOpAddNewDefault(deploy.build_id))


async def observe(address: str, first: Deploy, second: Deploy, *, compatible: bool = False) -> Observed:
    """Run the two deploys one after the other (see the module doc); report what happened.

    After deploy 2 is live: the old run is signalled and a new run started; both are watched until
    the new run waits for its signal on deploy 2 and the old run either recorded a workflow task
    failure or, ``QUIET`` seconds longer, nothing. Then, unless deploy 2 failed or finished it,
    deploy 1's worker comes back for ``WAIT`` seconds at most: a run still bound to deploy 1
    finishes there."""
    client = await Client.connect(address)
    queue = f"deploy-{uuid.uuid4()}"
    seen = Observed()
    if first.build_id is not None:
        await make_live(client, queue, first, compatible=compatible)
    async with first.worker(client, queue):
        if first.deployment is not None:
            await make_live(client, queue, first, compatible=compatible)
        old = await client.start_workflow(
            ORDER, id=f"{queue}-old", task_queue=queue, execution_timeout=timedelta(minutes=2)
        )
        await wait_until_waiting(old)
    if second.build_id is not None:
        await make_live(client, queue, second, compatible=compatible)
    async with second.worker(client, queue):
        if second.deployment is not None:
            await make_live(client, queue, second, compatible=compatible)
        await old.signal("go_on")
        new = await client.start_workflow(
            second.workflow_type,
            id=f"{queue}-new",
            task_queue=queue + second.queue_suffix,
            execution_timeout=timedelta(minutes=2),
        )
        await wait_until_waiting(new)
        failed = await wait_for_event(old, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, QUIET)
        seen.old_events = await _events(old)
        described = await old.describe()
        seen.old_status = described.status
        seen.old_versioning = described.raw_description.workflow_execution_info.versioning_info
        if seen.old_status == WorkflowExecutionStatus.COMPLETED:
            seen.old_result_on_deploy_2 = await old.result()
        seen.new_versioning = (await new.describe()).raw_description.workflow_execution_info.versioning_info
        await new.signal("go_on")
        seen.new_result = await asyncio.wait_for(new.result(), WAIT)
    if not failed and seen.old_status == WorkflowExecutionStatus.RUNNING:
        async with first.worker(client, queue):
            seen.old_result_on_deploy_1 = await asyncio.wait_for(old.result(), WAIT)
    elif failed:
        await old.terminate("conformance test done")
    seen.worker_build_ids = [
        e.workflow_task_completed_event_attributes.worker_version.build_id
        or e.workflow_task_completed_event_attributes.deployment_version.build_id
        for e in await _events(old)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    return seen
