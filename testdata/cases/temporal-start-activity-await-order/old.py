from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@activity.defn
async def authorize_payment(order_id: str) -> str:
    return "authorize_payment " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        reserve = workflow.start_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        authorize = workflow.start_activity(authorize_payment, order_id, start_to_close_timeout=TIMEOUT)
        await reserve
        await authorize
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
