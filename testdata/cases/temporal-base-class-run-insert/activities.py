"""Activities of the fulfilment workflows (identical in both revisions)."""

from temporalio import activity


@activity.defn
async def reserve_items(order_id: str) -> str:
    return "reserved " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@activity.defn
async def screen_export_rules(order_id: str) -> str:
    return "screened " + order_id


@activity.defn
async def file_customs_declaration(order_id: str) -> str:
    return "declared " + order_id


@activity.defn
async def hand_to_courier(order_id: str) -> str:
    return "shipped " + order_id
