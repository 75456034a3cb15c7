"""Messages like ruff's: one short line (what changed, which open runs fail), the engine's own words
and a fix that pastes apart, one numbering (the engine's), and a swap is a swap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from casedata import WORKFLOW, all_cases
from click.testing import CliRunner

from patchlint.api import analyze_texts
from patchlint.findings import MAX_MESSAGE
from patchlint.integrations.cli import main
from patchlint.report import render
from patchlint.rules import all_rules
from patchlint.testing import run_example

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "testdata" / "example"

EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.code}-{kind}-{i}")
    for rule in all_rules()
    for kind, examples in (("invalid", rule.INVALID), ("valid", rule.VALID))
    for i, example in enumerate(examples)
]


def findings_of(example, tmp_path):
    if example.options:  # dated git history: the lifecycle rules' examples
        return run_example(example, tmp_path).findings
    return analyze_texts(example.old, example.new, "workflow.py").findings


@pytest.mark.parametrize("rule, example", EXAMPLES)
def test_every_message_is_one_short_line(rule, example, tmp_path):
    for f in findings_of(example, tmp_path):
        assert len(f.message) <= MAX_MESSAGE, f.message
        assert "\n" not in f.message and "\r" not in f.message, f.message
        assert ".." not in f.message and ".." not in f.fix, f
        assert f.engine_message not in f.message or not f.engine_message, "the engine's words are a field of their own"
        if f.severity.value == "error":
            assert f.engine_message, f  # what the engine says to the run that fails
        for step in f.new_steps:  # the step chain is structure (old_steps/new_steps), not message text
            assert " → " not in f.message and f"new: {step}" not in f.message


def fix_compiles(fix: str) -> bool:
    """The fix pastes: as a statement, as the line opening a block, as the ``else:`` of one, or as a
    decorator."""
    attempts = (fix, fix + "\n    pass", "if x:\n    pass\n" + fix + "\n    pass", fix + "\nclass C: pass")
    for source in attempts:
        try:
            compile(source, "<fix>", "exec", dont_inherit=True, flags=0x2000)  # PyCF_ALLOW_TOP_LEVEL_AWAIT
            return True
        except SyntaxError:
            continue
    return False


@pytest.mark.parametrize("rule, example", EXAMPLES)
def test_every_fix_pastes_and_uses_the_engines_api(rule, example, tmp_path):
    for f in findings_of(example, tmp_path):
        if not f.fix:
            continue
        assert fix_compiles(f.fix), f.fix
        code = f.fix.split("  #", 1)[0]
        if f.engine == "dbos":
            assert "workflow." not in code and "dbos.patch" not in code and "dbos.deprecate" not in code, f.fix
            assert re.search(
                r"\bDBOS\.(patch|deprecate_patch|patch_async|deprecate_patch_async|workflow)\(", code
            ) or code.startswith("else:"), f.fix
        else:
            assert "DBOS" not in code, f.fix
            assert re.search(r"\bworkflow\.(patched|deprecate_patch|defn)\(", code) or code.startswith("else:"), f.fix


def pasted(source: str, line: int, fix: str) -> str:
    """``source`` with ``fix`` pasted above ``line`` and that line indented under it."""
    lines = source.splitlines()
    target = lines[line - 1]
    indent = target[: len(target) - len(target.lstrip())]
    lines[line - 1 : line] = [indent + fix, indent + "    " + target.lstrip()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("engine", ["temporal", "dbos"])
def test_the_suggested_fix_pasted_as_written_clears_the_error(engine):
    example = next(r for r in all_rules() if r.code == "PAT101").INVALID[0]
    old, new = (example.old, example.new) if engine == "temporal" else (DBOS_OLD, DBOS_NEW)
    (f,) = [f for f in analyze_texts(old, new, "workflow.py").findings if f.code == "PAT101"]
    fixed = pasted(new, f.line, f.fix)
    compile(fixed, "workflow.py", "exec")
    assert [g.code for g in analyze_texts(old, fixed, "workflow.py").findings if g.severity.value == "error"] == []


def test_dbos_fixes_call_the_class_and_async_workflows_await_patch_async():
    old = """
from dbos import DBOS

@DBOS.step()
async def a(): ...

@DBOS.step()
async def b(): ...

@DBOS.workflow()
async def order():
    await a()
    await b()
