import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)
SETTLE_SECONDS = 0  # raise to let the payment provider settle before shipping


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await asyncio.sleep(SETTLE_SECONDS)
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
