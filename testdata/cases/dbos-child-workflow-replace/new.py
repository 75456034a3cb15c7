from dbos import DBOS


@DBOS.step()
def charge_card(order_id: str) -> str:
    return "charge_card " + order_id


@DBOS.step()
def charge_wallet(order_id: str) -> str:
    return "charge_wallet " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    wallet_payment(order_id)
    ship_order(order_id)
    return "done"


@DBOS.workflow()
def card_payment(order_id: str) -> str:
    return charge_card(order_id)


@DBOS.workflow()
def wallet_payment(order_id: str) -> str:
    return charge_wallet(order_id)
