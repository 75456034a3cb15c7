"""The shared skeleton every fulfilment workflow runs; subclasses pick the sales channel."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import (
        charge_payment,
        file_customs_declaration,
        hand_to_courier,
        reserve_items,
        screen_export_rules,
    )

TIMEOUT = timedelta(seconds=10)


class FulfilmentWorkflowBase:
    channel = "generic"

    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_items, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(screen_export_rules, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(file_customs_declaration, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(hand_to_courier, order_id, start_to_close_timeout=TIMEOUT)
        return f"{self.channel} order {order_id} shipped"
