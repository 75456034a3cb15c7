from patchlint.diff.changes import PATCH_BEFORE_BLOCKED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, message, patch_call, runs_failing
from patchlint.rules.snippets import dbos

_AUDITED = dbos("charge", "audit")


class PatchBeforeBlockedStep(Rule):
    """
    ## What it does
    Finds a new `DBOS.patch(id)` placed right before a `DBOS.recv` / `DBOS.get_event` that an open
    workflow may be blocked in.

    ## Why is this bad?
    `recv` and `get_event` take two step numbers: the call and its timeout sleep, and the sleep is
    recorded when the call *starts*. A workflow blocked in `recv` has the sleep row but not the
    call's. On recovery the new `DBOS.patch` finds the call's number empty, writes its marker
    there and returns True, so `recv` moves one number on and meets the recorded `DBOS.sleep`:
    `DBOSUnexpectedStepError`. Put the patch after the `recv`, or guard a later step.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT107"
    name = "patch-before-blocked-step"
    summary = "A new DBOS.patch sits right before a recv/get_event an open workflow may be blocked in"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=dbos("charge")("charge()", 'DBOS.recv("approval")'),
            new=_AUDITED("charge()", 'if DBOS.patch("audit-before-approval"):', "    audit()", 'DBOS.recv("approval")'),
            expect=(("PAT107", _AUDITED.line(2)),),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_AUDITED("charge()", 'DBOS.recv("approval")', 'if DBOS.patch("audit-after-approval"):', "    audit()"),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(PATCH_BEFORE_BLOCKED):
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(
                    f'{change.workflow}: DBOS.patch("{change.patch_id}") right before {change.before}',
                    runs_failing(change),
                ),
                fix=f"if {patch_call('dbos', change.patch_id or 'change', change.is_async)}:  "
                f"# after {change.before}, not before it",
            )
