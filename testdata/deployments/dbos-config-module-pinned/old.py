from dbos import DBOS


@DBOS.step()
def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@DBOS.step()
def check_fraud(order_id: str) -> str:
    return "check_fraud " + order_id


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    reserve_stock(order_id)
    charge_payment(order_id)
    return "done"
