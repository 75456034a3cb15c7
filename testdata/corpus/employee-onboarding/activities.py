"""Activities of the onboarding service (shared by every revision of the workflows)."""

from __future__ import annotations

from temporalio import activity


@activity.defn
async def register_employee(name: str) -> str:
    return f"emp-{name.lower()}"


@activity.defn
async def create_account(employee_id: str, system: str) -> str:
    return f"{system}:{employee_id}"


@activity.defn
async def order_laptop(employee_id: str) -> str:
    return f"laptop for {employee_id}"


@activity.defn
async def enroll_course(employee_id: str, course: str) -> None:
    activity.logger.info("%s enrolled in %s", employee_id, course)


@activity.defn
async def grade_course(employee_id: str, course: str) -> int:
    return 100


@activity.defn
async def notify_buddy(employee_id: str, buddy: str) -> None:
    activity.logger.info("%s is the buddy of %s", buddy, employee_id)


@activity.defn
async def send_welcome_pack(employee_id: str) -> None:
    activity.logger.info("welcome pack for %s", employee_id)


@activity.defn
async def schedule_intro_meeting(employee_id: str, buddy: str) -> None:
    activity.logger.info("intro %s / %s", employee_id, buddy)
