"""PAT209: a patch call inside a loop or in concurrently run tasks."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.stages import new_sites, workflows
from patchlint.lifecycle.wording import finding
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message, patch_call

_IN_LOOP = s.temporal(
    "for _ in range(3):",
    '    if workflow.patched("my-patch"):',
    f"        await {s.T.format('post_patch')}",
    "    else:",
    f"        await {s.T.format('pre_patch')}",
    'return "done"',
)
_GATHERED = (
    s.dbos(
        "results = await asyncio.gather(branch(1), branch(2))",
        'return ",".join(results)',
        is_async=True,
    )
    .replace("from dbos import DBOS\n", "import asyncio\n\nfrom dbos import DBOS\n")
    .replace(
        "@DBOS.workflow()",
        "async def branch(n: int) -> str:\n"
        '    if await DBOS.patch_async("my-patch"):\n'
        "        return await post_patch()\n"
        "    return await pre_patch()\n\n\n"
        "@DBOS.workflow()",
    )
)
_GATHERED_PATCH_LINE = 17


class PatchInLoop(Rule):
    """
    ## What it does
    Finds `patched`/`DBOS.patch` calls inside a loop, or in branches that run concurrently
    (`asyncio.gather`, `asyncio.wait`, started handles awaited later).

    ## Why is this bad?
    A patch decides once which code a run takes, at one point of its history. In a loop the first
    iteration decides for all of them (Temporal memoizes the answer per run), so a run that
    started mid-loop mixes both branches in ways no reviewer planned; in concurrent branches the
    marker's position depends on scheduling, and DBOS's `patch_async` refuses outright with
    `DBOSPatchNondeterminismError` (error). Call the patch once, before the loop or the gather, and
    branch on its result.

    In `check` (a base revision) only calls the change adds are reported: a call the same
    workflow already made at the base is not news, and editing its file elsewhere (or a module it
    imports) does not report it again.

    ## Known problems
    The rule does not count iterations: a loop that always runs once (`for _ in range(1):`, a
    `while True:` that breaks after its first pass) is reported too. Move the call before the loop, or
    silence it with `# noqa: PAT209`.
    """

    code = "PAT209"
    name = "patch-in-loop"
    summary = "patch inside a loop or in concurrently run tasks"
    severity = Severity.WARNING
    needs_base = False
    INVALID = (
        Example(new=_IN_LOOP, expect=(("PAT209", s.TEMPORAL_BODY_LINE + 1),)),
        Example(new=_GATHERED, expect=(("PAT209", _GATHERED_PATCH_LINE),)),
    )
    VALID = (
        Example(
            new=s.temporal(
                'new_code = workflow.patched("my-patch")',
                "for _ in range(3):",
                "    if new_code:",
                f"        await {s.T.format('post_patch')}",
                "    else:",
                f"        await {s.T.format('pre_patch')}",
                'return "done"',
            )
        ),
    )

    def check(self, ctx):
        for workflow in workflows(ctx.new):
            for site in new_sites(ctx, workflow):
                if not (site.in_loop or site.in_parallel):
                    continue
                where = "in concurrently run tasks" if site.in_parallel else "inside a loop"
                severity = None
                engine_says = ""
                if workflow.engine == "dbos" and workflow.is_async and site.in_parallel:
                    severity = Severity.ERROR
                    engine_says = "DBOSPatchNondeterminismError (patch_async called concurrently)"
                text = message(
                    f"{workflow.name}: patch {site.node.id!r} called {where}",
                    "the branch a run takes depends on " + ("task scheduling" if site.in_parallel else "the iteration"),
                )
                call = patch_call(workflow.engine, site.node.id or "my-change", workflow.is_async)
                fix = f"new_code = {call}  # once, before the {'tasks start' if site.in_parallel else 'loop'}"
                yield finding(self, workflow, site.node, text, severity, engine_message=engine_says, fix=fix)
