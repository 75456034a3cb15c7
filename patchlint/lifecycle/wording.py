"""How the lifecycle rules name patch calls and engine errors, and place their findings."""

from __future__ import annotations

from patchlint.findings import Finding, Severity
from patchlint.model.program import Span, Workflow, locate


def patched_call(engine: str, patch_id: str | None) -> str:
    arg = "…" if patch_id is None else f'"{patch_id}"'
    return f"DBOS.patch({arg})" if engine == "dbos" else f"workflow.patched({arg})"


def deprecate_call(engine: str, patch_id: str | None) -> str:
    arg = "…" if patch_id is None else f'"{patch_id}"'
    return f"DBOS.deprecate_patch({arg})" if engine == "dbos" else f"workflow.deprecate_patch({arg})"


def marker_removed_error(engine: str, patch_id: str) -> str:
    """What a run holding the id's marker hits when the code no longer calls it at all."""
    if engine == "dbos":
        return (
            f'recovery fails with "DBOSUnexpectedStepError: During execution of workflow … step N, '
            f'function DBOS.patch-{patch_id} was recorded when … was expected"'
        )
    return (
        f'replay fails with "Non-deprecated patch marker encountered for change {patch_id}, '
        f'but there is no corresponding change command!"'
    )


def new_branch_on_old_history(engine: str) -> str:
    """What a pre-patch run hits when the code now takes the new branch unconditionally."""
    if engine == "dbos":
        return 'recovery fails with "DBOSUnexpectedStepError: … function X was recorded when Y was expected"'
    return 'replay fails with "[TMPRL1100] Nondeterminism error: …" (the commands no longer match)'


def finding(rule, workflow: Workflow, at, message: str, severity: Severity | None = None) -> Finding:
    """A finding of ``rule`` at model node (or ``Span``) ``at``; the workflow's definition line when
    there is none. Positions are computed here, only for what is reported."""
    where = at if isinstance(at, Span) else (locate(at) if at is not None else None)
    path = getattr(at, "path", "") or workflow.path
    if where is None or where.line <= 0:
        where, path = locate(workflow), workflow.path
    return Finding(
        code=rule.code,
        severity=severity or rule.severity,
        path=path,
        line=where.line,
        column=where.column,
        end_line=where.end_line,
        end_column=where.end_column,
        workflow=workflow.name,
        engine=workflow.engine,
        message=message,
    )
