from dbos import DBOS


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charge_payment " + order_id


@DBOS.step()
def book_drone(order_id: str) -> str:
    return "book_drone " + order_id


@DBOS.step()
def book_ground(order_id: str) -> str:
    return "book_ground " + order_id


@DBOS.step()
def send_receipt(order_id: str) -> str:
    return "send_receipt " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1", express: bool = True) -> str:
    charge_payment(order_id)
    if express:
        book_drone(order_id)
    else:
        book_ground(order_id)
    send_receipt(order_id)
    return "done"
