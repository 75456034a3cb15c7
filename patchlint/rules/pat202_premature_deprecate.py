"""PAT202: deprecate_patch before every pre-patch run is closed."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import ABSENT, DEPRECATED, PATCHED
from patchlint.lifecycle.identity import old_of
from patchlint.lifecycle.stages import (
    CONFIGURE,
    day,
    lifecycle,
    lifetime,
    sites,
    stage_in,
    workflows,
)
from patchlint.lifecycle.wording import finding, new_branch_engine
from patchlint.model.program import DeprecatePatch
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message, patch_call

_DATED = {"config": s.LIFETIME_30D, "history": [("2024-01-01", s.TEMPORAL_INITIAL)]}


class PrematureDeprecate(Rule):
    """
    ## What it does
    Finds a `deprecate_patch(id)` added while runs that started before `patched(id)` may still be
    open: the base revision never called `patched(id)` (error), or called it for less than
    `max-workflow-lifetime` (warning, with the dates read from git history).

    ## Why is this bad?
    `deprecate_patch` always takes the new code. A run recorded before the patch ran the old code
    there, so Temporal stops it with an ordinary nondeterminism error (the commands no longer match)
    and DBOS with `DBOSUnexpectedStepError`. Deprecate only once every pre-patch run is closed.

    ## Known problems
    Only the warning rests on dates (the error, a base that never called `patched(id)`, does not);
    without `max-workflow-lifetime` it warns on every such deprecation. The dates are git's commit dates
    on the checked history, not deploy dates, and "now" is the head commit's date: a change deployed
    long after it was committed is younger in production than git says, so let `max-workflow-lifetime`
    cover the time from commit to deploy too; a rebase or cherry-pick restamps a commit with its own
    date. In a shallow clone a stage that began before the clone's boundary has no date: the rule skips
    it and one stderr line says so (`git fetch --unshallow`, or `fetch-depth: 0`). Outside a git
    repository (`patchlint diff` of two files) it reports nothing.
    `patchlint patches --temporal-address` (or `--dbos-url`) asks the engine which runs are open
    instead.
    """

    code = "PAT202"
    name = "premature-deprecate-patch"
    summary = "deprecate_patch added before every pre-patch workflow can have finished"
    severity = Severity.ERROR
    INVALID = (
        Example(old=s.TEMPORAL_INITIAL, new=s.TEMPORAL_DEPRECATED, expect=(("PAT202", s.TEMPORAL_BODY_LINE),)),
        Example(
            old=s.TEMPORAL_PATCHED,
            new=s.TEMPORAL_DEPRECATED,
            expect=(("PAT202", s.TEMPORAL_BODY_LINE),),
            options={**_DATED, "dates": ("2024-01-10", "2024-01-20")},
        ),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_DEPRECATED, options={**_DATED, "dates": ("2024-01-10", "2024-03-01")}
        ),
    )

    def check(self, ctx):
        for workflow in workflows(ctx.new):
            old = old_of(ctx, workflow)
            if old is None:
                continue  # a new workflow (or one no base workflow is unambiguously): nothing of it is in flight
            seen: set[str] = set()
            for site in sites(workflow):
                pid = site.node.id
                if not isinstance(site.node, DeprecatePatch) or pid is None or pid in seen:
                    continue
                seen.add(pid)
                if stage_in(workflow, pid) != DEPRECATED:
                    continue
                before = stage_in(old, pid)
                if before == ABSENT:
                    yield finding(
                        self,
                        workflow,
                        site.node,
                        self._never_patched(workflow, pid),
                        engine_message=new_branch_engine(workflow.engine),
                        fix=f"if {patch_call(workflow.engine, pid, workflow.is_async)}:  "
                        "# new code; old code under else:, deprecate later",
                    )
                elif before == PATCHED:
                    yield from self._too_young(ctx, workflow, old, site.node)

    def _never_patched(self, workflow, pid) -> str:
        return message(
            f"{workflow.name}: deprecate_patch({pid!r}) but the base never patched it", "open pre-patch runs fail"
        )

    def _too_young(self, ctx, workflow, old, node):
        lc = lifecycle(ctx)
        if lc is None:
            return
        era = lc.at_base(ctx.old, old, node.id)
        if era is None or era.patched_since is None:
            return
        since = era.patched_since
        keep = f"if {patch_call(workflow.engine, node.id, workflow.is_async)}:  # keep the patch"
        life = lifetime(ctx.config)
        if life is None:
            text = message(
                f"{workflow.name}: deprecate_patch({node.id!r}), patched since {day(since.when)}",
                "pre-patch runs may be open (set max-workflow-lifetime)",
            )
            yield finding(self, workflow, node, text, Severity.WARNING, fix=keep + f"; {CONFIGURE}")
            return
        if lc.now - since.when >= life:
            return
        until = day(since.when + life)
        text = message(
            f"{workflow.name}: deprecate_patch({node.id!r}) only {(lc.now - since.when).days}d after the patch",
            f"pre-patch runs may be open until {until}",
        )
        yield finding(
            self,
            workflow,
            node,
            text,
            Severity.WARNING,
            engine_message=new_branch_engine(workflow.engine),
            fix=keep + f" until {until} (or check open runs: patchlint patches)",
        )
