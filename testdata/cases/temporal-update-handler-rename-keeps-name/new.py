from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@activity.defn
async def ship_order(address: str) -> str:
    return "shipped to " + address


@workflow.defn
class OrderWorkflow:
    def __init__(self) -> None:
        self.address: str | None = None

    @workflow.update(name="set_address")  # clients still send set_address
    async def update_shipping_address(self, address: str) -> str:
        self.address = address
        return "ok"

    @workflow.run
    async def run(self, order_id: str = "order-1") -> str:
        await workflow.wait_condition(lambda: self.address is not None)
        await workflow.execute_activity(charge_payment, order_id, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(ship_order, self.address, start_to_close_timeout=TIMEOUT)
        return "done"
