from patchlint.findings import Severity
from patchlint.lifecycle.wording import finding
from patchlint.model.program import source_of
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message
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
    A `DBOSConfig` is read in the compared files, else elsewhere in the revision (test modules
    aside); `DBOS__APPVERSION` or a configuration built at run time must be declared in
    `[tool.patchlint]`. The version hashes the source of every workflow function,
    so a change strands the open runs of every workflow type: each workflow whose source changed (a
    comment inside it included) or that is new is reported; unchanged workflows' open runs are
    stranded too, and are not named.
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
        Example(
            old=_ORDER("reserve()", "charge()"),
            new=_ORDER("reserve()", "# charge last", "charge()"),
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
        Example(
            old=_ORDER("reserve()", "charge()"),
            new="# the order workflow\n" + _ORDER("reserve()", "charge()"),
            options=_PER_DEPLOY,
        ),
    )

    def check(self, ctx):
        reported = set()
        for changes, deployment in ctx.held_back_in("dbos"):
            reported.add(changes[0].workflow)
            yield held_back_finding(
                ctx,
                self.code,
                self.severity,
                changes,
                _under(deployment),
                _CONSEQUENCE,
                engine_words=_engine_words(deployment),
                breaking=False,
            )
        if not ctx.has_base:
            return
        # The version hashes the source of every workflow function: a change no step shows (a
        # comment, an argument) or a new workflow moves it as much as a new step does.
        old = {w.name: w for module in ctx.old for w in module.workflows if w.engine == "dbos"}
        for module in ctx.new:
            for workflow in module.workflows:
                deployment = ctx.deployment_of("dbos", workflow.name)
                if workflow.engine != "dbos" or workflow.name in reported or deployment is None:
                    continue
                if deployment.replays or not _source_moved(old.get(workflow.name), workflow):
                    continue
                what = "edited" if workflow.name in old else "added"
                text = message(f"{workflow.name}: {what} {_under(deployment)}", _CONSEQUENCE)
                yield finding(self, workflow, None, text, engine_message=_engine_words(deployment))


_CONSEQUENCE = "old-version workflows are not recovered by this code"


def _under(deployment) -> str:
    if deployment.source.startswith("application_version"):
        return "under a new application version"
    return f"under {deployment.model.title}"


def _engine_words(deployment) -> str:
    return (
        f"recovery skips workflows of other application versions, left PENDING ({deployment.label}, "
        f"from {deployment.source}); {deployment.model.keep}"
    )


def _source_moved(old, new) -> bool:
    """Does the new revision's source of this workflow function differ from the old one's (or is it
    new)? Unknown sources (models built without source) count as unchanged."""
    new_text = source_of(new)
    if new_text is None:
        return False
    if old is None:
        return True
    old_text = source_of(old)
    return old_text is not None and old_text != new_text
