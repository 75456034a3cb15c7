from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


class PaymentActivities:
    @activity.defn
    async def authorize(self, order_id: str) -> str:
        return "authorize " + order_id

    @activity.defn
    async def verify_3ds(self, order_id: str) -> str:
        return "verify_3ds " + order_id

    @activity.defn
    async def capture(self, order_id: str) -> str:
        return "capture " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity_method(PaymentActivities.authorize, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity_method(PaymentActivities.verify_3ds, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity_method(PaymentActivities.capture, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
