from dbos import DBOS


@DBOS.step()
def book_express_courier(order_id: str) -> str:
    return "express " + order_id


@DBOS.step()
def book_standard_courier(order_id: str) -> str:
    return "standard " + order_id


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@DBOS.step()
def send_receipt(order_id: str) -> str:
    return "receipt " + order_id


@DBOS.step()
def send_tracking_sms(order_id: str) -> str:
    return "sms " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    if DBOS.patch("express-shipping"):
        book_express_courier(order_id)
    else:
        book_standard_courier(order_id)
    charge_payment(order_id)
    if DBOS.patch("express-shipping"):
        send_tracking_sms(order_id)
    else:
        send_receipt(order_id)
    return "done"
