"""Fulfilment helpers shared by both revisions of workflow.py (identical in old and new)."""

from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def reserve_items(order_id: str) -> str:
    return "reserved " + order_id


@activity.defn
async def hand_to_courier(order_id: str) -> str:
    return "shipped " + order_id


async def reserve(order_id: str) -> None:
    await workflow.execute_activity(reserve_items, order_id, start_to_close_timeout=TIMEOUT)


async def ship(order_id: str) -> None:
    await workflow.execute_activity(hand_to_courier, order_id, start_to_close_timeout=TIMEOUT)
