from patchlint.diff.changes import WORKFLOW_REMOVED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import finding


class WorkflowRemoved(Rule):
    """
    ## What it does
    Finds a workflow type (Temporal `@workflow.defn` name, DBOS workflow name) that the old revision
    defined and the new one no longer does — removed, or renamed without keeping `name=`.

    ## Why is this bad?
    Open executions of that type can no longer be replayed or recovered: no registered workflow
    has their type name. Keep the old type registered until its runs are done, or keep the name
    with `@workflow.defn(name="Old")` / `@DBOS.workflow(name="old")`.
    """

    code = "PAT106"
    name = "workflow-removed"
    summary = "A workflow type that may have open executions was removed or renamed"
    severity = Severity.ERROR

    INVALID = [
        Example(
            old='''
            from temporalio import workflow

            @workflow.defn
            class OrderWorkflow:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("charge")
            ''',
            new='''
            from temporalio import workflow

            @workflow.defn
            class CheckoutWorkflow:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("charge")
            ''',
            expect=(("PAT106", 4),),
        ),
    ]
    VALID = [
        Example(
            old=INVALID[0].old,
            new='''
            from temporalio import workflow

            @workflow.defn(name="OrderWorkflow")
            class CheckoutWorkflow:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("charge")
            ''',
        ),
    ]

    def check(self, ctx):
        for change in ctx.changes_of(WORKFLOW_REMOVED):
            if change.new_focus:
                what = f"renamed to `{change.new_focus[0]}`"
                fix = (f'keep the type name: `@workflow.defn(name="{change.workflow}")`' if change.engine == "temporal"
                       else f'keep the name: `@DBOS.workflow(name="{change.workflow}")`')
            else:
                what, fix = "removed", "keep it registered until its open executions have finished"
            engine_says = (
                f'"Workflow class {change.workflow} is not registered on this worker"' if change.engine == "temporal"
                else f'DBOSWorkflowFunctionNotFoundError "{change.workflow} is not a registered workflow function"'
            )
            yield finding(
                change, self.code, self.severity,
                f"workflow type `{change.workflow}` ({change.engine}) was {what}; open executions of it "
                f"can no longer be replayed or recovered ({engine_says}). Fix: {fix}.",
            )
