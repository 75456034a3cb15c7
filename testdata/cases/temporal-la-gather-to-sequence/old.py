import asyncio
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def price() -> int:
    return 42


@activity.defn
async def reserve() -> str:
    return "ok"


@activity.defn
async def ship() -> str:
    return "ok"


@workflow.defn
class Main:
    @workflow.run
    async def run(self) -> str:
        await asyncio.gather(
            workflow.execute_local_activity(price, start_to_close_timeout=timedelta(seconds=5)),
            workflow.execute_activity(reserve, start_to_close_timeout=timedelta(seconds=5)),
        )
        await workflow.execute_activity(ship, start_to_close_timeout=timedelta(seconds=5))
        return "done"
