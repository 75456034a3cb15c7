"""PAT202: deprecate_patch before every pre-patch run is closed."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import ABSENT, PATCHED
from patchlint.lifecycle.identity import old_of
from patchlint.lifecycle.stages import CONFIGURE, day, lifecycle, lifetime, sites, stage_in, workflows
from patchlint.lifecycle.wording import deprecate_call, finding, new_branch_on_old_history, patched_call
from patchlint.model.program import DeprecatePatch
from patchlint.rules.base import Example, Rule

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
    """

    code = "PAT202"
    name = "premature-deprecate-patch"
    summary = "deprecate_patch added before every pre-patch workflow can have finished"
    severity = Severity.ERROR
    INVALID = [
        Example(old=s.TEMPORAL_INITIAL, new=s.TEMPORAL_DEPRECATED, expect=(("PAT202", s.TEMPORAL_BODY_LINE),)),
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_DEPRECATED, expect=(("PAT202", s.TEMPORAL_BODY_LINE),),
                options={**_DATED, "dates": ("2024-01-10", "2024-01-20")}),
    ]
    VALID = [
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_DEPRECATED,
                options={**_DATED, "dates": ("2024-01-10", "2024-03-01")}),
    ]

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
                if stage_in(workflow, pid) != "deprecated":
                    continue
                before = stage_in(old, pid)
                if before == ABSENT:
                    yield finding(self, workflow, site.node, self._never_patched(workflow, pid))
                elif before == PATCHED:
                    yield from self._too_young(ctx, workflow, old, site.node)

    def _never_patched(self, workflow, pid) -> str:
        engine = workflow.engine
        return (
            f"{deprecate_call(engine, pid)} in workflow {workflow.name}, but the base revision never "
            f"called {patched_call(engine, pid)}: runs it started ran the old code here and "
            f"{new_branch_on_old_history(engine)}. Ship `if {patched_call(engine, pid)}:` new code "
            f"`else:` old code first, and deprecate once no pre-patch run is open."
        )

    def _too_young(self, ctx, workflow, old, node):
        lc = lifecycle(ctx)
        if lc is None:
            return
        era = lc.at_base(ctx.old, old, node.id)
        if era is None or era.patched_since is None:
            return
        call = deprecate_call(workflow.engine, node.id)
        since = era.patched_since
        life = lifetime(ctx.config)
        if life is None:
            message = (
                f"{call} in workflow {workflow.name}: {patched_call(workflow.engine, node.id)} has been "
                f"there since {since.label()}; pre-patch runs may still be open: {CONFIGURE}"
            )
            yield finding(self, workflow, node, message, Severity.WARNING)
            return
        if lc.now - since.when >= life:
            return
        message = (
            f"{call} in workflow {workflow.name} on {day(lc.now)}, but {patched_call(workflow.engine, node.id)} "
            f"only arrived on {since.label()}: runs started before it may be open until "
            f"{day(since.when + life)} (max-workflow-lifetime {life.days}d), and "
            f"{new_branch_on_old_history(workflow.engine)}. "
            f"Deprecate on or after {day(since.when + life)}, or check the open runs with `patchlint patches`."
        )
        yield finding(self, workflow, node, message, Severity.WARNING)
