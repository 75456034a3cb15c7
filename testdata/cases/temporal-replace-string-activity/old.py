from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def validate_order(order_id: str) -> str:
    return "validate_order " + order_id


@activity.defn
async def charge_card(order_id: str) -> str:
    return "charge_card " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity("validate_order", order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity("charge_card", order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity("ship_order", order_id, start_to_close_timeout=TIMEOUT)
        return "done"
