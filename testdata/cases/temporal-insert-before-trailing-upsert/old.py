from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@activity.defn
async def send_receipt(order_id: str) -> str:
    return "send_receipt " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        workflow.upsert_search_attributes([ORDER_STATUS.value_set("paid")])
        return "done"
