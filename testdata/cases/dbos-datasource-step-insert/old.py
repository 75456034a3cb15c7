import os
import tempfile

from dbos import DBOS, SQLAlchemyDatasource
from sqlalchemy import text

_SCRATCH = tempfile.TemporaryDirectory()
ds = SQLAlchemyDatasource.create(os.environ.get("SHOP_DATABASE_URL", f"sqlite:///{_SCRATCH.name}/shop.db"))
with ds.engine.begin() as conn:
    conn.execute(text("create table if not exists orders (order_id text, status text)"))


def create_order(order_id: str) -> str:
    ds.sql_session().execute(text("insert into orders values (:id, 'created')"), {"id": order_id})
    return order_id


def mark_paid(order_id: str, total: int) -> int:
    ds.sql_session().execute(text("update orders set status = 'paid' where order_id = :id"), {"id": order_id})
    return total


@DBOS.step()
def fetch_rates(order_id: str) -> int:
    return 120


@DBOS.workflow()
def checkout_workflow(order_id: str = "order-1") -> str:
    ds.run_tx_step({"name": "create_order"}, create_order, order_id)
    total = fetch_rates(order_id)
    ds.run_tx_step({"name": "mark_paid"}, mark_paid, order_id, total)
    return "done"
