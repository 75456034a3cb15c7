import os
import tempfile

from dbos import DBOS, SQLAlchemyDatasource

LEDGER_URL = "sqlite:///" + os.path.join(tempfile.gettempdir(), "patchlint-ledger.sqlite")
ledger = SQLAlchemyDatasource.create(os.environ.get("LEDGER_DATABASE_URL", LEDGER_URL))


@ledger.transaction()
def debit_customer(order_id: str) -> str:
    return "debit_customer " + order_id


@ledger.transaction()
def credit_merchant(order_id: str) -> str:
    return "credit_merchant " + order_id


@DBOS.step()
def ship_order(order_id: str) -> str:
    return "ship_order " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    debit_customer(order_id)
    credit_merchant(order_id)
    ship_order(order_id)
    return "done"