"""
    new = old.replace("    await a()\n    await b()", "    await b()\n    await a()")
    (f,) = analyze_texts(old, new, "workflow.py").findings
    assert f.fix.startswith('if await DBOS.patch_async("reorder-b"):'), f.fix
    sync = analyze_texts(
        old.replace("async def", "def").replace("await ", ""),
        new.replace("async def", "def").replace("await ", ""),
        "workflow.py",
    ).findings
    assert sync[0].fix.startswith('if DBOS.patch("reorder-b"):'), sync[0].fix


# --- the formats -----------------------------------------------------------------------------------


def run(*args):
    result = CliRunner().invoke(main, [*args, "--no-color"] if args[0] in ("diff", "check") else list(args))
    assert result.exit_code in (0, 1), result.output
    return result.output


def example_args():
    return [str(EXAMPLE / "old.py"), str(EXAMPLE / "new.py")]


def test_text_prints_message_then_engine_and_fix_lines_and_steps_only_on_request():
    out = run("diff", *example_args())
    lines = out.splitlines()
    (head,) = [ln for ln in lines if " PAT101 " in ln]
    at = lines.index(head)
    assert head.endswith(
        "OrderWorkflow: activity check_fraud inserted before activity ship_order; open runs past event 17 fail"
    )
    assert lines[at + 1] == (
        "      engine: [TMPRL1100] Nondeterminism error: Activity type of scheduled event "
        "'ship_order' does not match activity type of activity command 'check_fraud'"
    )
    assert lines[at + 2] == '      fix: if workflow.patched("add-check-fraud"):  # around the inserted steps only'
    assert "old (base)" not in out
    shown = run("diff", "--show-steps", *example_args())
    table = shown[shown.index("      old (base)") : shown.index("\npatchlint:")]
    assert table.startswith("      old (base)") and shown.replace(table, "").replace("\n\n", "\n") == out.replace(
        "\n\n", "\n"
    )  # the same output, plus the table


def test_text_columns_are_one_based_json_columns_zero_based():
    text = run("diff", *example_args())
    data = json.loads(run("diff", "--format", "json", *example_args()))
    first = data["findings"][0]
    assert f"new.py:{first['line']}:{first['column'] + 1}: {first['code']}" in text


def test_json_has_engine_message_and_fix_beside_message():
    data = json.loads(run("diff", "--format", "json", *example_args()))
    f = data["findings"][0]
    keys = list(f)
    assert keys[:14] == [
        "code",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "workflow",
        "engine",
        "message",
        "engine_message",
        "fix",
        "old_steps",
        "new_steps",
    ]
    assert f["engine_message"].startswith("[TMPRL1100] Nondeterminism error: ")
    assert f["fix"] == 'if workflow.patched("add-check-fraud"):  # around the inserted steps only'
    assert f["old_steps"] == ["activity reserve_stock", "activity charge_card", "activity ship_order"]


def test_github_annotation_carries_engine_and_fix_lines():
    out = run("diff", "--format", "github", *example_args())
    first = out.splitlines()[0]
    assert first.startswith("::error ")
    message = first.split("::", 2)[2]
    assert message.count("%0A") == 2
    short, engine, fix = message.split("%0A")
    assert short.endswith("open runs past event 17 fail")
    assert engine.startswith("engine: [TMPRL1100]") and fix.startswith("fix: if workflow.patched(")


def test_sarif_text_is_the_short_message_markdown_and_properties_carry_the_rest():
    data = json.loads(run("diff", "--format", "sarif", *example_args()))
    result = data["runs"][0]["results"][0]
    assert "\n" not in result["message"]["text"] and len(result["message"]["text"]) <= MAX_MESSAGE
    assert "engine: `[TMPRL1100]" in result["message"]["markdown"]
    assert result["properties"]["fix"].startswith('if workflow.patched("add-check-fraud"):')
    assert result["properties"]["engineMessage"].startswith("[TMPRL1100]")


def test_summary_numbers_steps_as_the_engine_does():
    report = analyze_texts((EXAMPLE / "old.py").read_text(), (EXAMPLE / "new.py").read_text(), "new.py")
    from patchlint.report.summary import render_summary

    text = render_summary(report)
    assert 'old2["17. activity ship_order"]' in text and 'new2["17. activity check_fraud"]' in text
    assert 'fix: `if workflow.patched("add-check-fraud")' in text
    assert render(report, "text").count("\n      fix: ") == 2


# --- one numbering ---------------------------------------------------------------------------------

DBOS_OLD = """
from dbos import DBOS

@DBOS.step()
def reserve(): ...

@DBOS.step()
def ship(): ...

@DBOS.step()
def invoice(): ...

@DBOS.workflow()
def order():
    reserve()
    DBOS.recv("go")
    ship()
