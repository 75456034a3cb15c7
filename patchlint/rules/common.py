"""Shared wording for the replay rules: what an open workflow hits, and how to guard the change."""

from __future__ import annotations

import re

from patchlint.diff.changes import Change
from patchlint.findings import Finding, Severity


def quote(labels) -> str:
    return ", ".join(f"`{label}`" for label in labels) or "nothing"


def patch_id_for(verb: str, labels) -> str:
    name = labels[0].split(" ")[-1] if labels else "change"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "change"
    return f"{verb}-{slug}"


def guard(change: Change, verb: str) -> str:
    """``guard it: `if workflow.patched("add-x"):` …`` (the call pastes as written: start a
    sentence with it through ``sentence``, never ``str.capitalize``)."""
    patch_id = patch_id_for(verb, change.new_focus or change.old_focus)
    if change.engine == "dbos":
        return f'guard it: `if DBOS.patch("{patch_id}"):` new steps `else:` the old ones'
    return f'guard it: `if workflow.patched("{patch_id}"):` new steps `else:` the old ones'


def sentence(text: str) -> str:
    """``text`` with its first letter upper-cased and nothing else touched."""
    return text[:1].upper() + text[1:]


def impact(change: Change) -> str:
    if not change.breaks_in_flight:
        return "open workflows replay it without error"
    return f"a workflow started on the base revision and {change.cut} fails on replay: {change.engine_message}"


def sequences(change: Change) -> str:
    return f"old: {' → '.join(change.old_steps) or '(none)'}; new: {' → '.join(change.new_steps) or '(none)'}"


def finding(change: Change, code: str, severity: Severity, message: str) -> Finding:
    span = change.span
    return Finding(
        code=code,
        severity=severity,
        path=change.path,
        line=max(span.line, 1),
        column=span.column,
        end_line=max(span.end_line, span.line, 1),
        end_column=span.end_column,
        workflow=change.workflow,
        engine=change.engine,
        message=message,
        old_steps=change.old_steps,
        new_steps=change.new_steps,
    )
