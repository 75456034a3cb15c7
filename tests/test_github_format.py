"""``--format github``: workflow commands escaped exactly as ``@actions/core`` escapes them, worst first."""

from __future__ import annotations

from patchlint.findings import Finding, Report, Severity
from patchlint.report import github


def finding(
    code="PAT101",
    severity=Severity.ERROR,
    path="app/workflow.py",
    line=14,
    column=8,
    end_line=None,
    end_column=40,
    message="step inserted",
    workflow="Order",
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=line if end_line is None else end_line,
        end_column=end_column,
        workflow=workflow,
        engine="temporal",
        message=message,
        old_steps=("activity a", "activity b"),
        new_steps=("activity a", "activity x", "activity b"),
    )


def toolkit_escape_data(s: str) -> str:
    """Transcribed from actions/toolkit packages/core/src/command.ts ``escapeData``."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def toolkit_escape_property(s: str) -> str:
    """Transcribed from ``escapeProperty``: data escaping plus ``:`` and ``,``."""
    return toolkit_escape_data(s).replace(":", "%3A").replace(",", "%2C")


NASTY = "100% sure:\r\nline two, with: colons,commas %0A and a literal escape"


def test_escape_data_matches_toolkit_and_keeps_colons_and_commas():
    assert github.escape_data(NASTY) == toolkit_escape_data(NASTY)
    assert github.escape_data(NASTY) == ("100%25 sure:%0D%0Aline two, with: colons,commas %250A and a literal escape")


def test_escape_property_matches_toolkit():
    assert github.escape_property(NASTY) == toolkit_escape_property(NASTY)
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_one_line_annotation_has_every_property_one_based_columns():
    line = github.annotation(finding(column=8, end_column=40))
    assert line == "::error file=app/workflow.py,line=14,col=9,endLine=14,endColumn=41,title=PAT101::step inserted"


def test_message_and_path_are_escaped_in_the_command():
    f = finding(path="odd dir/a,b:c%.py", message="Workflow 'Order':\n  old: a, b\n  new: a, x, b\r\n100%")
    line = github.annotation(f)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::error file=odd dir/a%2Cb%3Ac%25.py,line=14,")
    assert line.endswith("::Workflow 'Order':%0A  old: a, b%0A  new: a, x, b%0D%0A100%25")


def test_multi_line_span_sends_no_columns_as_the_toolkit_requires():
    line = github.annotation(finding(line=3, end_line=5, column=4, end_column=10))
    assert line == "::error file=app/workflow.py,line=3,endLine=5,title=PAT101::step inserted"


def test_severity_maps_to_commands():
    assert github.annotation(finding(severity=Severity.WARNING)).startswith("::warning ")
    assert github.annotation(finding(severity=Severity.INFO)).startswith("::notice ")


def test_render_orders_worst_first_then_by_place():
    report = Report(
        findings=[
            finding(code="PAT111", severity=Severity.WARNING, line=2),
            finding(code="PAT999", severity=Severity.INFO, line=1),
            finding(code="PAT102", line=30, path="b.py"),
            finding(code="PAT101", line=20, path="a.py"),
        ]
    )
    lines = github.render(report).splitlines()
    assert [ln.split()[0] for ln in lines] == ["::error", "::error", "::warning", "::notice"]
    assert [ln.rsplit("title=", 1)[1].split("::")[0] for ln in lines] == ["PAT101", "PAT102", "PAT111", "PAT999"]


def test_no_findings_no_output():
    assert github.render(Report()) == ""


def test_engine_and_fix_ride_on_lines_of_their_own_and_stay_escaped():
    f = finding(message="Order: activity x inserted before activity b; open runs past event 11 fail")
    f = f.with_(
        engine_message="Activity type of scheduled event 'b\n::error::pwned' does not match",
        fix='if workflow.patched("add-x"):  # around the inserted steps only',
    )
    line = github.annotation(f)
    assert "\n" not in line and "\r" not in line
    message = line.split("::", 2)[2]
    assert message.split("%0A") == [
        "Order: activity x inserted before activity b; open runs past event 11 fail",
        "engine: Activity type of scheduled event 'b\\n::error::pwned' does not match",  # shown, not obeyed
        'fix: if workflow.patched("add-x"):  # around the inserted steps only',
    ]
    assert github.annotation(finding()).endswith("::step inserted")  # nothing to add: the message alone
