from dbos import DBOS


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    quote = DBOS.start_workflow(quote_workflow, order_id)
    price = DBOS.get_event(quote.workflow_id, "price", timeout_seconds=1)
    charge_payment(order_id + ":" + str(price))
    DBOS.set_event("status", "charged")
    ship_order(order_id)
    return "done"


@DBOS.workflow()
def quote_workflow(order_id: str) -> str:
    DBOS.set_event("price", "42.00")
    return "quoted " + order_id
