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
        if workflow.patched("p"):
            pass
        await asyncio.sleep(0.01)
        return "done"
