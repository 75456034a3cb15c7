from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig

from activities import charge_payment, check_fraud, reserve_stock
from workflow import OrderWorkflow

DEPLOYMENT = WorkerDeploymentConfig(
    version=WorkerDeploymentVersion(deployment_name="orders", build_id="2"),
    use_worker_versioning=True,
    default_versioning_behavior=VersioningBehavior.PINNED,
)


async def main() -> None:
    client = await Client.connect("localhost:7233")
    worker = Worker(
        client,
        task_queue="orders",
        workflows=[OrderWorkflow],
        activities=[reserve_stock, check_fraud, charge_payment],
        deployment_config=DEPLOYMENT,
    )
    await worker.run()
