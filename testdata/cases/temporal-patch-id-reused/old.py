from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def book_express_courier(order_id: str) -> str:
    return "express " + order_id


@activity.defn
async def book_standard_courier(order_id: str) -> str:
    return "standard " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@activity.defn
async def send_receipt(order_id: str) -> str:
    return "receipt " + order_id


@activity.defn
async def send_tracking_sms(order_id: str) -> str:
    return "sms " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        if workflow.patched("express-shipping"):
            await workflow.execute_activity(book_express_courier, order_id, start_to_close_timeout=TIMEOUT)
        else:
            await workflow.execute_activity(book_standard_courier, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(send_receipt, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
