"""PAT203: deprecate_patch removed while runs of the patched era may still be open."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import ABSENT, DEPRECATED
from patchlint.lifecycle.identity import new_of
from patchlint.lifecycle.stages import (
    CONFIGURE,
    day,
    lifecycle,
    ready_at,
    stage_in,
    workflows,
)
from patchlint.lifecycle.wording import finding, marker_removed_engine
from patchlint.model.program import patch_ids
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import deprecate_fix, message

_DATED = {"config": s.LIFETIME_30D, "history": [("2024-01-01", s.TEMPORAL_PATCHED)]}


class DeprecateRemovedEarly(Rule):
    """
    ## What it does
    Finds a `deprecate_patch(id)` removed although the patched era ended less than
    `max-workflow-lifetime` ago (plus `retention` for Temporal), dated from git history.

    ## Why is this bad?
    Runs started while `patched(id)` was live recorded its marker. While any of them is open (or,
    for Temporal, closed but still within retention, since a query replays it), removing the last
    call for the id fails them: Temporal with "Non-deprecated patch marker encountered …", DBOS with
    `DBOSUnexpectedStepError` on the `DBOS.patch-<id>` step. Runs started under `deprecate_patch`
    hold no such marker and are fine, so the wait is measured from the deprecation.

    ## Known problems
    Without `max-workflow-lifetime` it warns on every such removal. The dates are git's commit dates on
    the checked history, not deploy dates, and "now" is the head commit's date: a change deployed long
    after it was committed is younger in production than git says, so let `max-workflow-lifetime` cover
    the time from commit to deploy too; a rebase or cherry-pick restamps a commit with its own date. In
    a shallow clone a stage that began before the clone's boundary has no date: the rule skips it and
    one stderr line says so (`git fetch --unshallow`, or `fetch-depth: 0`). Outside a git repository
    (`patchlint diff` of two files) it reports nothing. `patchlint patches --temporal-address` (or
    `--dbos-url`) asks the engine which runs are open instead.
    """

    code = "PAT203"
    name = "deprecate-patch-removed-early"
    summary = "deprecate_patch removed while workflows of the patched era may still be open"
    severity = Severity.WARNING
    INVALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=s.TEMPORAL_COMPLETE,
            expect=(("PAT203", s.TEMPORAL_CLASS_LINE),),
            options={**_DATED, "dates": ("2024-02-01", "2024-02-10")},
        ),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=s.TEMPORAL_COMPLETE,
            options={**_DATED, "dates": ("2024-02-01", "2024-04-01")},
        ),
    )

    def check(self, ctx):
        lc = lifecycle(ctx)
        if lc is None:
            return
        for old in workflows(ctx.old):
            workflow = new_of(ctx, old)
            if workflow is None:
                continue
            for pid in sorted(patch_ids(old.program)):
                if stage_in(old, pid) == DEPRECATED and stage_in(workflow, pid) == ABSENT:
                    yield from self._check(ctx, lc, old, workflow, pid)

    def _check(self, ctx, lc, old, workflow, pid):
        era = lc.at_base(ctx.old, old, pid)
        if era is None or era.deprecated_since is None:
            return
        since = era.deprecated_since
        keep = deprecate_fix(workflow.engine, pid, workflow.is_async)
        ready = ready_at(DEPRECATED, era, ctx.config, workflow.engine)
        if ready is None:
            text = message(
                f"{workflow.name}: deprecate_patch({pid!r}) removed",
                "patched-era runs may be open (set max-workflow-lifetime)",
            )
            yield finding(self, workflow, None, text, fix=f"{keep}  # keep it; {CONFIGURE}")
            return
        if ready <= lc.now:
            return
        text = message(
            f"{workflow.name}: deprecate_patch({pid!r}) removed {(lc.now - since.when).days}d after it was added",
            f"patched-era runs may be open until {day(ready)}",
        )
        yield finding(
            self,
            workflow,
            None,
            text,
            engine_message=marker_removed_engine(workflow.engine, pid),
            fix=f"{keep}  # keep it until {day(ready)} (or check open runs: patchlint patches)",
        )
