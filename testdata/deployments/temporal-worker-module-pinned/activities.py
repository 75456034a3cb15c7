from temporalio import activity


@activity.defn
async def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@activity.defn
async def check_fraud(order_id: str) -> str:
    return "check_fraud " + order_id


@activity.defn
async def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id
