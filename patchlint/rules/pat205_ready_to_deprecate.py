"""PAT205: a patched(id) whose old branch no open run can take any more."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import PATCHED
from patchlint.lifecycle.stages import day, lifecycle, ready_at, sites, workflows
from patchlint.lifecycle.wording import finding
from patchlint.model.program import Patched
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import deprecate_fix, message

_HISTORY = [("2024-01-01", s.TEMPORAL_INITIAL)]


class ReadyToDeprecate(Rule):
    """
    ## What it does
    Finds a `patched(id)` (or `DBOS.patch(id)`) that has been in place longer than
    `max-workflow-lifetime`, dated from git history: every pre-patch run has closed, so its old
    branch is dead code and the patch is ready for `deprecate_patch(id)`.

    ## Why is this bad?
    Dead branches pile up and every reader must still reason about them. Moving on keeps the
    lifecycle short: `deprecate_patch(id)` now, removal one lifetime later.

    ## Known problems
    Nothing is reported without `max-workflow-lifetime`. The dates are git's commit dates on the checked
    history, not deploy dates, and "now" is the head commit's date: a change deployed long after it was
    committed is younger in production than git says, so let `max-workflow-lifetime` cover the time from
    commit to deploy too; a rebase or cherry-pick restamps a commit with its own date. In a shallow
    clone a stage that began before the clone's boundary has no date: the rule skips it and one stderr
    line says so (`git fetch --unshallow`, or `fetch-depth: 0`). Outside a git repository
    (`patchlint diff` of two files) it reports nothing. `patchlint patches --temporal-address` (or
    `--dbos-url`) asks the engine which runs are open instead.
    """

    code = "PAT205"
    name = "patch-ready-to-deprecate"
    summary = "patched(id) older than the workflow lifetime: ready for deprecate_patch"
    severity = Severity.INFO
    needs_base = False
    INVALID = (
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_PATCHED, expect=(("PAT205", s.TEMPORAL_BODY_LINE),),
                options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-04-01")}),
    )
    VALID = (
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_PATCHED,
                options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-02-15")}),
    )

    def check(self, ctx):
        lc = lifecycle(ctx)
        if lc is None:
            return
        for workflow in workflows(ctx.new):
            seen: set[str] = set()
            for site in sites(workflow):
                pid = site.node.id
                if not isinstance(site.node, Patched) or pid is None or pid in seen:
                    continue
                seen.add(pid)
                era = lc.at_head(ctx.new, workflow, pid)
                ready = era and ready_at(PATCHED, era, ctx.config, workflow.engine)
                if ready is None or ready > lc.now or era.deprecated_since is not None:
                    continue
                text = message(f"{workflow.name}: patch {pid!r} is ready to deprecate",
                               f"no pre-patch run can be open since {day(ready)}")
                yield finding(self, workflow, site.node, text,
                              fix=deprecate_fix(workflow.engine, pid, workflow.is_async)
                              + "  # then only the new branch")
