"""PAT204: a deprecate_patch old enough to be removed."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import DEPRECATED
from patchlint.lifecycle.stages import (
    day,
    lifecycle,
    ready_at,
    sites,
    stage_in,
    workflows,
)
from patchlint.lifecycle.wording import finding
from patchlint.model.program import DeprecatePatch
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message

_HISTORY = [("2024-01-01", s.TEMPORAL_PATCHED)]


class StaleDeprecate(Rule):
    """
    ## What it does
    Finds a `deprecate_patch(id)` that has been in place longer than `max-workflow-lifetime` (plus
    `retention` for Temporal), dated from git history, and says since when it is safe to remove.

    ## Why is this bad?
    It is not wrong, only dead weight: every run started under `patched(id)` has closed, so the
    call no longer protects anything and can go.
    """

    code = "PAT204"
    name = "stale-deprecate-patch"
    summary = "deprecate_patch present longer than the workflow lifetime: remove it"
    severity = Severity.INFO
    needs_base = False
    INVALID = [
        Example(old=s.TEMPORAL_DEPRECATED, new=s.TEMPORAL_DEPRECATED, expect=(("PAT204", s.TEMPORAL_BODY_LINE),),
                options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-04-01")}),
    ]
    VALID = [
        Example(old=s.TEMPORAL_DEPRECATED, new=s.TEMPORAL_DEPRECATED,
                options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-02-15")}),
    ]

    def check(self, ctx):
        lc = lifecycle(ctx)
        if lc is None:
            return
        for workflow in workflows(ctx.new):
            seen: set[str] = set()
            for site in sites(workflow):
                pid = site.node.id
                if not isinstance(site.node, DeprecatePatch) or pid is None or pid in seen:
                    continue
                seen.add(pid)
                if stage_in(workflow, pid) != DEPRECATED:
                    continue
                era = lc.at_head(ctx.new, workflow, pid)
                ready = era and ready_at(DEPRECATED, era, ctx.config, workflow.engine)
                if ready is None or ready > lc.now:
                    continue
                text = message(f"{workflow.name}: deprecate_patch({pid!r}) can go",
                               f"no patched-era run can be open since {day(ready)}; remove the call")
                yield finding(self, workflow, site.node, text)
