"""Subscription renewal (annual plans record metrics first): charge the customer every period until the subscription ends or is
cancelled (a signal). Annual plans get a discount first; a declined card is dunned and charged
again. After a few cycles the workflow continues as new to keep its history short."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import (
        apply_annual_discount,
        charge_customer,
        close_subscription,
        send_dunning_email,
        record_metrics,
        send_receipt,
    )

TIMEOUT = timedelta(seconds=10)
CYCLES_PER_RUN = 2


@dataclass
class Subscription:
    customer_id: str
    plan: str = "monthly"
    cycles: int = 3
    done: int = 0
    period_seconds: int = 1


@workflow.defn
class SubscriptionRenewalWorkflow:
    def __init__(self) -> None:
        self.cancelled = False

    @workflow.run
    async def run(self, sub: Subscription) -> str:
        if sub.plan == "annual":
            await workflow.execute_activity(
                apply_annual_discount, sub.customer_id, start_to_close_timeout=TIMEOUT
            )
            await workflow.execute_activity(
                record_metrics, args=[sub.customer_id, 0], start_to_close_timeout=TIMEOUT
            )
        done_here = 0
        retries = 0
        while sub.done < sub.cycles and not self.cancelled:
            cycle = sub.done + 1
            status = await workflow.execute_activity(
                charge_customer, args=[sub.customer_id, cycle, retries], start_to_close_timeout=TIMEOUT
            )
            if status == "declined":
                retries += 1
                await workflow.execute_activity(
                    send_dunning_email, sub.customer_id, start_to_close_timeout=TIMEOUT
                )
                continue
            retries = 0
            await workflow.execute_activity(
                send_receipt, args=[sub.customer_id, cycle], start_to_close_timeout=TIMEOUT
            )
            sub.done = cycle
            done_here += 1
            if sub.done < sub.cycles:
                try:
                    await workflow.wait_condition(
                        lambda: self.cancelled, timeout=timedelta(seconds=sub.period_seconds)
                    )
                except asyncio.TimeoutError:
                    pass
                if done_here >= CYCLES_PER_RUN and not self.cancelled:
                    workflow.continue_as_new(sub)
        reason = "cancelled" if self.cancelled else "term ended"
        await workflow.execute_activity(
            close_subscription, args=[sub.customer_id, reason], start_to_close_timeout=TIMEOUT
        )
        return reason

    @workflow.signal
    def cancel(self) -> None:
        self.cancelled = True
