from dbos import DBOS

REMINDERS = 2  # how many payment reminders before the order is cancelled


@DBOS.step()
def create_invoice(order_id: str) -> str:
    return "invoice for " + order_id


@DBOS.step()
def send_reminder(order_id: str, attempt: int) -> str:
    return f"reminder {attempt} for {order_id}"


@DBOS.step()
def cancel_order(order_id: str) -> str:
    return "cancelled " + order_id


@DBOS.workflow()
def dunning_workflow(order_id: str = "order-1") -> str:
    create_invoice(order_id)
    for attempt in range(1, REMINDERS + 1):
        send_reminder(order_id, attempt)
    cancel_order(order_id)
    return "done"
