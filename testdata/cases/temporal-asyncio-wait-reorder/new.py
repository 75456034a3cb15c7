import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pick_items(order_id: str) -> str:
    return "pick_items " + order_id


@activity.defn
async def print_label(order_id: str) -> str:
    return "print_label " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await asyncio.wait(
            [
                workflow.start_activity(print_label, order_id, start_to_close_timeout=TIMEOUT),
                workflow.start_activity(pick_items, order_id, start_to_close_timeout=TIMEOUT),
            ]
        )
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
