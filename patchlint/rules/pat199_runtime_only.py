"""PAT199: the reference runtime finds a break no static rule reported."""

from __future__ import annotations

from patchlint.findings import Finding, Severity
from patchlint.model.program import NOWHERE, Span, Workflow, locate, steps_of
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message
from patchlint.rules.snippets import temporal
from patchlint.verify import Verdict

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
        """Nothing in normal analysis: this rule's findings need the runtime's verdicts (``findings``)."""
        return iter(())

    def findings(self, missed: list[Verdict]) -> list[Finding]:
        """One finding per workflow whose in-flight break no static error covered (``verify.confirm``)."""
        return [self._finding(verdict) for verdict in missed]

    def _finding(self, verdict: Verdict) -> Finding:
        failure = verdict.first(in_flight=True)
        new, old = verdict.new, verdict.old
        path, span = _where(new, failure.result.step) if new is not None else (old.path, NOWHERE)
        text = message(
            f"{verdict.workflow}: open runs {failure.cut} fail, but no rule reported it",
            "a patchlint bug, please report it",
        )
        return Finding(
            code=self.code,
            severity=self.severity,
            path=path,
            line=max(span.line, 1),
            column=span.column,
            end_line=max(span.end_line, 1),
            end_column=span.end_column,
            workflow=verdict.workflow,
            engine=verdict.engine,
            message=text,
            witness=failure.witness(),
            engine_message=failure.result.message,
        )


def _where(new: Workflow, step: str | None) -> tuple[str, Span]:
    """The failing step's call when the new workflow issues exactly one step of that label at a known
    place; else the workflow's ``class``/``def`` line (line 1 when that is unknown too)."""
    programs = [new.program, *(program for _, program in new.handlers)]
    found = [s for p in programs for s in steps_of(p) if step is not None and step in (s.label(), s.name)]
    if len(found) == 1 and locate(found[0]) != NOWHERE:
        return found[0].path or new.path, locate(found[0])
    return new.path, locate(new)
