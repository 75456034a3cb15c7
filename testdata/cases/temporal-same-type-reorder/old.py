from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def ship_parcel(order_id: str) -> str:
    return "ship_parcel " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(ship_parcel, "parcel-a", start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(ship_parcel, "parcel-b", start_to_close_timeout=TIMEOUT)
        return "done"
