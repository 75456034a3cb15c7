from dbos import DBOS


@DBOS.dbos_class()
class Billing:
    @staticmethod
    @DBOS.step()
    def authorize(order_id: str) -> str:
        return "authorize " + order_id


    @staticmethod
    @DBOS.step()
    def capture(order_id: str) -> str:
        return "capture " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    Billing.authorize(order_id)
    Billing.capture(order_id)
    ship_order(order_id)
    return "done"


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id
