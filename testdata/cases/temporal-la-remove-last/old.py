import asyncio
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def charge() -> str:
    return "ok"


@activity.defn
async def ship() -> str:
    return "ok"


@workflow.defn
class Main:
    @workflow.run
    async def run(self) -> str:
        await workflow.execute_activity(ship, start_to_close_timeout=timedelta(seconds=5))
        await workflow.execute_local_activity(charge, start_to_close_timeout=timedelta(seconds=5))
        return "done"
