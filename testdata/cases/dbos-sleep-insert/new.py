from dbos import DBOS


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    charge_payment(order_id)
    DBOS.sleep(1)
    ship_order(order_id)
    return "done"
