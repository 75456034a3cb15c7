"""Courier integrations."""

from datetime import timedelta

from temporalio import activity, workflow

COURIER_TIMEOUT = timedelta(seconds=10)


@activity.defn
async def book_courier(order_id: str) -> str:
    return "booked " + order_id


@activity.defn
async def notify_courier(order_id: str) -> str:
    return "notified " + order_id


async def dispatch(order_id: str) -> str:
    return await workflow.execute_activity(book_courier, order_id, start_to_close_timeout=COURIER_TIMEOUT)
