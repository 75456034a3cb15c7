"""Activities of the document approval service (shared by every revision of the workflow)."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def validate_document(document_id: str) -> str:
    return f"{document_id}: valid"


@activity.defn
async def notify_reviewers(document_id: str, reviewers: list[str]) -> int:
    return len(reviewers)


@activity.defn
async def store_comment(document_id: str, comment: str) -> None:
    activity.logger.info("comment on %s: %s", document_id, comment)


@activity.defn
async def index_comment(document_id: str, comment: str) -> None:
    activity.logger.info("indexed comment on %s", document_id)


@activity.defn
async def escalate_review(document_id: str) -> str:
    return f"{document_id}: escalated"


@activity.defn
async def check_compliance(document_id: str) -> bool:
    return True


@activity.defn
async def publish_document(document_id: str, approver: str) -> str:
    return f"{document_id}: published by {approver}"


@activity.defn
async def archive_document(document_id: str, reason: str) -> str:
    return f"{document_id}: archived ({reason})"


@activity.defn
async def notify_author(document_id: str, outcome: str) -> None:
    activity.logger.info("%s: %s", document_id, outcome)


@activity.defn
async def send_outcome_email(document_id: str, outcome: str) -> None:
    activity.logger.info("mail %s: %s", document_id, outcome)
