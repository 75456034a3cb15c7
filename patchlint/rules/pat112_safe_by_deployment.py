from patchlint.findings import Finding, Severity
from patchlint.model.program import locate
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message
from patchlint.rules.snippets import temporal

_IMPORTS = "from temporalio import workflow\nfrom temporalio.common import VersioningBehavior"
_PINNED = temporal(imports=_IMPORTS, defn="@workflow.defn(versioning_behavior=VersioningBehavior.PINNED)")
_AUTO = temporal(imports=_IMPORTS, defn="@workflow.defn(versioning_behavior=VersioningBehavior.AUTO_UPGRADE)")
_RESERVE, _FRAUD, _CHARGE = (f'await workflow.execute_activity("{a}")' for a in ("reserve", "check_fraud", "charge"))


class SafeByDeployment(Rule):
    """
    ## What it does
    Reports, once per workflow, changes that would break open runs if they replayed the new code,
    when the deployment model says they never will: Temporal Worker Deployments with
    `VersioningBehavior.PINNED`, a Build ID in a new version set, or workers moved to a new task queue.
    The replay rules (PAT101-PAT111) stay silent for that workflow.

    ## Why is this bad?
    It is not, as long as the old code keeps running: a pinned run is dispatched only to workers of
    the deployment version it started on, a new version set never receives tasks of runs started
    on the old one, and a run's tasks stay on its task queue. Those runs are stuck if the old version's workers are shut down before they
    finish. The model is read from `@workflow.defn(versioning_behavior=...)`,
    `Worker(deployment_config=WorkerDeploymentConfig(...))` or `[tool.patchlint] deployment` /
    `--deployment` (README: "Deployment models").

    ## Known problems
    Whether a Build ID goes into a new or a compatible version set is decided when it is deployed,
    not in the code: patchlint reads it from `[tool.patchlint]` or `--deployment temporal=build-id-new-set`.
    A `Worker(...)` is read in the compared files, else in any other module of the revision that
    turns versioning on (test modules aside); one whose arguments are built at run time says nothing.
    """

    code = "PAT112"
    name = "safe-by-deployment"
    summary = "Open runs never replay this change under the deployment model (keep the old workers running)"
    severity = Severity.INFO

    INVALID = (
        Example(
            old=_PINNED(_RESERVE, _CHARGE),
            new=_PINNED(_RESERVE, _FRAUD, _CHARGE),
            expect=(("PAT112", _PINNED.workflow_line),),
        ),
    )
    VALID = (
        Example(
            old=_AUTO(_RESERVE, _CHARGE),
            new=_AUTO(_RESERVE, 'if workflow.patched("add-check-fraud"):', f"    {_FRAUD}", _CHARGE),
        ),
    )

    def check(self, ctx):
        for changes, deployment in ctx.held_back_in("temporal"):
            yield held_back_finding(
                ctx,
                self.code,
                self.severity,
                changes,
                f"is safe under {deployment.model.title}",
                deployment.model.keep,
                engine_words=f"open runs stay on the code they started on ({deployment.label}, from {deployment.source})",
            )


def held_back_finding(
    ctx,
    code: str,
    severity: Severity,
    changes,
    verdict: str,
    consequence: str,
    engine_words: str,
    fix: str = "",
    breaking: bool = True,
) -> Finding:
    """One finding for a workflow's changes the deployment keeps from its open runs, at the workflow's
    definition in the new revision (where a removed one was last defined, for a removed one)."""
    first = changes[0]
    new = next((w for m in ctx.new for w in m.workflows if (w.engine, w.name) == (first.engine, first.workflow)), None)
    span = locate(new) if new is not None else first.span
    path = new.path if new is not None else first.path
    breaks = {(c.kind, c.span) for c in changes if c.breaks_in_flight} if breaking else set()
    count = len(breaks) or len({(c.kind, c.span) for c in changes})
    what = f"{count} {'breaking ' if breaks else ''}change{'s' if count > 1 else ''}"
    return Finding(
        code=code,
        severity=severity,
        path=path,
        line=max(span.line, 1),
        column=span.column,
        end_line=max(span.end_line, span.line, 1),
        end_column=span.end_column,
        workflow=first.workflow,
        engine=first.engine,
        message=message(f"{first.workflow}: {what} {verdict}", consequence),
        engine_message=engine_words,
        fix=fix,
    )
