"""Employee onboarding (accounts created concurrently): accounts in every system (a literal list), one training child workflow per
course of the new hire, then the manager confirms the start date (an update) and a buddy can be
assigned at any time (an update whose handler runs an activity)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import (
        create_account,
        enroll_course,
        grade_course,
        notify_buddy,
        register_employee,
        send_welcome_pack,
    )

TIMEOUT = timedelta(seconds=10)


@dataclass
class NewHire:
    name: str
    courses: list[str] = field(default_factory=list)


@dataclass
class Course:
    employee_id: str
    course: str


@workflow.defn
class TrainingWorkflow:
    @workflow.run
    async def run(self, course: Course) -> int:
        await workflow.execute_activity(
            enroll_course, args=[course.employee_id, course.course], start_to_close_timeout=TIMEOUT
        )
        await workflow.sleep(timedelta(seconds=1))
        return await workflow.execute_activity(
            grade_course, args=[course.employee_id, course.course], start_to_close_timeout=TIMEOUT
        )


@workflow.defn
class EmployeeOnboardingWorkflow:
    def __init__(self) -> None:
        self.employee_id = ""
        self.start_confirmed = False
        self.buddy: str | None = None

    @workflow.run
    async def run(self, hire: NewHire) -> str:
        self.employee_id = await workflow.execute_activity(
            register_employee, hire.name, start_to_close_timeout=TIMEOUT
        )
        await asyncio.gather(
            *(
                workflow.execute_activity(
                    create_account, args=[self.employee_id, system], start_to_close_timeout=TIMEOUT
                )
                for system in ["email", "chat", "git"]
            )
        )
        for course in hire.courses:
            await workflow.execute_child_workflow(
                TrainingWorkflow.run,
                Course(self.employee_id, course),
                id=f"{workflow.info().workflow_id}/training-{course}",
            )
        await workflow.wait_condition(lambda: self.start_confirmed)
        await workflow.execute_activity(
            send_welcome_pack, self.employee_id, start_to_close_timeout=TIMEOUT
        )
        return self.employee_id

    @workflow.update
    async def assign_buddy(self, buddy: str) -> str:
        await workflow.wait_condition(lambda: self.employee_id != "")
        await workflow.execute_activity(
            notify_buddy, args=[self.employee_id, buddy], start_to_close_timeout=TIMEOUT
        )
        self.buddy = buddy
        return f"{buddy} assigned"

    @assign_buddy.validator
    def check_buddy(self, buddy: str) -> None:
        if not buddy:
            raise ValueError("a buddy needs a name")

    @workflow.update
    def confirm_start(self, date: str) -> str:
        self.start_confirmed = True
        return date

    @workflow.query
    def progress(self) -> dict:
        return {"employee": self.employee_id, "buddy": self.buddy}
