from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def ship_with_carrier_v1(order_id: str) -> str:
    return "ship_with_carrier_v1 " + order_id


@activity.defn
async def ship_with_carrier_v2(order_id: str) -> str:
    return "ship_with_carrier_v2 " + order_id


@activity.defn
async def send_receipt(order_id: str) -> str:
    return "send_receipt " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        if workflow.patched("new-carrier"):
            await workflow.execute_activity(ship_with_carrier_v2, order_id, start_to_close_timeout=TIMEOUT)
        else:
            await workflow.execute_activity(ship_with_carrier_v1, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(send_receipt, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
