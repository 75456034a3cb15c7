from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import charge_payment, reserve_stock

TIMEOUT = timedelta(seconds=10)


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
