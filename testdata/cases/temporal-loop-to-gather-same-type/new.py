import asyncio
from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)
WAREHOUSES = ("north", "south", "east")


@activity.defn
async def reserve_in_warehouse(warehouse: str) -> str:
    return "reserved in " + warehouse


@activity.defn
async def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await asyncio.gather(
            *(
                workflow.execute_activity(reserve_in_warehouse, warehouse, start_to_close_timeout=TIMEOUT)
                for warehouse in WAREHOUSES
            )
        )
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
