"""Expense activities (shared by every revision of the expense workflows)."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def notify_manager(report_id: str, amount: int) -> None:
    activity.logger.info("report %s: %d to approve", report_id, amount)


@activity.defn
async def send_reminder(report_id: str, count: int) -> None:
    activity.logger.info("reminder %d for %s", count, report_id)


@activity.defn
async def escalate_to_finance(report_id: str) -> None:
    activity.logger.info("escalated %s", report_id)


@activity.defn
async def scan_receipt(report_id: str, receipt: str) -> str:
    return f"{report_id}: scanned {receipt}"


@activity.defn
async def audit_receipts(report_id: str) -> bool:
    return True


@activity.defn
async def reimburse(report_id: str, amount: int) -> None:
    activity.logger.info("paid %d for %s", amount, report_id)


@activity.defn
async def close_report(report_id: str, outcome: str) -> None:
    activity.logger.info("closed %s: %s", report_id, outcome)
