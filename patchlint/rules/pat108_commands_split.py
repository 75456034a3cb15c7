from patchlint.diff.changes import SPLIT_TASKS
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import finding, guard_fix, message, runs_failing


class CommandsSplit(Rule):
    """
    ## What it does
    Finds Temporal commands that the old code issued together, in one workflow task (steps run
    with `asyncio.gather`, activities started before any is awaited), and that the new code
    issues one after another, waiting in between.

    ## Why is this bad?
    Replay feeds the history back one workflow task at a time. The new code blocks on the first
    command while the recorded task still holds the others, so sdk-core finds no command for
    them: `No command scheduled for event ActivityTaskScheduled`. The type and order of the steps
    are unchanged, which makes this break easy to miss.
    """

    code = "PAT108"
    name = "commands-split"
    summary = "Commands issued together in one workflow task now wait for each other"
    severity = Severity.ERROR

    INVALID = [
        Example(
            old='''
            import asyncio
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    await asyncio.gather(
                        workflow.execute_activity("charge"),
                        workflow.execute_activity("reserve"),
                    )
            ''',
            new='''
            import asyncio
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("charge")
                    await workflow.execute_activity("reserve")
            ''',
            expect=(("PAT108", 9),),
        ),
    ]
    VALID = [
        Example(
            old=INVALID[0].old,
            new='''
            import asyncio
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    if workflow.patched("sequential-charge"):
                        await workflow.execute_activity("charge")
                        await workflow.execute_activity("reserve")
                    else:
                        await asyncio.gather(
                            workflow.execute_activity("charge"),
                            workflow.execute_activity("reserve"),
                        )
            ''',
        ),
    ]

    def check(self, ctx):
        for change in ctx.changes_of(SPLIT_TASKS):
            yield finding(
                change, self.code, self.severity,
                message(f"{change.workflow}: {change.old_focus[0]} now waits for the commands before it",
                        runs_failing(change)),
                fix=guard_fix(change, "wait", "the new code; the old one under else:"),
            )
