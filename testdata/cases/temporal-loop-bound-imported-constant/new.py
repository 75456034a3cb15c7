from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from settings import LABEL_COPIES

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pack_order(order_id: str) -> str:
    return "packed " + order_id


@activity.defn
async def print_label(order_id: str, copy: int) -> str:
    return f"label {copy} for {order_id}"


@activity.defn
async def hand_to_courier(order_id: str) -> str:
    return "shipped " + order_id


@workflow.defn
class ShippingWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(pack_order, order_id, start_to_close_timeout=TIMEOUT)
        for copy in range(LABEL_COPIES):
            await workflow.execute_activity(print_label, args=[order_id, copy], start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(hand_to_courier, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
