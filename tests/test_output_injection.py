"""Hostile names through every output format.

Activity, step and workflow names are string literals of the code under review, and paths are its file
names: a pull request chooses them. Printed raw, ``"x\\n::error …"`` starts a line a CI runner obeys as
a workflow command, ``\\x1b[…`` drives the reader's terminal, and in the job summary a name can close
its code span or the mermaid fence and add links, images or ``</details>``. Each format must keep every
user string on its line and inside its fence, and the JSON formats must stay valid JSON that carries
the exact strings.

The findings come from real analysis of real sources (Temporal and DBOS), so the names pass through
the extractor, the rules and their messages exactly as in a run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from patchlint.api import analyze_revisions
from patchlint.escape import md_code, md_text, neutralize_commands, printable
from patchlint.findings import Finding, Report, Severity
from patchlint.report import render
from patchlint.report.summary import render_summary

HOSTILE = {
    "newline-command": "x\n::error file=app.py,line=1::pwned",
    "crlf-command": "y\r\n::warning title=t::crlf",
    "leading-command": "::notice::starts with a command",
    "legacy-command": "z ##[error]legacy command",
    "unicode-separators": "u\u2028::error::ls\u2029\x85::error::nel",
    "terminal-escape": "\x1b[2J\x1b[31mred\x1b]0;title\x07",
    "bidi-override": "admin\u202egnp.exe",
    "markdown-fences": "```\n</details>\n<img src=x onerror=alert(1)>\n[click](https://evil.example)",
    "backticks-pipes": "`code` | pipe `` two",
    "percent-escapes": "%0A::error::percent %25 %0D",
    "mermaid-breakers": 'q"] --> evil["#quot; end\n```',
}
BENIGN = "benign_name"

TEMPORAL_OLD = """
from datetime import timedelta
from temporalio import workflow

T = timedelta(seconds=5)


@workflow.defn(name={workflow!r})
class Order:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("charge", start_to_close_timeout=T)
        await workflow.execute_activity("ship", start_to_close_timeout=T)
"""
TEMPORAL_NEW = TEMPORAL_OLD.replace(
    '        await workflow.execute_activity("ship"',
    "        await workflow.execute_activity({activity!r}, start_to_close_timeout=T)\n"
    '        await workflow.execute_activity("ship"',
)
DBOS_OLD = """
from dbos import DBOS


@DBOS.step()
def charge() -> None:
    pass


@DBOS.step()
def ship() -> None:
    pass


@DBOS.step(name={activity!r})
def hostile() -> None:
    pass


@DBOS.workflow()
def order() -> None:
    charge()
    ship()
