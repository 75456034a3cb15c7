from dbos import DBOS

RECEIPTS_QUEUE = "receipts"  # registered with DBOS.register_queue at start-up


@DBOS.step()
def charge_payment(order_id: str) -> str:
    return "charged " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "shipped " + order_id


@DBOS.step()
def email_receipt(order_id: str) -> str:
    return "emailed " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    charge_payment(order_id)
    DBOS.enqueue_workflow(RECEIPTS_QUEUE, receipt_workflow, order_id)  # fire and forget
    ship_order(order_id)
    return "done"


@DBOS.workflow()
def receipt_workflow(order_id: str) -> str:
    return email_receipt(order_id)
