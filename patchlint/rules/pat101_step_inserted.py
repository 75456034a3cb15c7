from patchlint.diff.changes import INSERTED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, message, quote, runs_failing
from patchlint.rules.snippets import temporal

_ORDER = temporal()


class StepInserted(Rule):
    """
    ## What it does
    Finds a step (activity, timer, child workflow, DBOS step…) that the new revision issues *before*
    steps that workflows started on the old revision have already recorded.

    ## Why is this bad?
    On replay the engine meets the recorded step where the code now issues the new one. Temporal
    fails the workflow task with a non-determinism error; DBOS raises `DBOSUnexpectedStepError`.
    Every workflow paused after the insertion point is stuck until the code is fixed.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT101"
    name = "step-inserted"
    summary = "A step was inserted before steps that open workflows already recorded"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_ORDER('await workflow.execute_activity("reserve")', 'await workflow.execute_activity("charge")'),
            new=_ORDER(
                'await workflow.execute_activity("reserve")',
                'await workflow.execute_activity("check_fraud")',
                'await workflow.execute_activity("charge")',
            ),
            expect=(("PAT101", _ORDER.line(2)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER(
                'await workflow.execute_activity("reserve")',
                'if workflow.patched("add-check-fraud"):',
                '    await workflow.execute_activity("check_fraud")',
                'await workflow.execute_activity("charge")',
            ),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(INSERTED):
            where = f"before {change.before}" if change.before else "at the end"
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(f"{change.workflow}: {quote(change.new_focus)} inserted {where}", runs_failing(change)),
                fix=guard_fix(change, "add", "around the inserted steps only"),
            )
