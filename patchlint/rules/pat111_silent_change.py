from patchlint.diff.changes import SILENT
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, message, quote
from patchlint.rules.snippets import temporal

_PAYOUT = temporal("Payout")
_ALICE, _BOB = (f'await workflow.execute_activity("transfer", "{who}")' for who in ("alice", "bob"))


class SilentChange(Rule):
    """
    ## What it does
    Finds changes that open workflows will run *without* an error but not as either revision
    intended: two calls of the same activity/step type swapped while their arguments differ, and
    (DBOS) steps appended after the last step, which workflows already blocked in that step will
    run when they resume.

    ## Why is this bad?
    Engines compare step types, not arguments. Temporal hands each recorded result to the call at
    the same position, and DBOS returns the recorded output of step N to whatever step N now is —
    so the swapped calls silently receive each other's results.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.

    ## Known problems
    Arguments are compared as source text. A swap is reported only when the same argument texts come
    back in another order: calls whose text is unchanged but whose values differ at run time, or a
    reorder combined with an edited argument, are not reported. A DBOS step appended after the last step
    is reported whether or not a workflow can be blocked in that step.
    """

    code = "PAT111"
    name = "silent-change"
    summary = "Open workflows will run this change silently (same-type reorder, DBOS append)"
    severity = Severity.WARNING

    INVALID = (
        Example(
            old=_PAYOUT(_ALICE, _BOB),
            new=_PAYOUT(_BOB, _ALICE),
            expect=(("PAT111", _PAYOUT.line(1)),),
        ),
    )
    VALID = (Example(old=INVALID[0].old, new=_PAYOUT(_ALICE, _BOB, 'workflow.logger.info("paid out")')),)

    def check(self, ctx):
        for change in ctx.changes_of(SILENT):
            if change.cut == "reordered arguments":
                text = message(
                    f"{change.workflow}: same-type calls reordered ({quote(change.old_focus, 2)})",
                    "open runs get each other's results",
                )
                fix = guard_fix(change, "reorder", "the new order; the old order under else:")
            else:
                last = change.old_steps[-1] if change.old_steps else "the last step"
                text = message(
                    f"{change.workflow}: {quote(change.new_focus)} appended",
                    f"runs blocked in {last} will run {'it' if len(change.new_focus) == 1 else 'them'}",
                )
                fix = guard_fix(change, "add", "if blocked runs must not run the new steps")
            yield change_finding(change, self.code, self.severity, text, fix=fix, engine_message="")
