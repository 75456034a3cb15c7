"""Customer notifications, mixed into every workflow that talks to customers."""

from datetime import timedelta

from temporalio import activity, workflow

NOTIFY_TIMEOUT = timedelta(seconds=10)


@activity.defn
async def send_email(order_id: str) -> str:
    return "emailed " + order_id


@activity.defn
async def send_sms(order_id: str) -> str:
    return "texted " + order_id


class NotifyCustomerMixin:
    async def notify_customer(self, order_id: str) -> None:
        # SMS first: customers read it sooner
        await workflow.execute_activity(send_sms, order_id, start_to_close_timeout=NOTIFY_TIMEOUT)
        await workflow.execute_activity(send_email, order_id, start_to_close_timeout=NOTIFY_TIMEOUT)
