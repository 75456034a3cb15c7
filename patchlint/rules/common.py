"""Shared wording for the replay rules, ruff's way: a one-line message (what changed, which open
runs fail), the engine's own words apart, and a fix that pastes as written."""

from __future__ import annotations

import re

from patchlint.diff.changes import Change
from patchlint.findings import MAX_MESSAGE, Finding, Severity, clip

_LONG_NAME = 40  # a step name longer than this is shortened in a message (never in engine/fix)


def short(label: str, limit: int = _LONG_NAME) -> str:
    return clip(label, limit)


def quote(labels, limit: int = 3) -> str:
    """``a``, ``a, b`` or ``a, b, c and 2 more``: step labels for a one-line message."""
    labels = [short(label) for label in labels]
    if not labels:
        return "nothing"
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def patch_id_for(verb: str, labels) -> str:
    """``add-check-fraud``: the verb and the first step the change is about (a step, not a marker)."""
    steps = [label for label in labels if not label.endswith(" marker")]
    name = steps[0].split(" ")[-1] if steps else "change"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "change"
    return f"{verb}-{slug}"


def patch_call(engine: str, patch_id: str, is_async: bool = False) -> str:
    """The call that asks whether this run took the patch, as it pastes: ``workflow.patched("id")``,
    ``DBOS.patch("id")`` (a classmethod of the ``DBOS`` class, never ``dbos.patch``), and in an
    ``async def`` DBOS workflow ``await DBOS.patch_async("id")``."""
    if engine == "dbos":
        return f'await DBOS.patch_async("{patch_id}")' if is_async else f'DBOS.patch("{patch_id}")'
    return f'workflow.patched("{patch_id}")'


def handler(label: str) -> tuple[str, str] | None:
    """``("signal", "approve")`` for the label ``signal handler approve``."""
    kind, _, rest = label.partition(" handler ")
    return (kind, rest) if kind in ("signal", "update") and rest else None


def handler_fix(kind: str, name: str) -> str:
    """Keep the recorded name registered: the decorator that names the handler as before."""
    return f'@workflow.{kind}(name="{name}")'


def guard_fix(change: Change, verb: str, what: str) -> str:
    """``if workflow.patched("add-x"):  # what`` — the line that opens the patched branch."""
    patch_id = patch_id_for(verb, change.new_focus or change.old_focus)
    negate = "not " if verb == "remove" else ""
    return f"if {negate}{patch_call(change.engine, patch_id, change.is_async)}:  # {what}"


def unit(engine: str) -> str:
    """What the engine numbers: Temporal history events, DBOS steps (function ids)."""
    return "event" if engine == "temporal" else "step"


def runs_failing(change: Change) -> str:
    """Which open runs fail, in the engine's numbering: ``open runs past event 17 fail``."""
    if not change.breaks_in_flight:
        return "open runs replay it"
    if change.event is not None and change.cut.startswith("paused after "):
        return f"open runs past {unit(change.engine)} {change.event} fail"
    if change.cut.startswith("received "):  # a signal or update whose handler is gone
        return f"open runs that {change.cut} fail"
    return f"open runs {change.cut or 'in flight'} fail" if change.cut != "completed" else "completed runs fail"


def message(*parts: str) -> str:
    """Parts joined with ``; ``, cut to ``MAX_MESSAGE`` characters if a name is huge (names are kept as
    written: the formats show their control characters as escapes)."""
    parts = tuple(p for p in parts if p)
    text = "; ".join(parts)
    if len(text) <= MAX_MESSAGE:
        return text
    tail = "".join(f"; {p}" for p in parts[1:])  # which runs fail: the part a reader needs most
    room = MAX_MESSAGE - len(tail) - 1
    if room >= MAX_MESSAGE // 3:
        return clip(parts[0], room + 1) + tail
    return clip(text)


def change_finding(
    change: Change, code: str, severity: Severity, text: str, fix: str = "", engine_message: str | None = None
) -> Finding:
    """A finding about a diff ``Change``, at its span (``lifecycle.wording.finding`` is a rule's
    finding at a model node)."""
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
        message=text,
        old_steps=change.old_steps,
        new_steps=change.new_steps,
        engine_message=change.engine_message if engine_message is None else engine_message,
        fix=fix,
        old_ids=change.old_ids,
        new_ids=change.new_ids,
    )


def deprecate_fix(engine: str, patch_id: str, is_async: bool = False) -> str:
    """``workflow.deprecate_patch("id")`` as it pastes (DBOS: the class's classmethod; async: awaited)."""
    if engine == "dbos":
        return f'await DBOS.deprecate_patch_async("{patch_id}")' if is_async else f'DBOS.deprecate_patch("{patch_id}")'
    return f'workflow.deprecate_patch("{patch_id}")'
