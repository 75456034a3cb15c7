from dbos import DBOS


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    amount = "120.00"
    DBOS.logger.info("charging %s", amount)
    charge_payment(order_id + ":" + amount + ":EUR")
    DBOS.sleep(0.5)
    ship_order(order_id.upper())
    return "done"
