from dbos import DBOS


@DBOS.step()
def pack_order(order_id: str) -> str:
    return "pack_order " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    tracker = DBOS.start_workflow(tracker_workflow)
    pack_order(order_id)
    DBOS.send(tracker.workflow_id, "packed", topic="status")
    ship_order(order_id)
    return "done"


@DBOS.workflow()
def tracker_workflow() -> str:
    status = DBOS.recv("status", timeout_seconds=1)
    return str(status)
