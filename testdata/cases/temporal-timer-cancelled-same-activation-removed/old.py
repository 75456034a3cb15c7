import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)
PRICING_TIMEOUT_SECONDS = 30
PRICES = {"order-1": 120}


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserved " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        total = await asyncio.wait_for(self.price(order_id), timeout=PRICING_TIMEOUT_SECONDS)
        workflow.logger.info("charging %s", total)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        return "done"

    async def price(self, order_id: str) -> int:
        # used to call the pricing service; prices now ship with the workflow
        return PRICES.get(order_id, 100)
