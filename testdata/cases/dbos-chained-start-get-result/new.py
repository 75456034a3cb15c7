from dbos import DBOS


@DBOS.step()
def reserve_stock(order_id: str) -> str:
    return "reserve_stock " + order_id


@DBOS.step()
def send_receipt(order_id: str) -> str:
    return "send_receipt " + order_id


@DBOS.step()
def charge_card(order_id: str) -> str: return "charge_card " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    reserve_stock(order_id)
    send_receipt(order_id)
    receipt = DBOS.start_workflow(card_payment, order_id).get_result()
    return receipt


@DBOS.workflow()
def card_payment(order_id: str) -> str: return charge_card(order_id)
