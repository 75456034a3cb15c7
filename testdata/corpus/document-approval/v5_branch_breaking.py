"""Document approval (the author is told about a rejection first): reviewers are notified, then the workflow waits for a decision signal.

Comments can arrive at any time (each is stored by an activity, from the signal handler); a review
that gets no decision before the deadline is escalated.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import activities

SHORT = timedelta(seconds=10)


@dataclass
class ApprovalRequest:
    document_id: str
    reviewers: list[str] = field(default_factory=list)
    review_seconds: int = 3600


@workflow.defn
class DocumentApprovalWorkflow:
    def __init__(self) -> None:
        self.document_id = ""
        self.decision: str | None = None
        self.approver = ""
        self.reason = ""
        self.comments: list[str] = []

    @workflow.run
    async def run(self, request: ApprovalRequest) -> str:
        self.document_id = request.document_id
        await workflow.execute_activity(
            activities.validate_document, request.document_id, start_to_close_timeout=SHORT
        )
        await workflow.execute_activity(
            activities.notify_reviewers,
            args=[request.document_id, request.reviewers],
            start_to_close_timeout=SHORT,
        )
        try:
            await workflow.wait_condition(
                lambda: self.decision is not None, timeout=timedelta(seconds=request.review_seconds)
            )
        except asyncio.TimeoutError:
            await workflow.execute_activity(
                activities.escalate_review, request.document_id, start_to_close_timeout=SHORT
            )
            self.decision = "rejected"
            self.reason = "no decision before the deadline"
        if self.decision == "approved":
            await workflow.execute_activity(
                activities.publish_document,
                args=[request.document_id, self.approver],
                start_to_close_timeout=SHORT,
            )
        else:
            await workflow.execute_activity(
                activities.notify_author,
                args=[request.document_id, self.reason],
                start_to_close_timeout=SHORT,
            )
            await workflow.execute_activity(
                activities.archive_document,
                args=[request.document_id, self.reason],
                start_to_close_timeout=SHORT,
            )
        await workflow.execute_activity(
            activities.send_outcome_email,
            args=[request.document_id, self.decision],
            start_to_close_timeout=SHORT,
        )
        return self.decision

    @workflow.signal
    async def add_comment(self, comment: str) -> None:
        self.comments.append(comment)
        await workflow.execute_activity(
            activities.store_comment, args=[self.document_id, comment], start_to_close_timeout=SHORT
        )

    @workflow.signal
    def approve(self, approver: str) -> None:
        self.decision = "approved"
        self.approver = approver

    @workflow.signal
    def reject(self, reason: str) -> None:
        self.decision = "rejected"
        self.reason = reason

    @workflow.query
    def status(self) -> str:
        return self.decision or "pending"
