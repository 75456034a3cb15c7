from patchlint.diff.changes import REMOVED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, handler, handler_fix, message, quote, runs_failing
from patchlint.rules.snippets import dbos

_ORDER = dbos("reserve", "notify", "charge")


class StepRemoved(Rule):
    """
    ## What it does
    Finds a step that workflows started on the old revision recorded, and that the new revision no
    longer issues at that point.

    ## Why is this bad?
    Replay reaches the recorded step and the code issues something else (or finishes). Temporal
    reports a non-determinism error; DBOS finds a different function recorded at that step number.
    (DBOS never checks rows the code no longer reaches, so removing a DBOS workflow's *last* step
    is not reported.)

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT102"
    name = "step-removed"
    summary = "A step that open workflows already recorded was removed"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_ORDER("reserve()", "notify()", "charge()"),
            new=_ORDER("reserve()", "charge()"),
            expect=(("PAT102", _ORDER.line(2)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER("reserve()", 'if not DBOS.patch("drop-notify"):', "    notify()", "charge()"),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(REMOVED):
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(f"{change.workflow}: {quote(change.old_focus)} removed", runs_failing(change)),
                fix=(
                    handler_fix(*handler(change.old_focus[0])) + "  # keep a handler of the recorded name"
                    if len(change.old_focus) == 1 and handler(change.old_focus[0])
                    else guard_fix(change, "remove", "keep the removed steps under it")
                ),
            )
