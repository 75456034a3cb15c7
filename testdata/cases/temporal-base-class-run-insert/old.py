from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from base import FulfilmentWorkflowBase


@workflow.defn
class RetailOrderWorkflow(FulfilmentWorkflowBase):
    channel = "retail"

    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        return await super().run(order_id)
