from dbos import DBOS


@DBOS.step()
def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.step()
def send_survey(order_id: str) -> str:
    return "send_survey " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    reserve_stock(order_id)
    charge_payment(order_id)
    ship_order(order_id)
    send_survey(order_id)
    return "done"
