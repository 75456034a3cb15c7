from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pack_order(order_id: str) -> str:
    return "pack_order " + order_id


@activity.defn
async def ship_ground(order_id: str) -> str:
    return "ship_ground " + order_id


@activity.defn
async def ship_express(order_id: str) -> str:
    return "ship_express " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(pack_order, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(ship_ground, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
