from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def price_item(sku: str) -> int:
    return 100


@activity.defn
async def reserve_item(sku: str) -> str:
    return "reserved " + sku


@activity.defn
async def charge_cart(cart_id: str) -> str:
    return "charged " + cart_id


@workflow.defn
class CartWorkflow:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.checked_out = False

    @workflow.signal
    async def add_item(self, sku: str) -> None:
        await workflow.execute_activity(price_item, sku, start_to_close_timeout=TIMEOUT)
        await workflow.execute_activity(reserve_item, sku, start_to_close_timeout=TIMEOUT)
        self.items.append(sku)

    @workflow.signal
    def checkout(self) -> None:
        self.checked_out = True

    @workflow.run
    async def run(self, cart_id: str = "cart-1") -> str:
        await workflow.wait_condition(lambda: self.checked_out and workflow.all_handlers_finished())
        await workflow.execute_activity(charge_cart, cart_id, start_to_close_timeout=TIMEOUT)
        return f"{len(self.items)} items"
