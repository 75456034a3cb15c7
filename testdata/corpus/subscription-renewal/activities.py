"""Billing activities (shared by every revision of the renewal workflow)."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def apply_annual_discount(customer_id: str) -> int:
    return 15


@activity.defn
async def charge_customer(customer_id: str, cycle: int, retry: int) -> str:
    # the test customers decide the outcome: "declined-…" cards bounce once, on the first cycle
    if customer_id.startswith("declined") and cycle == 1 and retry == 0:
        return "declined"
    return "paid"


@activity.defn
async def send_dunning_email(customer_id: str) -> None:
    activity.logger.info("dunning %s", customer_id)


@activity.defn
async def send_receipt(customer_id: str, cycle: int) -> None:
    activity.logger.info("receipt %s #%d", customer_id, cycle)


@activity.defn
async def record_metrics(customer_id: str, cycle: int) -> None:
    activity.logger.info("metrics %s #%d", customer_id, cycle)


@activity.defn
async def close_subscription(customer_id: str, reason: str) -> None:
    activity.logger.info("closed %s: %s", customer_id, reason)
