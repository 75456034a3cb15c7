from dbos import DBOS


@DBOS.step()
def pick_item(order_id: str) -> str:
    return "pick_item " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    for sku in ("sku-1", "sku-2"):
        pick_item(sku)
    ship_order(order_id)
    return "done"
