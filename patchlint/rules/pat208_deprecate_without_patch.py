"""PAT208: deprecate_patch(id) for an id that was never patched."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.stages import lifecycle, new_sites, workflows
from patchlint.lifecycle.wording import finding
from patchlint.model.program import DeprecatePatch, Patched, walk
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import message

_TYPO = s.TEMPORAL_DEPRECATED.replace('deprecate_patch("my-patch")', 'deprecate_patch("my-pacth")')


class DeprecateWithoutPatch(Rule):
    """
    ## What it does
    Finds `deprecate_patch(id)` for an id that no `patched(id)` (or `DBOS.patch(id)`) ever used in
    the history of the file (followed through renames), nor anywhere in either revision.

    ## Why is this bad?
    Most often the id is a typo. Then the real id is no longer called at all, and runs holding its
    marker fail replay; and `deprecate_patch` of an id nothing ever recorded protects nothing.

    In `check` (a base revision) only calls the change adds are reported: a call the same
    workflow already made at the base is not news, and editing its file elsewhere (or a module it
    imports) does not report it again.
    """

    code = "PAT208"
    name = "deprecate-without-patch"
    summary = "deprecate_patch(id) with no patched(id) anywhere in the history (a typo?)"
    severity = Severity.WARNING
    needs_base = False
    INVALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=_TYPO,
            expect=(("PAT208", s.TEMPORAL_BODY_LINE),),
            options={"history": [("2024-01-01", s.TEMPORAL_PATCHED)], "dates": ("2024-02-01", "2024-03-01")},
        ),
    )
    VALID = (
        Example(
            old=s.TEMPORAL_DEPRECATED,
            new=s.TEMPORAL_DEPRECATED,
            options={"history": [("2024-01-01", s.TEMPORAL_PATCHED)], "dates": ("2024-02-01", "2024-03-01")},
        ),
    )

    def check(self, ctx):
        lc = lifecycle(ctx)
        if lc is None:
            return
        known = {
            n.id for m in (*ctx.old, *ctx.new) for w in m.workflows for n in walk(w.program) if isinstance(n, Patched)
        }
        for workflow in workflows(ctx.new):
            for site in new_sites(ctx, workflow):
                pid = site.node.id
                if not isinstance(site.node, DeprecatePatch) or pid is None or pid in known:
                    continue
                if lc.ever_patched(ctx.new, workflow, pid):
                    continue
                text = message(
                    f"{workflow.name}: deprecate_patch({pid!r}) of an id no revision patched", "a typo of the real id?"
                )
                yield finding(self, workflow, site.node, text)
