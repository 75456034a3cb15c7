"""PAT204: a deprecate_patch old enough to be removed."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import DEPRECATED
from patchlint.lifecycle.stages import day, ripe
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

    code = "PAT204"
    name = "stale-deprecate-patch"
    summary = "deprecate_patch present longer than the workflow lifetime: remove it"
    severity = Severity.INFO
    needs_base = False
    INVALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=s.TEMPORAL_DEPRECATED,
            expect=(("PAT204", s.TEMPORAL_BODY_LINE),),
            options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-04-01")},
        ),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=s.TEMPORAL_DEPRECATED,
            options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-02-15")},
        ),
    )

    def check(self, ctx):
        for workflow, call, pid, _era, ready in ripe(ctx, DeprecatePatch, DEPRECATED):
            text = message(
                f"{workflow.name}: deprecate_patch({pid!r}) can go",
                f"no patched-era run can be open since {day(ready)}; remove the call",
            )
            yield finding(self, workflow, call, text)
