from datetime import timedelta

from temporalio import activity, workflow
from temporalio.workflow import execute_activity as run

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pack_order(order_id: str) -> str:
    return "pack_order " + order_id


@activity.defn
async def weigh_parcel(order_id: str) -> str:
    return "weigh_parcel " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await run(pack_order, order_id, start_to_close_timeout=TIMEOUT)
        await run(weigh_parcel, order_id, start_to_close_timeout=TIMEOUT)
        await run(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
