"""PAT201: a patch id removed without passing through deprecate_patch."""

from __future__ import annotations

from patchlint.diff.changes import PATCH_REMOVED
from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.identity import old_of
from patchlint.lifecycle.wording import finding, marker_removed_engine
from patchlint.model.program import Patched, locate, patch_ids, walk
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import deprecate_fix, message


class PatchRemoved(Rule):
    """
    ## What it does
    Finds a workflow that called `patched(id)` (Temporal) or `DBOS.patch(id)` in the base revision
    and no longer calls anything for that id: neither the patch nor `deprecate_patch`.

    ## Why is this bad?
    Every run started since the patch shipped recorded its marker. Temporal fails their replay with
    "Non-deprecated patch marker encountered for change …, but there is no corresponding change
    command!"; DBOS finds the `DBOS.patch-<id>` step where the code now runs the next step and
    stops recovery with `DBOSUnexpectedStepError`. A patch leaves in two steps: first
    `deprecate_patch(id)` in front of the new code (once no pre-patch run is open), then nothing
    (once no run of the patched era is open).
    """

    code = "PAT201"
    name = "patch-removed"
    summary = "patched/DBOS.patch removed without passing through deprecate_patch"
    severity = Severity.ERROR
    INVALID = (
        Example(old=s.TEMPORAL_PATCHED, new=s.TEMPORAL_COMPLETE, expect=(("PAT201", s.TEMPORAL_CLASS_LINE),)),
        Example(old=s.DBOS_PATCHED, new=s.DBOS_COMPLETE, expect=(("PAT201", s.DBOS_DEF_LINE),)),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_PATCHED,
            new=s.TEMPORAL_DEPRECATED,
            options={"config": s.LIFETIME_30D, "dates": ("2024-01-01", "2024-03-01")},
        ),
    )

    def check(self, ctx):
        for change in ctx.changes_of(PATCH_REMOVED):
            workflow = _workflow_of(ctx, change)
            old = old_of(ctx, workflow) if workflow is not None else None
            if old is None:
                continue  # not the same workflow on both sides: its patches are not this one's past
            for pid in _removed_ids(change, old, workflow):
                yield finding(
                    self,
                    workflow,
                    change.span,
                    _message(change, pid),
                    engine_message=marker_removed_engine(change.engine, pid),
                    fix=deprecate_fix(change.engine, pid, workflow.is_async)
                    + "  # keep it until no patched-era run is open",
                )


def _workflow_of(ctx, change):
    """The head workflow the change is about: its engine, type name *and* file (and, when that
    module registers the name twice, the definition the change is reported at)."""
    found = [
        w
        for m in ctx.new
        for w in m.workflows
        if (w.engine, w.name, w.path) == (change.engine, change.workflow, change.path)
    ]
    if len(found) > 1:
        found = [w for w in found if locate(w) == change.span]
    return found[0] if len(found) == 1 else None


def _removed_ids(change, old, workflow) -> list[str]:
    """The ids live in the same workflow at base and called no more at head (the change's id when
    it names one): a removal the diff saw while comparing another workflow of the same name is
    not confirmed here and not reported."""
    live = {n.id for n in walk(old.program) if isinstance(n, Patched) and n.id is not None}
    gone = live - patch_ids(workflow.program)
    if change.patch_id is not None:
        return [change.patch_id] if change.patch_id in gone else []
    return sorted(gone)


def _message(change, pid: str) -> str:
    return message(f"{change.workflow}: patch {pid!r} removed without deprecate_patch", "open runs that took it fail")
