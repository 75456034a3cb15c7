from patchlint.diff.changes import BAD_OLD_BRANCH
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, message, quote, runs_failing
from patchlint.rules.snippets import temporal

_ORDER = temporal()


class WrongOldBranch(Rule):
    """
    ## What it does
    Finds a new `workflow.patched(id)` / `DBOS.patch(id)` guard whose *old* branch does not issue
    exactly the steps the previous revision issued there.

    ## Why is this bad?
    Workflows started before the patch replay the old branch (their history has no marker). If that
    branch differs from the code they ran, they fail just as if the change were unguarded — the
    patch gives false confidence.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT105"
    name = "wrong-old-branch"
    summary = "The old branch of a new patch does not reproduce the previous steps"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_ORDER('await workflow.execute_activity("charge")', 'await workflow.execute_activity("ship")'),
            new=_ORDER(
                'if workflow.patched("use-charge-v2"):',
                '    await workflow.execute_activity("charge_v2")',
                "else:",
                '    await workflow.execute_activity("charge_v1")',
                'await workflow.execute_activity("ship")',
            ),
            expect=(("PAT105", _ORDER.line(1)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER(
                'if workflow.patched("use-charge-v2"):',
                '    await workflow.execute_activity("charge_v2")',
                "else:",
                '    await workflow.execute_activity("charge")',
                'await workflow.execute_activity("ship")',
            ),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(BAD_OLD_BRANCH):
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(
                    f"{change.workflow}: old branch of patch {change.patch_id!r} has {quote(change.new_focus)}, "
                    f"not {quote(change.old_focus)}",
                    runs_failing(change),
                ),
                fix=f"else:  # exactly the old steps: {', '.join(change.old_focus) or 'none'}",
            )
