from dbos import DBOS

SETTLE_SECONDS = 0  # raise to let the payment provider settle before shipping


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    charge_payment(order_id)
    ship_order(order_id)
    return "done"
