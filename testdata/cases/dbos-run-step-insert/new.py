from dbos import DBOS


def reserve_stock(order_id: str) -> str:
    return "reserved " + order_id


def score_fraud(order_id: str) -> int:
    return 7


def charge_card(order_id: str) -> str:
    return "charged " + order_id


def book_courier(order_id: str) -> str:
    return "booked " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    DBOS.run_step({"name": "reserve_stock"}, reserve_stock, order_id)
    DBOS.run_step({"name": "fraud_check"}, score_fraud, order_id)
    DBOS.run_step(None, charge_card, order_id)
    DBOS.run_step({"retries_allowed": True, "max_attempts": 3}, book_courier, order_id)
    return "done"
