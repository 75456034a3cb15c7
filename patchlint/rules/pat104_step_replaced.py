from patchlint.diff.changes import REPLACED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, guard_fix, handler, handler_fix, message, quote, runs_failing
from patchlint.rules.snippets import temporal


def _module(decorator: str, name: str):
    return temporal(
        imports="from temporalio import activity, workflow", defs=f"{decorator}\nasync def {name}() -> None: ..."
    )


def _order(decorator: str, name: str) -> str:
    """Workflow ``Order`` runs activity ``name`` (registered by ``decorator``), then sleeps."""
    return _module(decorator, name)(f"await workflow.execute_activity({name})", "await workflow.sleep(60)")


_ORDER = _module("@activity.defn", "charge_card")


class StepReplaced(Rule):
    """
    ## What it does
    Finds a step replaced by a step of another type or kind — including an activity or DBOS step
    renamed without keeping its registered name (`@activity.defn(name=...)`, `@DBOS.step(name=...)`).

    ## Why is this bad?
    The engine checks the type name recorded at each position: Temporal raises "Activity type of
    scheduled event 'charge' does not match activity type of activity command 'charge_card'", DBOS
    raises `DBOSUnexpectedStepError`.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT104"
    name = "step-replaced"
    summary = "A recorded step was replaced by a step of another type"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=_order("@activity.defn", "charge"),
            new=_order("@activity.defn", "charge_card"),
            expect=(("PAT104", _ORDER.line(1)),),
        ),
    )
    VALID = (Example(old=INVALID[0].old, new=_order('@activity.defn(name="charge")', "charge_card")),)

    def check(self, ctx):
        for change in ctx.changes_of(REPLACED):
            gone = handler(change.old_focus[0]) if len(change.old_focus) == 1 else None
            new = handler(change.new_focus[0]) if len(change.new_focus) == 1 else None
            if gone and new:  # a signal/update handler renamed: keep its recorded name
                text = message(
                    f"{change.workflow}: {gone[0]} handler {gone[1]} renamed to {new[1]}",
                    f"open runs that received the {gone[0]} fail",
                )
                yield change_finding(change, self.code, self.severity, text, fix=handler_fix(*gone))
                continue
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(
                    f"{change.workflow}: {quote(change.old_focus)} replaced by {quote(change.new_focus)}",
                    runs_failing(change),
                ),
                fix=guard_fix(change, "replace", "the new step; the old one under else:"),
            )
