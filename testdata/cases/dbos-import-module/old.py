import dbos


@dbos.DBOS.step()
def pack_order(order_id: str) -> str:
    return "pack_order " + order_id


@dbos.DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@dbos.DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    pack_order(order_id)
    ship_order(order_id)
    return "done"
