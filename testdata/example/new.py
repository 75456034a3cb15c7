"""Order fulfilment workflow: the revision about to be deployed."""

from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@activity.defn
async def charge_card(order_id: str) -> str:
    return "charge_card " + order_id


@activity.defn
async def charge_wallet(order_id: str) -> str:
    return "charge_wallet " + order_id


@activity.defn
async def check_fraud(order_id: str) -> str:
    return "check_fraud " + order_id


@activity.defn
async def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@activity.defn
async def send_survey(order_id: str) -> str:
    return "send_survey " + order_id


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.execute_activity(reserve_stock, order_id, start_to_close_timeout=TIMEOUT)
        if workflow.patched("wallet-payments"):
            await workflow.execute_activity(charge_wallet, order_id, start_to_close_timeout=TIMEOUT)
        else:
            await workflow.execute_activity(charge_card, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(check_fraud, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(ship_order, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(send_survey, order_id, start_to_close_timeout=TIMEOUT)
        return "shipped"
