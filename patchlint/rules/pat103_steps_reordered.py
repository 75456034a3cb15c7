from patchlint.diff.changes import REORDERED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, message, quote, runs_failing
from patchlint.rules.snippets import dbos, temporal

_ORDER = temporal(imports="from datetime import timedelta\nfrom temporalio import workflow")
_CHARGE, _SHIP = (
    f'await workflow.execute_activity("{name}", start_to_close_timeout=timedelta(seconds=5))'
    for name in ("charge", "ship")
)
_AUDITED = dbos("reserve", "charge", "ship", "audit")


class StepsReordered(Rule):
    """
    ## What it does
    Finds steps of different types that the new revision issues in a different order.

    ## Why is this bad?
    Replay compares each recorded step with the step the code issues at that position: a recorded
    `charge` met by a `ship` command is a non-determinism error (Temporal) or an unexpected step
    (DBOS) for every workflow paused after the first moved step.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT103"
    name = "steps-reordered"
    summary = "Steps that open workflows already recorded now run in a different order"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_ORDER(_CHARGE, _SHIP),
            new=_ORDER(_SHIP, _CHARGE),
            expect=(("PAT103", _ORDER.line(1)),),
        ),
        # A swap after another change is still a swap, reported where the moved step now stands.
        Example(
            old=dbos("reserve", "charge", "ship")("reserve()", "charge()", "ship()"),
            new=_AUDITED("audit()", "charge()", "reserve()", "ship()"),
            expect=(("PAT101", _AUDITED.line(1)), ("PAT103", _AUDITED.line(2))),
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER(
                'if workflow.patched("ship-first"):',
                f"    {_SHIP}",
                f"    {_CHARGE}",
                "else:",
                f"    {_CHARGE}",
                f"    {_SHIP}",
            ),
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(REORDERED):
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(
                    f"{change.workflow}: {quote(change.old_focus)} reordered to {quote(change.new_focus)}",
                    runs_failing(change),
                ),
                fix=guard_fix(change, "reorder", "the new order; the old order under else:"),
            )
