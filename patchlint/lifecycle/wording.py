"""How the lifecycle rules name patch calls and engine errors, and place their findings."""

from __future__ import annotations

from patchlint.findings import Finding, Severity
from patchlint.model.program import Span, Workflow, locate
from patchlint.semantics.history import PATCH_ROW_PREFIX


def patched_call(engine: str, patch_id: str | None) -> str:
    arg = "…" if patch_id is None else f'"{patch_id}"'
    return f"DBOS.patch({arg})" if engine == "dbos" else f"workflow.patched({arg})"


def deprecate_call(engine: str, patch_id: str | None) -> str:
    arg = "…" if patch_id is None else f'"{patch_id}"'
    return f"DBOS.deprecate_patch({arg})" if engine == "dbos" else f"workflow.deprecate_patch({arg})"


def marker_removed_engine(engine: str, patch_id: str) -> str:
    """The engine's own words to a run holding the id's marker when the code no longer calls it."""
    if engine == "dbos":
        return (
            f"DBOSUnexpectedStepError: During execution of workflow … step N, function "
            f"{PATCH_ROW_PREFIX}{patch_id} was recorded when … was expected"
        )
    return (
        f"Non-deprecated patch marker encountered for change {patch_id}, but there is no corresponding change command!"
    )


def new_branch_engine(engine: str) -> str:
    """The engine's own words to a pre-patch run that now takes the new branch."""
    if engine == "dbos":
        return (
            "DBOSUnexpectedStepError: During execution of workflow … step N, "
            "function X was recorded when Y was expected"
        )
    return "[TMPRL1100] Nondeterminism error: … (the commands no longer match the history)"


def finding(
    rule,
    workflow: Workflow,
    at,
    message: str,
    severity: Severity | None = None,
    *,
    engine_message: str = "",
    fix: str = "",
) -> Finding:
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
        engine_message=engine_message,
        fix=fix,
    )
