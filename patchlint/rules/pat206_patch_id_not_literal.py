"""PAT206: a patch id that is not a string literal."""

from __future__ import annotations

from patchlint.findings import Severity
from patchlint.lifecycle import samples as s
from patchlint.lifecycle.stages import new_sites, workflows
from patchlint.lifecycle.wording import finding
from patchlint.model.program import Patched
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import deprecate_fix, message, patch_call


class PatchIdNotLiteral(Rule):
    """
    ## What it does
    Finds `patched(...)`, `deprecate_patch(...)`, `DBOS.patch(...)` calls whose id is not a string
    literal (a variable, an f-string, a constant from elsewhere).

    ## Why is this bad?
    The id is what the engine stores in history and matches on replay; a computed id can change
    between deploys or between runs without anyone seeing it in a diff, and neither patchlint nor a
    reviewer can follow its lifecycle. Write the id as a literal string at the call.

    In `check` (a base revision) only calls the change adds are reported: a call the same
    workflow already made at the base is not news, and editing its file elsewhere (or a module it
    imports) does not report it again.
    """

    code = "PAT206"
    name = "patch-id-not-literal"
    summary = "patch id is not a string literal"
    severity = Severity.WARNING
    needs_base = False
    INVALID = (
        Example(
            new=s.TEMPORAL_PATCHED.replace('patched("my-patch")', "patched(PATCH_ID)").replace(
                "from temporalio import activity, workflow\n",
                'from temporalio import activity, workflow\nPATCH_ID = "my-patch"\n',
            ),
            expect=(("PAT206", s.TEMPORAL_BODY_LINE + 1),),
        ),
    )
    VALID = (Example(new=s.TEMPORAL_PATCHED),)

    def check(self, ctx):
        for workflow in workflows(ctx.new):
            for site in new_sites(ctx, workflow):
                if site.node.id is not None:
                    continue
                kind = "patched" if isinstance(site.node, Patched) else "deprecate_patch"
                text = message(
                    f"{workflow.name}: {kind} id is not a string literal",
                    "if it changes between deploys, open runs fail and no diff shows it",
                )
                literal = "my-change-2024-05"
                call = (
                    patch_call(workflow.engine, literal, workflow.is_async)
                    if kind == "patched"
                    else deprecate_fix(workflow.engine, literal, workflow.is_async)
                )
                yield finding(
                    self,
                    workflow,
                    site.node,
                    text,
                    fix=(f"if {call}:" if kind == "patched" else call) + "  # the id as a literal",
                )
