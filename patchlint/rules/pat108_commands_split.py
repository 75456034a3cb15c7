from patchlint.diff.changes import SPLIT_TASKS
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, message, runs_failing
from patchlint.rules.snippets import temporal

_ORDER = temporal(imports="import asyncio\nfrom temporalio import workflow")
_GATHERED = (
    "await asyncio.gather(",
    '    workflow.execute_activity("charge"),',
    '    workflow.execute_activity("reserve"),',
    ")",
)


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

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT108"
    name = "commands-split"
    summary = "Commands issued together in one workflow task now wait for each other"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_ORDER(*_GATHERED),
            new=_ORDER('await workflow.execute_activity("charge")', 'await workflow.execute_activity("reserve")'),
            expect=(("PAT108", _ORDER.line(2)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER(
                'if workflow.patched("sequential-charge"):',
                '    await workflow.execute_activity("charge")',
                '    await workflow.execute_activity("reserve")',
                "else:",
                *(f"    {line}" for line in _GATHERED),
            ),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(SPLIT_TASKS):
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(
                    f"{change.workflow}: {change.old_focus[0]} now waits for the commands before it",
                    runs_failing(change),
                ),
                fix=guard_fix(change, "wait", "the new code; the old one under else:"),
            )
