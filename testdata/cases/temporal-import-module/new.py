from datetime import timedelta

import temporalio.workflow
from temporalio import activity

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pack_order(order_id: str) -> str:
    return "pack_order " + order_id


@activity.defn
async def print_label_v2(order_id: str) -> str:
    return "print_label_v2 " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@temporalio.workflow.defn
class OrderWorkflow:
    @temporalio.workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await temporalio.workflow.execute_activity(pack_order, order_id, start_to_close_timeout=TIMEOUT)
        await temporalio.workflow.execute_activity(print_label_v2, order_id, start_to_close_timeout=TIMEOUT)
        await temporalio.workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
