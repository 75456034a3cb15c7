from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.pat112_safe_by_deployment import held_back_finding
from patchlint.rules.snippets import dbos

_ORDER = dbos("reserve", "check_fraud", "charge")
_PINNED = {"config": {"deployment": {"dbos": "pinned-version"}}}
_PER_DEPLOY = {"config": {"deployment": {"dbos": "per-deploy-version"}}}


class StrandedByVersion(Rule):
    """
    ## What it does
    Finds a change to a DBOS workflow whose application version is computed per deploy (no
    `application_version` in `DBOSConfig`, the engine's default) or changes value with this revision.

    ## Why is this bad?
    DBOS recovers only the workflows of its own application version, and without a pinned one that
    version is a hash of the workflow source (`compute_app_version`). After this change the new code
    never recovers open workflows of the old version: they are not failed but stranded, `PENDING`
    until an executor of the old version runs them. Keep one running until they finish, or pin the
    version (`application_version` in `DBOSConfig`, `DBOS__APPVERSION`, or
    `[tool.patchlint] deployment = {dbos = "pinned-version"}` when it is set outside the code) and
    guard the change with `DBOS.patch`; the replay rules (PAT101-PAT111) then apply.

    ## Known problems
    A `DBOSConfig` is read only in the files a check compares; one elsewhere (or `DBOS__APPVERSION`)
    must be declared in `[tool.patchlint]`. The version hashes every workflow's source, so a change
    strands the open runs of every workflow type, including unchanged ones and changes no rule sees
    (a comment); only workflows with step changes are reported.
    """

    code = "PAT113"
    name = "stranded-by-version"
    summary = "Open DBOS workflows of the old application version are not recovered by this code"
    severity = Severity.WARNING

    INVALID = (
        Example(
            old=_ORDER("reserve()", "charge()"),
            new=_ORDER("reserve()", "check_fraud()", "charge()"),
            expect=(("PAT113", _ORDER.workflow_line),),
            options=_PER_DEPLOY,
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=_ORDER("reserve()", 'if DBOS.patch("add-check-fraud"):', "    check_fraud()", "charge()"),
            options=_PINNED,
        ),
    )

    def check(self, ctx):
        for changes, deployment in ctx.held_back_in("dbos"):
            yield held_back_finding(
                ctx,
                self.code,
                self.severity,
                changes,
                "under a new application version"
                if deployment.source.startswith("application_version")
                else f"under {deployment.model.title}",
                "old-version workflows are not recovered by this code",
                engine_words=f"recovery skips workflows of other application versions, left PENDING ({deployment.label}, "
                f"from {deployment.source}); {deployment.model.keep}",
                breaking=False,
            )
