from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@activity.defn
async def check_fraud(order_id: str) -> str:
    return "check_fraud " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id



@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        return "done"


async def main(client) -> None:
    worker = Worker(client, task_queue="orders", workflows=[OrderWorkflow], activities=[reserve_stock, check_fraud, charge_payment])
    await worker.run()
