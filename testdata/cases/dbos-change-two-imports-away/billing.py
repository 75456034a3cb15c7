"""Billing steps the order workflows share (identical in both revisions)."""

from dbos import DBOS

import payments


@DBOS.step()
def create_invoice(order_id: str) -> str:
    return "invoice for " + order_id


def bill(order_id: str) -> str:
    create_invoice(order_id)
    return payments.collect(order_id)
