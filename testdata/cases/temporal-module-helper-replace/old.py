from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@activity.defn
async def book_courier(order_id: str) -> str:
    return "book_courier " + order_id


async def book_shipment(order_id: str) -> None:
    await workflow.execute_activity(book_courier, order_id, start_to_close_timeout=TIMEOUT)


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await book_shipment(order_id)
        return "shipped"
        return "done"
