"""Fulfilment steps the order workflows share (identical in both revisions)."""

from datetime import timedelta

from temporalio import activity, workflow

import couriers

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def pack_order(order_id: str) -> str:
    return "packed " + order_id


async def fulfil(order_id: str) -> str:
    await workflow.execute_activity(pack_order, order_id, start_to_close_timeout=TIMEOUT)
    return await couriers.dispatch(order_id)
