"""The job summary (``$GITHUB_STEP_SUMMARY``): every finding in one table, and a drawing per broken workflow.

Annotations show only the first ten findings of a step, so the table is where a reviewer sees them
all. For each workflow with an error, a mermaid diagram puts the step sequence an in-flight run
recorded (old) beside the one the new code issues, with the step where they part highlighted: that
is the step replay stops at.

Names, paths and messages come from the code under review, so each stays inside its fence: code spans
longer than any backtick run in them (``md_code``), literal text with Markdown punctuation escaped
(``md_text``), mermaid labels quoted with every character that could end them encoded.
"""

from __future__ import annotations

from patchlint.escape import md_code, md_text, printable
from patchlint.findings import Finding, Report
from patchlint.model.program import Workflow, steps_of

SEVERITY_ICONS = {"error": ":x: error", "warning": ":warning: warning", "info": ":information_source: info"}


def diverging_index(old: tuple[str, ...], new: tuple[str, ...]) -> int:
    """Index of the first position where the two sequences differ (``min(len)`` when one is a prefix)."""
    for index, (a, b) in enumerate(zip(old, new)):
        if a != b:
            return index
    return min(len(old), len(new))


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def findings_table(findings: list[Finding]) -> list[str]:
    lines = ["| Severity | Code | Location | Workflow | Message |", "| --- | --- | --- | --- | --- |"]
    for f in findings:
        lines.append(
            f"| {SEVERITY_ICONS[f.severity.value]} | {md_code(f.code, in_table=True)} "
            f"| {md_code(f'{f.path}:{f.line}', in_table=True)} "
            f"| {md_code(f.workflow, in_table=True)} ({md_text(f.engine)}) | {md_text(_first_line(f.message))} |"
        )
    return lines


_MERMAID_ENTITIES = {'"': "#quot;", "<": "#60;", ">": "#62;", "`": "#96;"}


def _mermaid_label(text: str) -> str:
    """A quoted mermaid node label on one line: ``"`` would end it and ``#`` start an entity, ``<``/``>``
    start HTML and a backtick a Markdown string (or, three of them, the end of the fence), so all are
    written as mermaid entities."""
    label = printable(text).replace("#", "#35;")
    for char, entity in _MERMAID_ENTITIES.items():
        label = label.replace(char, entity)
    return f'"{label}"'


def _column(prefix: str, title: str, steps: tuple[str, ...], mark: int, ids: tuple[int, ...] = ()) -> list[str]:
    lines = [f"  subgraph {prefix}[{_mermaid_label(title)}]", "    direction TB"]
    if not steps:
        lines.append(f"    {prefix}0[{_mermaid_label('(no steps)')}]")
    numbered = len(ids) >= len(steps) and all(ids[: len(steps)])
    for index, step in enumerate(steps):
        number = ids[index] if numbered else index + 1
        lines.append(f"    {prefix}{index}[{_mermaid_label(f'{number}. {step}')}]")
    for index in range(1, len(steps)):
        lines.append(f"    {prefix}{index - 1} --> {prefix}{index}")
    lines.append("  end")
    if 0 <= mark < len(steps):
        lines.append(f"  class {prefix}{mark} diverge")
    return lines


def _pair_steps(report: Report, finding: Finding) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Fallback when a finding carries no sequences: the compared workflow models, flattened."""

    def labels(wf: Workflow | None) -> tuple[str, ...]:
        return tuple(s.label() for s in steps_of(wf.program)) if wf is not None else ()

    for old, new in report.pairs:
        either = new or old
        if either is not None and (either.engine, either.name) == (finding.engine, finding.workflow):
            return labels(old), labels(new)
    return (), ()


def diagram(report: Report, finding: Finding) -> list[str]:
    """A mermaid flowchart: old steps in one column, new steps in the other, divergence in red."""
    old, new = finding.old_steps, finding.new_steps
    old_ids, new_ids = finding.old_ids, finding.new_ids  # the engine's numbers (HistoryEvent / function id)
    if not old and not new:
        old, new = _pair_steps(report, finding)
        old_ids = new_ids = ()
    mark = diverging_index(old, new)
    return [
        "```mermaid",
        "flowchart TB",
        "  classDef diverge fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#82071e",
        *_column("old", "old: what in-flight runs recorded", old, mark, old_ids),
        *_column("new", "new: what the code now issues", new, mark, new_ids),
        "```",
    ]


def _headline(report: Report) -> str:
    errors = sum(f.severity.value == "error" for f in report.findings)
    warnings = sum(f.severity.value == "warning" for f in report.findings)
    scope = f"{report.workflows} workflow(s) in {report.files} changed file(s)"
    if not report.findings:
        return f":white_check_mark: No findings in {scope}."
    return f"**{errors} error(s)**, {warnings} warning(s) in {scope}."


def render_summary(report: Report) -> str:
    findings = sorted(report.findings, key=lambda f: f.sort_key())
    lines = ["## patchlint", "", _headline(report)]
    if findings:
        lines += ["", *findings_table(findings)]
    drawn: set[tuple[str, str]] = set()
    for finding in findings:
        key = (finding.engine, finding.workflow)
        if finding.severity.value != "error" or key in drawn:
            continue
        drawn.add(key)
        where = f"{md_code(finding.code)} at {md_code(f'{finding.path}:{finding.line}')}"
        lines += ["", f"### {md_code(finding.workflow)} ({md_text(finding.engine)}): {where}", ""]
        for label, text in (("engine", finding.engine_message), ("fix", finding.fix)):
            if text:
                lines += [f"{label}: {md_code(text)}", ""]
        lines += diagram(report, finding)
    return "\n".join(lines) + "\n"
