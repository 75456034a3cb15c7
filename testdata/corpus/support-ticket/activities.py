"""Support desk activities (shared by every revision of the ticket workflow)."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def classify_ticket(subject: str) -> str:
    return "urgent" if "down" in subject.lower() else "normal"


@activity.defn
async def route_message(ticket_id: str, message: str) -> str:
    return f"{ticket_id}: routed {message!r}"


@activity.defn
async def translate_message(message: str) -> str:
    return message


@activity.defn
async def page_oncall(ticket_id: str, reason: str) -> None:
    activity.logger.info("paging for %s: %s", ticket_id, reason)


@activity.defn
async def notify_customer(ticket_id: str, text: str) -> None:
    activity.logger.info("%s: %s", ticket_id, text)


@activity.defn
async def send_survey(ticket_id: str) -> None:
    activity.logger.info("survey for %s", ticket_id)


@activity.defn
async def archive_ticket(ticket_id: str) -> None:
    activity.logger.info("archived %s", ticket_id)
