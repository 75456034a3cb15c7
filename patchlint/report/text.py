"""``--format text``: findings grouped by workflow, a summary line. Each finding is ruff's one line
(``path:line:col: CODE [severity] message``, the column 1-based as flake8 and ruff print it), then
indented ``engine:`` (the engine's own words) and ``fix:`` (code that pastes) lines; with
``show_steps`` the old and new steps side by side, numbered as the engine numbers them.

Every user string (path, workflow, step names, messages that quote them) goes through ``printable``,
so it stays on its line, and no printed line reads as a CI workflow command (``neutralize_commands``):
an activity named ``"x\\n::error ..."`` cannot start a line of its own in a job log."""

from __future__ import annotations

from itertools import groupby

import click

from patchlint.escape import printable, safe_lines
from patchlint.findings import Finding, Report

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}
MAX_ROWS = 12


NUMBERING = {"temporal": "numbered by HistoryEvent id", "dbos": "numbered by DBOS function id"}


def _numbered(labels: tuple[str, ...], ids: tuple[int, ...]) -> tuple[str, ...]:
    if len(ids) < len(labels) or not all(ids[: len(labels)]):
        return labels
    width = len(str(max(ids[: len(labels)], default=0)))
    return tuple(f"{n:>{width}} {label}" for n, label in zip(ids, labels))


def side_by_side(
    old: tuple[str, ...],
    new: tuple[str, ...],
    colour: bool,
    old_ids: tuple[int, ...] = (),
    new_ids: tuple[int, ...] = (),
    engine: str = "",
) -> list[str]:
    """Two columns, the first row where they differ marked with ``>``; each step with the engine's
    own number when known (the number the message, the witness and the engine's error use)."""
    differs = [a != b for a, b in zip(old, new)]
    old, new = tuple(map(printable, old)), tuple(map(printable, new))
    numbered = bool(old_ids or new_ids)
    old, new = _numbered(old, old_ids), _numbered(new, new_ids)
    width = max([len(s) for s in old] + [len("old (base)")]) + 2
    note = f"  ({NUMBERING[engine]})" if numbered and engine in NUMBERING else ""
    rows = [f"      {'old (base)':<{width}} new (head){note}"]
    diverged = False
    for i in range(min(max(len(old), len(new)), MAX_ROWS)):
        a = old[i] if i < len(old) else ""
        b = new[i] if i < len(new) else ""
        mark = " "
        if (differs[i] if i < len(differs) else a != b) and not diverged:
            mark, diverged = ">", True
        line = f"    {mark} {a:<{width}} {b}"
        rows.append(click.style(line, bold=True) if mark == ">" and colour else line)
    if max(len(old), len(new)) > MAX_ROWS:
        rows.append("      …")
    return rows


def _finding(f: Finding, colour: bool) -> list[str]:
    sev = click.style(f.severity.value, fg=_COLOURS[f.severity.value], bold=True) if colour else f.severity.value
    code = click.style(f.code, bold=True) if colour else f.code
    head = f"  {printable(f.path)}:{f.line}:{f.column + 1}: {code} [{sev}] {printable(f.message)}"
    lines = [head]
    if f.engine_message:
        lines.append(f"      engine: {printable(f.engine_message)}")
    if f.fix:
        lines.append(f"      fix: {printable(f.fix)}")
    if f.witness:
        lines.append(f"      witness: {printable(_witness(f))}")
    return lines


def _witness(f: Finding) -> str:
    """The run the runtime replayed and where it failed, in the engine's numbering; the engine's
    words only when they are not already on the ``engine:`` line."""
    cut, event, said = f.witness.get("cut", ""), f.witness.get("event"), f.witness.get("engine_message", "")
    unit = "event" if f.engine == "temporal" else "step"
    run = "a completed run" if cut == "completed" else f"a run {cut}"
    text = f"{run} fails on HEAD" + (f" at {unit} {event}" if event is not None else "")
    return text if said == f.engine_message else f"{text}: {said}"


def render(report: Report, colour: bool = False, show_steps: bool = False, **_options) -> str:
    out: list[str] = []
    findings = sorted(report.findings, key=lambda f: (f.engine, f.workflow, f.sort_key()))
    for (engine, workflow), group in groupby(findings, key=lambda f: (f.engine, f.workflow)):
        group = list(group)
        title = f"{printable(workflow)} ({printable(engine)})"
        out.append(click.style(title, bold=True, underline=True) if colour else title)
        for f in group:
            out += _finding(f, colour)
        shown = next((f for f in group if f.old_steps or f.new_steps), None) if show_steps else None
        if shown is not None:
            out += side_by_side(shown.old_steps, shown.new_steps, colour, shown.old_ids, shown.new_ids, shown.engine)
        out.append("")
    errors = sum(f.severity.value == "error" for f in report.findings)
    warnings = sum(f.severity.value == "warning" for f in report.findings)
    infos = len(report.findings) - errors - warnings
    summary = (
        f"patchlint: {errors} error(s), {warnings} warning(s), {infos} info in "
        f"{report.workflows} workflow(s) across {report.files} changed file(s)"
    )
    if not report.findings:
        summary += ": no change breaks replay of open workflows"
    out.append(click.style(summary, fg="red" if errors else "green", bold=True) if colour else summary)
    return safe_lines("\n".join(out)) + "\n"
