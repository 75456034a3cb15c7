from patchlint.diff.changes import COMPLETED_ONLY
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, message, quote
from patchlint.rules.snippets import temporal

_ORDER = temporal()


class BreaksCompletedReplay(Rule):
    """
    ## What it does
    Finds a Temporal change that no *open* workflow can trip over — typically steps appended after
    the last step — but that makes replay of *completed* workflows fail.

    ## Why is this bad?
    Temporal replays closed workflows too: a query on a completed workflow (and the Replayer in your
    tests) runs the new code against the full history, meets the appended command where the history
    says the workflow completed, and fails with a non-determinism error. Guard it with a patch if
    you query or replay closed workflows.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.

    ## Known problems
    Reported whether or not anything replays closed runs: if you neither query completed workflows nor
    run the `Replayer` over their histories, the finding is noise (add `PAT110` to `ignore`). Closed
    runs replay only while the namespace's retention keeps their histories.
    """

    code = "PAT110"
    name = "breaks-completed-replay"
    summary = "Only replay of completed Temporal workflows breaks (queries, Replayer)"
    severity = Severity.WARNING

    INVALID = (
        Example(
            old=_ORDER('await workflow.execute_activity("charge")'),
            new=_ORDER('await workflow.execute_activity("charge")', 'await workflow.execute_activity("send_receipt")'),
            expect=(("PAT110", _ORDER.line(2)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER(
                'await workflow.execute_activity("charge")',
                'if workflow.patched("send-receipt"):',
                '    await workflow.execute_activity("send_receipt")',
            ),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(COMPLETED_ONLY):
            what = quote(change.new_focus) + " added" if change.new_focus else quote(change.old_focus) + " removed"
            verb = "add" if change.new_focus else "remove"
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(f"{change.workflow}: {what}", "open runs replay it, completed runs fail replay (queries)"),
                fix=guard_fix(change, verb, "if you query or replay closed runs"),
            )
