from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(
            charge_payment,
            order_id,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5, backoff_coefficient=3.0),
        )
        await workflow.execute_activity(
            ship_order, order_id, task_queue="shipping", schedule_to_close_timeout=timedelta(minutes=5)
        )
        return "done"
