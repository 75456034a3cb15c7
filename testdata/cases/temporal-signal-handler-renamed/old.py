from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserved " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@workflow.defn
class OrderWorkflow:
    def __init__(self) -> None:
        self.approved = False

    @workflow.signal
    async def approve(self) -> None:
        self.approved = True

    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.wait_condition(lambda: self.approved)
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