"""
DBOS_NEW = DBOS_OLD.replace("    ship()", "    invoice()\n    ship()")


def test_one_numbering_temporal_event_ids_in_message_witness_and_table():
    from patchlint.api import verify_report

    report = analyze_texts((EXAMPLE / "old.py").read_text(), (EXAMPLE / "new.py").read_text(), "new.py")
    report = verify_report(report, report.old_models, report.new_models)
    (f,) = [f for f in report.findings if f.code == "PAT101"]
    assert f.message.endswith("open runs past event 17 fail")
    assert f.witness["event"] == 17 and f.witness["cut"] == "paused after event 17 (ship_order)"
    text = render(report, "text", show_steps=True)
    assert "> 17 activity ship_order" in text
    assert "\n      witness: a run paused after event 17 (ship_order) fails on HEAD at event 17\n" in text


def test_one_numbering_dbos_function_ids_in_message_witness_and_table():
    from patchlint.api import verify_report

    report = analyze_texts(DBOS_OLD, DBOS_NEW, "workflow.py")
    report = verify_report(report, report.old_models, report.new_models)
    (f,) = [f for f in report.findings if f.code == "PAT101"]
    # recv takes function ids 2 and 3 (its timeout sleep): ship is step 4, as DBOS numbers it
    assert f.message == "order: invoice inserted before ship; open runs past step 4 fail"
    assert "step 4, function ship was recorded when invoice was expected" in f.engine_message
    assert f.witness["event"] == 4 and f.witness["cut"] == "paused after step 4 (ship)"
    table = render(report, "text", show_steps=True)
    assert "(numbered by DBOS function id)" in table and "> 4 ship" in table
    assert "\n      witness: a run paused after step 4 (ship) fails on HEAD at step 4\n" in table
    assert f.old_ids == (1, 2, 4) and f.new_ids == (1, 2, 4, 5)


# --- a swap is a swap ------------------------------------------------------------------------------


def temporal_workflow(steps: str) -> str:
    body = "\n".join(f'        await workflow.execute_activity("{s}")' for s in steps)
    return (
        "from temporalio import workflow\n\n@workflow.defn\nclass Order:\n    @workflow.run\n"
        f"    async def run(self):\n{body}\n"
    )


def dbos_workflow(steps: str) -> str:
    defs = "".join(f"@DBOS.step()\ndef {s}(): ...\n\n" for s in "abcdex")
    body = "\n".join(f"    {s}()" for s in steps)
    return f"from dbos import DBOS\n\n{defs}@DBOS.workflow()\ndef order():\n{body}\n"


@pytest.mark.parametrize("make, first_line", [(temporal_workflow, 7), (dbos_workflow, 23)], ids=["temporal", "dbos"])
@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("abcd", "bacd", [("PAT103", 0)]),
        ("abcd", "xbacd", [("PAT101", 0), ("PAT103", 1)]),  # an insertion, then a swap: PAT101 + PAT103
        ("abcd", "axcbd", [("PAT101", 1), ("PAT103", 2)]),
        ("abcd", "xadcb", [("PAT101", 0), ("PAT103", 2)]),
        ("abcde", "xadcbe", [("PAT101", 0), ("PAT103", 2)]),
        ("abcd", "adcb", [("PAT103", 1)]),  # no PAT102 at the workflow line
        ("abcd", "bdca", [("PAT103", 1)]),  # b and c keep their order: d (moved up) is the moved line
    ],
)
def test_a_swap_is_pat103_whatever_comes_before_it(make, first_line, old, new, expected):
    findings = analyze_texts(make(old), make(new), "workflow.py").findings
    got = sorted((f.code, f.line - first_line) for f in findings)
    assert got == expected, [f.message for f in findings]


def test_readme_sample_is_what_diff_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("```text\n", 1)[1].split("```", 1)[0]
    out = CliRunner().invoke(main, ["diff", "--no-color", *example_args()], catch_exceptions=False)
    assert sample in out.output.replace(str(EXAMPLE), "testdata/example")


# --- every engine-labelled case --------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in all_cases()])
def test_every_case_message_is_short_and_every_fix_pastes(case, tmp_path, monkeypatch):
    if case.per_revision:
        case.materialize("old", tmp_path / "old")
        case.materialize("new", tmp_path / "new")
        monkeypatch.chdir(tmp_path)
        args = ["old/" + WORKFLOW, "new/" + WORKFLOW]
    else:
        monkeypatch.chdir(case.folder)
        args = ["old.py", "new.py"]
    data = json.loads(run("diff", "--format", "json", *args))
    for f in data["findings"]:
        assert len(f["message"]) <= MAX_MESSAGE and "\n" not in f["message"], f["message"]
        assert ".." not in f["message"] + f["fix"], f
        if f["fix"]:
            assert fix_compiles(f["fix"]), f["fix"]
            code = f["fix"].split("  #", 1)[0]
            assert ("DBOS" in code) == (f["engine"] == "dbos") or code.startswith("else:"), f["fix"]
            assert "dbos.patch" not in code
        if f["severity"] == "error":
            assert f["engine_message"], f  # what the engine says to the run that fails


def test_a_long_message_is_cut_in_what_changed_never_in_which_runs_fail():
    findings = analyze_texts(temporal_workflow("abcd"), temporal_workflow("bdca"), "workflow.py").findings
    (f,) = findings
    assert len(f.message) <= 120 and f.message.endswith("; open runs past event 5 fail"), f.message
