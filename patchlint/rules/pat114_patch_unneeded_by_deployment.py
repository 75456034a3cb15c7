"""PAT114: a patch in a workflow whose open runs never run the new code."""

from __future__ import annotations

from patchlint.findings import Finding, Severity
from patchlint.lifecycle.stages import sites, workflows
from patchlint.model.program import Patched, locate
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message
from patchlint.rules.snippets import temporal

_IMPORTS = "from temporalio import workflow\nfrom temporalio.common import VersioningBehavior"
_PINNED = temporal(imports=_IMPORTS, defn="@workflow.defn(versioning_behavior=VersioningBehavior.PINNED)")
_GUARDED = (
    'await workflow.execute_activity("reserve")',
    'if workflow.patched("add-check-fraud"):',
    '    await workflow.execute_activity("check_fraud")',
    'await workflow.execute_activity("charge")',
)


class PatchUnneededByDeployment(Rule):
    """
    ## What it does
    Finds a `workflow.patched(id)` / `DBOS.patch(id)` in a workflow whose deployment model never lets
    a run started on older code run this code: Temporal `VersioningBehavior.PINNED` or a new
    Build-ID set, DBOS with a per-deploy application version (see PAT112, PAT113).

    ## Why is this bad?
    A patch exists so that old runs replaying new code take the old branch. Under these models no
    old run ever replays it, so the old branch is dead from the day it ships and the patch only adds
    a marker to every new history. Keep the new branch and drop the patch, or, if the model is not
    what the workflow runs under, declare the real one (`[tool.patchlint] deployment`).

    ## Known problems
    The model is read as for PAT112 (README: "Deployment models"): a worker or `DBOSConfig` built at
    run time is seen only through `[tool.patchlint]`. If the deployment changes model later
    (PINNED to AUTO_UPGRADE), the runs started under the old model do replay: keep patches then.
    """

    code = "PAT114"
    name = "patch-unneeded-by-deployment"
    summary = "A patch in a workflow whose open runs never replay new code (PINNED, new Build-ID set, per-deploy DBOS)"
    severity = Severity.INFO
    needs_base = False
    INVALID = (Example(new=_PINNED(*_GUARDED), expect=(("PAT114", _PINNED.line(2)),)),)
    VALID = (Example(new=_PINNED(*(line.strip() for line in _GUARDED if "patched" not in line))),)

    def check(self, ctx):
        for workflow in workflows(ctx.new):
            deployment = ctx.deployment_of(workflow.engine, workflow.name)
            if deployment is None or deployment.replays:
                continue
            seen: set[str] = set()
            for site in sites(workflow):
                pid = site.node.id
                if pid is None or pid in seen or not isinstance(site.node, Patched):
                    continue
                seen.add(pid)
                span = locate(site.node)
                yield Finding(
                    code=self.code,
                    severity=self.severity,
                    path=site.node.path or workflow.path,
                    line=max(span.line, 1),
                    column=span.column,
                    end_line=max(span.end_line, span.line, 1),
                    end_column=span.end_column,
                    workflow=workflow.name,
                    engine=workflow.engine,
                    message=message(
                        f"{workflow.name}: patch {pid!r} is not needed under {deployment.model.title}",
                        "no older run replays this code",
                    ),
                    engine_message=f"deployment model {deployment.label}, from {deployment.source}",
                )
