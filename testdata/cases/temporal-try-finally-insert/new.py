from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@activity.defn
async def audit_order(order_id: str) -> str:
    return "audit_order " + order_id


@activity.defn
async def release_hold(order_id: str) -> str:
    return "release_hold " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        try:
            await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
            await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        except Exception:
            workflow.logger.warning("charge failed for %s", order_id)
            raise
        finally:
            await workflow.execute_activity(audit_order, order_id, start_to_close_timeout=TIMEOUT)
            await workflow.execute_activity(release_hold, order_id, start_to_close_timeout=TIMEOUT)
        return "done"
