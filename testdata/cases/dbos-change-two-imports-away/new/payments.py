"""Payment provider integration."""

from dbos import DBOS


@DBOS.step()
def charge_card(order_id: str) -> str:
    return "charged " + order_id


@DBOS.step()
def score_fraud(order_id: str) -> int:
    return 7


def collect(order_id: str) -> str:
    score_fraud(order_id)
    return charge_card(order_id)
