"""Support ticket (the parallel-wrapup patch removed without deprecating it): an entity workflow fed by signals. Each posted message is routed by an activity
as soon as the workflow sees it; the ticket is classified once (a local activity), an agent can
escalate it (an update that pages on-call), and after a few messages the workflow continues as new.
Closing the ticket sends the survey and archives it, both at once since the `parallel-wrapup`
patch."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import archive_ticket, classify_ticket, page_oncall, route_message, send_survey

TIMEOUT = timedelta(seconds=10)


@dataclass
class Ticket:
    ticket_id: str
    subject: str
    handled: int = 0
    max_per_run: int = 5


@workflow.defn
class SupportTicketWorkflow:
    def __init__(self) -> None:
        self.inbox: list[str] = []
        self.closed = False
        self.priority = "normal"

    @workflow.run
    async def run(self, ticket: Ticket) -> int:
        if ticket.handled == 0:
            self.priority = await workflow.execute_local_activity(
                classify_ticket, ticket.subject, start_to_close_timeout=TIMEOUT
            )
        handled = ticket.handled
        while not self.closed:
            await workflow.wait_condition(lambda: bool(self.inbox) or self.closed)
            while self.inbox:
                message = self.inbox.pop(0)
                await workflow.execute_activity(
                    route_message, args=[ticket.ticket_id, message], start_to_close_timeout=TIMEOUT
                )
                handled += 1
            if handled - ticket.handled >= ticket.max_per_run and not self.closed:
                workflow.continue_as_new(
                    Ticket(ticket.ticket_id, ticket.subject, handled, ticket.max_per_run)
                )
        await asyncio.gather(
            workflow.execute_activity(send_survey, ticket.ticket_id, start_to_close_timeout=TIMEOUT),
            workflow.execute_activity(archive_ticket, ticket.ticket_id, start_to_close_timeout=TIMEOUT),
        )
        return handled

    @workflow.signal
    def post_message(self, text: str) -> None:
        self.inbox.append(text)

    @workflow.signal
    def close(self) -> None:
        self.closed = True

    @workflow.update
    async def escalate(self, reason: str) -> str:
        await workflow.execute_activity(
            page_oncall, args=[workflow.info().workflow_id, reason], start_to_close_timeout=TIMEOUT
        )
        self.priority = "urgent"
        return "paged"

    @escalate.validator
    def check_reason(self, reason: str) -> None:
        if not reason:
            raise ValueError("an escalation needs a reason")

    @workflow.query
    def pending(self) -> int:
        return len(self.inbox)
