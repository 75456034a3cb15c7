from dbos import DBOS


@DBOS.step()
def request_approval(order_id: str) -> str:
    return "request_approval " + order_id


@DBOS.step()
def notify_manager(order_id: str) -> str:
    return "notify_manager " + order_id


@DBOS.step()
def issue_refund(order_id: str) -> str:
    return "issue_refund " + order_id


@DBOS.workflow()
def refund_workflow(order_id: str = "order-1") -> str:
    request_approval(order_id)
    if DBOS.patch("notify-manager"):
        notify_manager(order_id)
    decision = DBOS.recv("approval", timeout_seconds=1)
    issue_refund(order_id + ":" + str(decision))
    return "done"
