from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@workflow.defn
class OrderWorkflow:
    def __init__(self) -> None:
        self.status = "new"

    @workflow.query
    def current_status(self) -> str:
        return self.status.upper()

    @workflow.query
    def is_done(self) -> bool:
        return self.status == "done"

    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        workflow.logger.info("charging %s", order_id)
        self.status = "charging"
        receipt = await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        workflow.logger.info("charged: %s", receipt)
        self.status = "shipping"
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
