"""PAT207: one patch id guarding two different changes, or reused after it was retired."""

from __future__ import annotations

from patchlint.diff.changes import PATCH_ID_REUSED
from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import ABSENT, DEPRECATED, PATCHED
from patchlint.lifecycle.identity import old_of
from patchlint.lifecycle.stages import (
    day,
    lifecycle,
    patched_count,
    sites,
    stage_in,
    workflows,
)
from patchlint.lifecycle.wording import finding, new_branch_engine
from patchlint.model.program import Patched, walk
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, message, patch_call, runs_failing

_SECOND_SITE = s.temporal(
    'if workflow.patched("my-patch"):',
    f"    await {s.T.format('post_patch')}",
    'if workflow.patched("my-patch"):',
    f"    return {s.POST}",
    f"return {s.PRE}",
)
_DBOS_SECOND_SITE = s.dbos(
    'if DBOS.patch("my-patch"):',
    "    post_patch()",
    'if DBOS.patch("my-patch"):',
    "    return post_patch()",
    "return pre_patch()",
)


class PatchIdReused(Rule):
    """
    ## What it does
    Finds a patch id that starts guarding another change while runs of its first use may be in
    flight: a `workflow.patched(id)` added at a second place for an id the base revision already
    used (Temporal), a deprecated id patched again, or an id brought back after it had been removed
    (git history).

    ## Why is this bad?
    Runs started under the first use recorded the id's marker but ran the old code at the new
    place. On replay Temporal's `patched(id)` answers True there too (it is memoized per id per
    run), so they take the new branch against old history and fail with a nondeterminism error.
    Every change gets its own, never reused, id. (A second `DBOS.patch(id)` site is not reported:
    DBOS checks only the patch's own function id, where those runs recorded another step, so it
    answers False for them, as real DBOS recovery confirms.)
    """

    code = "PAT207"
    name = "patch-id-reused"
    summary = "one patch id guards two different changes, or is reused after it was retired"
    severity = Severity.ERROR
    INVALID = (
        Example(old=s.TEMPORAL_PATCHED, new=_SECOND_SITE, expect=(("PAT207", s.TEMPORAL_BODY_LINE),)),
        Example(
            old=s.TEMPORAL_INITIAL,
            new=s.TEMPORAL_PATCHED,
            expect=(("PAT207", s.TEMPORAL_BODY_LINE),),
            options={
                "history": [("2023-01-01", s.TEMPORAL_PATCHED), ("2023-03-01", s.TEMPORAL_DEPRECATED)],
                "dates": ("2023-06-01", "2024-01-01"),
            },
        ),
    )
    VALID = (
        Example(old=s.TEMPORAL_INITIAL, new=_SECOND_SITE),
        Example(old=s.DBOS_PATCHED, new=_DBOS_SECOND_SITE),
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_PATCHED),
    )

    def check(self, ctx):
        reported = set()
        for workflow in workflows(ctx.new):
            old = old_of(ctx, workflow)
            if old is None:
                continue
            for pid in sorted({site.node.id for site in sites(workflow) if site.node.id}):
                for found in self._check_id(ctx, old, workflow, pid):
                    reported.add((found.path, found.line))
                    yield found
        for change in ctx.changes_of(PATCH_ID_REUSED):  # what the replay of base runs shows
            if (change.path, change.span.line) not in reported:
                reported.add((change.path, change.span.line))
                yield change_finding(
                    change,
                    self.code,
                    self.severity,
                    message(
                        f"{change.workflow}: a second patched({change.patch_id!r}) guards another change",
                        runs_failing(change),
                    ),
                    fix=_new_id_fix(change.engine, change.patch_id, change.is_async),
                )

    def _check_id(self, ctx, old, workflow, pid):
        before, after = stage_in(old, pid), stage_in(workflow, pid)
        if after != PATCHED:
            return
        fix = _new_id_fix(workflow.engine, pid, workflow.is_async)
        if before == PATCHED and patched_count(workflow, pid) > patched_count(old, pid):
            if workflow.engine == "dbos":
                return  # DBOS.patch checks its own slot only: base runs recorded another step there
            site = _added_site(old, workflow, pid)
            yield finding(
                self,
                workflow,
                site,
                message(
                    f"{workflow.name}: patch {pid!r} now guards one more change",
                    "patched runs take its new branch on replay and fail",
                ),
                engine_message=new_branch_engine(workflow.engine),
                fix=fix,
            )
        elif before == DEPRECATED:
            site = _first_patched(workflow, pid)
            yield finding(
                self,
                workflow,
                site,
                message(
                    f"{workflow.name}: patch {pid!r} reuses an id the base had deprecated",
                    "runs started since take the old branch on replay",
                ),
                engine_message=new_branch_engine(workflow.engine),
                fix=fix,
            )
        elif before == ABSENT:
            lc = lifecycle(ctx)
            era = lc.at_head(ctx.new, workflow, pid) if lc else None
            if era is not None and era.reused_after is not None:
                yield finding(
                    self,
                    workflow,
                    _first_patched(workflow, pid),
                    message(
                        f"{workflow.name}: patch {pid!r} reuses an id removed on {day(era.reused_after.when)}",
                        "runs of its first use take this change's new branch",
                    ),
                    engine_message=new_branch_engine(workflow.engine),
                    fix=fix,
                )


def _new_id_fix(engine: str, pid: str | None, is_async: bool) -> str:
    new_id = f"{pid or 'change'}-2"
    return f"if {patch_call(engine, new_id, is_async)}:  # a patch id of its own"


def _first_patched(workflow, pid) -> Patched:
    return next(s.node for s in sites(workflow) if isinstance(s.node, Patched) and s.node.id == pid)


def _added_site(old, workflow, pid) -> Patched:
    """The new-revision ``patched(id)`` whose guarded steps the base revision did not guard with it."""

    def guarded(node):
        return tuple((type(n).__name__, getattr(n, "identity", None)) for n in walk(node.new))

    known = {guarded(s.node) for s in sites(old) if isinstance(s.node, Patched) and s.node.id == pid}
    candidates = [s.node for s in sites(workflow) if isinstance(s.node, Patched) and s.node.id == pid]
    return next((n for n in candidates if guarded(n) not in known), candidates[-1])
