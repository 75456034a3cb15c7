"""PAT199: the reference runtime finds a break no static rule reported."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.snippets import temporal

_CHECKOUT = temporal(
    "Checkout",
    imports="from datetime import timedelta\nfrom temporalio import activity, workflow",
    defs="@activity.defn\nasync def charge() -> None:\n    pass",
)


def _checkout(seconds: int) -> str:
    return _CHECKOUT(f"await workflow.execute_activity(charge, start_to_close_timeout=timedelta(seconds={seconds}))")


class RuntimeOnlyBreak(Rule):
    """
    ## What it does
    Reported only by `--verify`: the reference runtime recorded a history on the base revision
    (a run paused after some step, or blocked in `DBOS.recv`) that the head revision fails to
    replay, and none of the static rules reported an error for that workflow. The finding carries
    the witness: where the run was cut, the event, and the engine's own message.

    ## Why is this bad?
    An in-flight workflow will stop with that exact error after the deploy. It also means
    patchlint's static analysis missed a change it should have reported: the finding is a
    patchlint bug, and the example belongs in `testdata/` once the analyzer is fixed.

    In normal analysis (without `--verify`) this rule reports nothing.
    """

    code = "PAT199"
    name = "runtime-only-break"
    summary = "the reference runtime finds a replay break the static rules missed (--verify only)"
    severity = Severity.ERROR
    INVALID: tuple[Example, ...] = ()
    VALID = (  # a longer timeout: nothing recorded changes, no rule and no replay finds a break
        Example(old=_checkout(5), new=_checkout(30)),
    )

    def check(self, ctx):
        """Findings of this code come from ``patchlint.verify.verify_report`` only."""
        return iter(())