"""
DBOS_NEW = DBOS_OLD.replace("    charge()\n    ship()\n", "    charge()\n    hostile()\n    ship()\n")


def analyse(engine: str, name: str, path: str = "app/workflows.py") -> Report:
    if engine == "temporal":
        old, new = TEMPORAL_OLD.format(workflow=name), TEMPORAL_NEW.format(workflow=name, activity=name)
    else:
        old, new = DBOS_OLD.format(activity=name), DBOS_NEW.format(activity=name)
    report = analyze_revisions({path: old}, {path: new})
    assert report.findings, "the inserted step must be reported"
    return report


def reports(engine: str, name: str, path: str = "app/workflows.py") -> tuple[Report, Report]:
    """The report for the hostile name and the same change with a benign name: same structure."""
    return analyse(engine, name, path), analyse(engine, BENIGN, "app/workflows.py")


CASES = [
    pytest.param(engine, name, id=f"{engine}-{key}") for engine in ("temporal", "dbos") for key, name in HOSTILE.items()
]
UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def unsafe_chars(text: str, allowed: str = "\n") -> set[str]:
    return {ch for ch in text if ch not in allowed and unicodedata.category(ch) in UNSAFE}


def assert_no_workflow_command(text: str) -> None:
    """What GitHub's runner would obey: ``::`` after leading whitespace, or ``##[`` anywhere in a line
    (lines end only at LF/CR for the runner; Python's splitlines would split on more)."""
    for line in re.split(r"\r\n|\r|\n", text):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


# --- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine, name", CASES)
def test_text_keeps_each_name_on_its_line_and_prints_no_workflow_command(engine: str, name: str):
    hostile, benign = reports(engine, name)
    text = render(hostile, "text")
    assert_no_workflow_command(text)
    assert not unsafe_chars(text)
    assert len(text.split("\n")) == len(render(benign, "text").split("\n")), text
    assert printable(name).replace("##[", "#\\x23[") in text  # the name is shown, visibly escaped


def test_text_neutralizes_a_workflow_path_or_step_that_starts_a_line_with_a_command():
    finding = Finding(
        code="PAT102",
        severity=Severity.ERROR,
        path="::warning::dir/x.py",
        line=3,
        column=0,
        end_line=3,
        end_column=4,
        workflow="::notice::wf",
        engine="dbos",
        message="removed",
        old_steps=("charge", "::error::step"),
        new_steps=("refund", "::error::step"),
    )
    text = render(Report(findings=[finding], files=1, workflows=1), "text", show_steps=True)
    assert_no_workflow_command(text)
    assert text.startswith("\\x3a:notice::wf (dbos)\n  \\x3a:warning::dir/x.py:3:1: PAT102")
    assert "\n      \\x3a:error::step " in text  # a DBOS row starts with the bare step name


@pytest.mark.slow
def test_text_through_the_cli_in_a_ci_log(tmp_path: Path):
    """The issue's case end to end: ``patchlint diff`` prints to a CI log."""
    name = HOSTILE["newline-command"]
    (tmp_path / "old.py").write_text(TEMPORAL_OLD.format(workflow="Order"), encoding="utf-8")
    (tmp_path / "new.py").write_text(TEMPORAL_NEW.format(workflow="Order", activity=name), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "patchlint", "diff", "old.py", "new.py", "--no-color"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert_no_workflow_command(proc.stdout + proc.stderr)
    assert "x\\n::error file=app.py,line=1::pwned" in proc.stdout


# --- github annotations ----------------------------------------------------------------------------

COMMAND = re.compile(r"^::(error|warning|notice) ((?:[A-Za-z]+=[^,:]*)(?:,[A-Za-z]+=[^,:]*)*)::(.*)$")


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


@pytest.mark.parametrize("engine, name", CASES)
def test_github_one_command_per_finding_escaped_as_the_toolkit_does(engine: str, name: str):
    path = "app/odd, dir:%0A\nx.py"
    hostile, _ = reports(engine, name, path=path)
    out = render(hostile, "github")
    lines = out.split("\n")
    assert lines.pop() == ""
    assert len(lines) == len(hostile.findings)
    assert not unsafe_chars(out)
    # the message, then the engine's words and the fix on lines of their own
    by_message = sorted(
        f.message
        + "".join(
            f"\n{label}: {printable(text)}" for label, text in (("engine", f.engine_message), ("fix", f.fix)) if text
        )
        for f in hostile.findings
    )
    decoded = []
    for line in lines:
        match = COMMAND.match(line)
        assert match, line
        props = {k: unescape(v) for k, v in (p.split("=", 1) for p in match.group(2).split(","))}
        assert props["file"] == path  # the annotation still lands on the file
        decoded.append(unescape(match.group(3)))
    # GitHub shows exactly the message, other control characters made visible.
    assert sorted(printable(m) for m in decoded) == sorted(printable(m) for m in by_message)
    assert all(not unsafe_chars(m, allowed="\r\n") for m in decoded)


# --- the job summary -------------------------------------------------------------------------------


def code_spans(line: str) -> tuple[list[str], str]:
    """``(contents of the code spans, the line outside them)`` by CommonMark's rule: a run of n
    backticks opens a span that the next run of exactly n closes; unmatched runs are literal."""
    spans, outside, pos = [], [], 0
    while pos < len(line):
        if line[pos] != "`" or (pos and line[pos - 1] == "\\"):  # a backslash-escaped backtick is literal
            outside.append(line[pos])
            pos += 1
            continue
        run = re.match(r"`+", line[pos:]).group(0)
        closing = re.compile(rf"(?<!`){run}(?!`)")
        end = closing.search(line, pos + len(run))
        if end is None:
            outside.append(run)
            pos += len(run)
            continue
        spans.append(line[pos + len(run) : end.start()])
        outside.append("\0")
        pos = end.end()
    return spans, "".join(outside)


MERMAID_LINE = re.compile(
    r'^(flowchart TB|  classDef diverge .*|  subgraph (old|new)\["[^"<>`]*"\]|    direction TB'
    r'|    (old|new)\d+\["[^"<>`]*"\]|    (old|new)\d+ --> (old|new)\d+|  end|  class (old|new)\d+ diverge)$'
)


@pytest.mark.parametrize("engine, name", CASES)
def test_summary_keeps_every_name_inside_its_fence(engine: str, name: str):
    path = "app/`x` ```</details>|\nwf.py"
    hostile, benign = reports(engine, name, path=path)
    text = render_summary(hostile)
    assert not unsafe_chars(text)
    lines = text.split("\n")
    assert len(lines) == len(render_summary(benign).split("\n"))
    fences = [ln for ln in lines if re.match(r"^ {0,3}(`{3,}|~{3,})", ln)]
    diagrams = sum(f.severity.value == "error" for f in hostile.findings) and 1
    assert fences == ["```mermaid", "```"] * diagrams
    inside = False
    for line in lines:
        if line.startswith("```"):
            inside = not inside
            continue
        if inside:
            assert MERMAID_LINE.match(line), line
            continue
        spans, outside = code_spans(line)
        # Outside code spans no HTML tag, link or image can start: every < and [ is escaped.
        assert not re.search(r"(?<!\\)[<\[]", outside.replace("\\\\", "")), line
        if line.startswith("| :"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 6, line  # five cells, none split
    # The names are shown, each in one code span of its own.
    all_spans = [s.strip().replace("\\|", "|") for ln in lines for s in code_spans(ln)[0]]
    assert printable(f"{path}:{hostile.findings[0].line}") in all_spans
    if engine == "temporal":
        assert printable(name) in all_spans


def test_md_helpers():
    assert md_text("[a](b) <x> *y* `z` |") == r"\[a\]\(b\) \<x\> \*y\* \`z\` \|"
    assert md_code("a ``` b") == "````a ``` b````"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert md_code("line\nbreak") == "`line\\nbreak`"


def test_printable_and_neutralize():
    assert printable("plain ascii, ünïcode ✓") == "plain ascii, ünïcode ✓"
    assert printable("a\nb\r\tc\x1b\u2028\u202e\udcff") == "a\\nb\\r\\tc\\x1b\\u2028\\u202e\\udcff"
    assert neutralize_commands("  ::error::x") == "  \\x3a:error::x"
    assert neutralize_commands("a ##[error]b") == "a #\\x23[error]b"
    assert neutralize_commands("plain: line :: with colons") == "plain: line :: with colons"


# --- JSON and SARIF: valid JSON carrying the exact strings -----------------------------------------


@pytest.mark.parametrize("engine, name", CASES)
def test_json_is_valid_and_carries_the_exact_names(engine: str, name: str):
    hostile, _ = reports(engine, name)
    out = render(hostile, "json")
    assert not unsafe_chars(out)
    data = json.loads(out)
    finding = data["findings"][0]
    assert any(name in step for step in finding["new_steps"])
    if engine == "temporal":
        assert finding["workflow"] == name


@pytest.mark.parametrize("engine, name", CASES)
def test_sarif_is_valid_and_carries_the_exact_names(engine: str, name: str):
    from test_sarif import validate

    path = "app/bad\udcffname, dir/%0A x.py"  # a file name git returned with an undecodable byte
    hostile, _ = reports(engine, name, path=path)
    out = render(hostile, "sarif")
    assert not unsafe_chars(out)
    log = json.loads(out)
    validate(log)
    result = log["runs"][0]["results"][0]
    assert any(name in step for step in result["properties"]["newSteps"])
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/bad%FFname%2C%20dir/%250A%20x.py"


def test_every_format_survives_a_file_name_with_undecodable_bytes():
    """git gives such names back with surrogate escapes; writing them as UTF-8 must not crash."""
    hostile, _ = reports("temporal", "Order", path="app/bad\udcffname.py")
    for fmt in ("text", "github", "json", "sarif"):
        render(hostile, fmt).encode("utf-8")
    render_summary(hostile).encode("utf-8")
