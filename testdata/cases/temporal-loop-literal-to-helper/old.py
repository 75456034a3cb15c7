from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_item(sku: str) -> str:
    return "reserved " + sku


@activity.defn
async def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        for sku in ["sku-1", "sku-2", "sku-3"]:
            await workflow.execute_activity(reserve_item, sku, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
