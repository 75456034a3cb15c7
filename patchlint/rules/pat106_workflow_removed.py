from patchlint.diff.changes import WORKFLOW_REMOVED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import finding, message
from patchlint.rules.snippets import temporal

_CHARGE = 'await workflow.execute_activity("charge")'


class WorkflowRemoved(Rule):
    """
    ## What it does
    Finds a workflow type (Temporal `@workflow.defn` name, DBOS workflow name) that the old revision
    defined and the new one no longer does — removed, or renamed without keeping `name=`.

    ## Why is this bad?
    Open executions of that type can no longer be replayed or recovered: no registered workflow
    has their type name. Keep the old type registered until its runs are done, or keep the name
    with `@workflow.defn(name="Old")` / `@DBOS.workflow(name="old")`.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT106"
    name = "workflow-removed"
    summary = "A workflow type that may have open executions was removed or renamed"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=temporal("OrderWorkflow")(_CHARGE),
            new=temporal("CheckoutWorkflow")(_CHARGE),
            expect=(("PAT106", temporal("CheckoutWorkflow").workflow_line),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=temporal("CheckoutWorkflow", defn='@workflow.defn(name="OrderWorkflow")')(_CHARGE),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(WORKFLOW_REMOVED):
            temporal = change.engine == "temporal"
            if change.new_focus:
                what = f"renamed to {change.new_focus[0]}"
                fix = (f'@workflow.defn(name="{change.workflow}")' if temporal
                       else f'@DBOS.workflow(name="{change.workflow}")')
            else:
                what, fix = "removed", ""
            engine_says = (
                f"Workflow class {change.workflow} is not registered on this worker" if temporal
                else f"DBOSWorkflowFunctionNotFoundError: {change.workflow} is not a registered workflow function"
            )
            yield finding(
                change, self.code, self.severity,
                message(f"workflow type {change.workflow} ({change.engine}) {what}",
                        "its open runs can no longer replay" if temporal else "its open runs can no longer recover"),
                fix=fix, engine_message=engine_says,
            )
