from dbos import DBOS

import billing


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    billing.bill(order_id)
    ship_order(order_id)
    return "done"
