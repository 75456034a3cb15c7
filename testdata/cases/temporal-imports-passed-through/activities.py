"""Activities of the order workflow, identical in both revisions (a sibling of workflow.py)."""

from temporalio import activity


@activity.defn(name="ReserveStock")
async def reserve_stock(order_id: str) -> str:
    return "reserved " + order_id


@activity.defn(name="SendReceipt")
async def send_receipt(order_id: str) -> str:
    return "receipt for " + order_id


@activity.defn(name="ShipOrder")
async def ship_order(order_id: str) -> str:
    return "shipped " + order_id
