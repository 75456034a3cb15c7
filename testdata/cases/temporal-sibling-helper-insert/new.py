from datetime import timedelta

import helpers
from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await helpers.reserve(order_id)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await helpers.ship(order_id)
        return "done"
