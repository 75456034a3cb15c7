from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import fulfilment

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def send_tracking_email(order_id: str) -> str:
    return "tracking sent " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await fulfilment.fulfil(order_id)
        await workflow.execute_activity(send_tracking_email, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
