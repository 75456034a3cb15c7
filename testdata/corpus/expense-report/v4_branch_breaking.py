"""Expense report (the second reminder also escalates to finance): an audit child workflow starts at once, the manager is notified and reminded
until they decide (an update) or the reminders run out; receipts can be added at any time (a
signal whose handler scans each receipt since the `scan-receipts` patch). Approved and audited
reports are reimbursed; every report is closed a moment later."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import activities

TIMEOUT = timedelta(seconds=10)


@dataclass
class ExpenseReport:
    report_id: str
    amount: int
    remind_seconds: int = 3600
    max_reminders: int = 3


@workflow.defn
class ReceiptAuditWorkflow:
    @workflow.run
    async def run(self, report_id: str) -> bool:
        return await workflow.execute_activity(
            activities.audit_receipts, report_id, start_to_close_timeout=TIMEOUT
        )


@workflow.defn
class ExpenseReportWorkflow:
    def __init__(self) -> None:
        self.report_id = ""
        self.decision: str | None = None
        self.receipts: list[str] = []

    @workflow.run
    async def run(self, report: ExpenseReport) -> str:
        self.report_id = report.report_id
        audit = await workflow.start_child_workflow(
            ReceiptAuditWorkflow.run, report.report_id, id=f"{workflow.info().workflow_id}/audit"
        )
        await workflow.execute_activity(
            activities.notify_manager, args=[report.report_id, report.amount], start_to_close_timeout=TIMEOUT
        )
        reminders = 0
        while self.decision is None and reminders < report.max_reminders:
            try:
                await workflow.wait_condition(
                    lambda: self.decision is not None, timeout=timedelta(seconds=report.remind_seconds)
                )
            except asyncio.TimeoutError:
                reminders += 1
                if reminders == 2:
                    await workflow.execute_activity(
                        activities.escalate_to_finance, report.report_id, start_to_close_timeout=TIMEOUT
                    )
                await workflow.execute_activity(
                    activities.send_reminder, args=[report.report_id, reminders], start_to_close_timeout=TIMEOUT
                )
        audited = await audit
        if self.decision == "approved" and audited:
            await workflow.execute_activity(
                activities.reimburse, args=[report.report_id, report.amount], start_to_close_timeout=TIMEOUT
            )
        await asyncio.sleep(1)
        outcome = self.decision or "expired"
        await workflow.execute_activity(
            activities.close_report, args=[report.report_id, outcome], start_to_close_timeout=TIMEOUT
        )
        return outcome

    @workflow.signal
    async def add_receipt(self, receipt: str) -> None:
        self.receipts.append(receipt)
        if workflow.patched("scan-receipts"):
            await workflow.execute_activity(
                activities.scan_receipt, args=[self.report_id, receipt], start_to_close_timeout=TIMEOUT
            )

    @workflow.update
    async def decide(self, decision: str) -> str:
        self.decision = decision
        return decision
