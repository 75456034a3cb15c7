"""PAT205: a patched(id) whose old branch no open run can take any more."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.calls import PATCHED
from patchlint.lifecycle.stages import day, ripe
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
    The limits of PAT204 apply: nothing is reported without `max-workflow-lifetime`; the dates are
    git's commit dates, not deploy dates ("now" is the head commit's), so let the lifetime cover the
    time from commit to deploy; in a shallow clone a stage dated before the boundary is skipped with
    one stderr line; outside a git repository nothing is reported. `patchlint patches
    --temporal-address` (or `--dbos-url`) asks the engine which runs are open instead.
    """

    code = "PAT205"
    name = "patch-ready-to-deprecate"
    summary = "patched(id) older than the workflow lifetime: ready for deprecate_patch"
    severity = Severity.INFO
    needs_base = False
    INVALID = (
        Example(
            old=s.TEMPORAL_PATCHED,
            new=s.TEMPORAL_PATCHED,
            expect=(("PAT205", s.TEMPORAL_BODY_LINE),),
            options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-04-01")},
        ),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_PATCHED,
            new=s.TEMPORAL_PATCHED,
            options={"config": s.LIFETIME_30D, "history": _HISTORY, "dates": ("2024-02-01", "2024-02-15")},
        ),
    )

    def check(self, ctx):
        for workflow, call, pid, era, ready in ripe(ctx, Patched, PATCHED):
            if era.deprecated_since is not None:
                continue
            text = message(
                f"{workflow.name}: patch {pid!r} is ready to deprecate",
                f"no pre-patch run can be open since {day(ready)}",
            )
            yield finding(
                self,
                workflow,
                call,
                text,
                fix=deprecate_fix(workflow.engine, pid, workflow.is_async) + "  # then only the new branch",
            )
