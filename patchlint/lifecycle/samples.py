"""The example workflows the lifecycle rules' docs and tests are written with.

``temporal(body)``: a module with activities ``pre_patch``/``post_patch`` and a workflow class
``MyWorkflow`` (``class`` on line 17) whose run method's body starts on line 20.
``dbos(body)``: steps ``pre_patch``/``post_patch`` and workflow ``my_workflow`` (``def`` on line 15,
body from line 16). The four stages of the patching story come ready-made.
"""

from __future__ import annotations

_TEMPORAL = """from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def pre_patch() -> str:
    return "pre"


@activity.defn
async def post_patch() -> str:
    return "post"


@workflow.defn
class MyWorkflow:
    @workflow.run
    async def run(self) -> str:
"""

_DBOS = """from dbos import DBOS


@DBOS.step()
{a}def pre_patch() -> str:
    return "pre"


@DBOS.step()
{a}def post_patch() -> str:
    return "post"


@DBOS.workflow()
{a}def my_workflow() -> str:
"""

T = "workflow.execute_activity({}, start_to_close_timeout=timedelta(seconds=5))"
PRE, POST = "await " + T.format("pre_patch"), "await " + T.format("post_patch")


def temporal(*lines: str) -> str:
    return _TEMPORAL + "".join(f"        {line}\n" for line in lines)


def dbos(*lines: str, is_async: bool = False) -> str:
    return _DBOS.format(a="async " if is_async else "") + "".join(f"    {line}\n" for line in lines)


TEMPORAL_INITIAL = temporal(f"return {PRE}")
TEMPORAL_PATCHED = temporal(
    'if workflow.patched("my-patch"):',
    f"    return {POST}",
    f"return {PRE}",
)
TEMPORAL_DEPRECATED = temporal('workflow.deprecate_patch("my-patch")', f"return {POST}")
TEMPORAL_COMPLETE = temporal(f"return {POST}")

DBOS_INITIAL = dbos("return pre_patch()")
DBOS_PATCHED = dbos('if DBOS.patch("my-patch"):', "    return post_patch()", "return pre_patch()")
DBOS_DEPRECATED = dbos('DBOS.deprecate_patch("my-patch")', "return post_patch()")
DBOS_COMPLETE = dbos("return post_patch()")

TEMPORAL_CLASS_LINE, TEMPORAL_BODY_LINE = 17, 20
DBOS_DEF_LINE, DBOS_BODY_LINE = 15, 16

LIFETIME_30D = {"max-workflow-lifetime": "30d"}
