"""verify_pair / verify_report on hand-built models, and the choice enumeration they rest on."""

from __future__ import annotations

from patchlint.api import verify_report
from patchlint.findings import Finding, Report, Severity
from patchlint.model.program import (
    NOWHERE,
    If,
    Loop,
    ModuleModel,
    Seq,
    Span,
    Step,
    Try,
    Workflow,
)
from patchlint.rules.pat199_runtime_only import RuntimeOnlyBreak
from patchlint.semantics.choices import MAX_COMBINATIONS, enumerate_choices
from patchlint.verify import NOT_CONFIRMED, verify_pair, witness_line


def act(name):
    return Step("activity", name)


def seq(*items):
    return Seq(tuple(items))


def wf(*items, name="Checkout", engine="temporal"):
    return Workflow(engine, name, "workflow.py", Span(8, 0, 12, 0), seq(*items))


def module(*workflows):
    return [ModuleModel("workflow.py", tuple(workflows))]


def finding(code="PAT101", severity=Severity.ERROR, workflow="Checkout", engine="temporal"):
    return Finding(code, severity, "workflow.py", 11, 8, 11, 40, workflow, engine, "step inserted")


def test_verdict_separates_in_flight_from_completed_breaks():
    appended = verify_pair(wf(act("a")), wf(act("a"), act("b")))
    assert (appended.breaks_in_flight, appended.breaks_completed) == (False, True)
    inserted = verify_pair(wf(act("a"), act("b")), wf(act("a"), act("x"), act("b")))
    assert inserted.breaks_in_flight and inserted.breaks_completed
    assert inserted.first().cut == "paused after event 11 (b)"  # the engine's HistoryEvent id
    same = verify_pair(wf(act("a")), wf(act("a")))
    assert same.failures == () and same.histories == 2


def test_dbos_never_breaks_completed_runs():
    old = wf(Step("dbos_step", "a"), engine="dbos")
    verdict = verify_pair(old, wf(Step("dbos_step", "b"), engine="dbos"))
    assert verdict.breaks_in_flight and not verdict.breaks_completed


def test_error_finding_gets_a_witness():
    old, new = wf(act("a"), act("b")), wf(act("a"), act("x"), act("b"))
    report = verify_report(Report(findings=[finding()]), module(old), module(new))
    (checked,) = report.findings
    assert checked.severity is Severity.ERROR
    assert checked.witness == {
        "cut": "paused after event 11 (b)",  # one numbering: the engine's, as in "event"
        "event": 11,
        "engine_message": "[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'b' "
        "does not match activity type of activity command 'x'",
    }
    assert checked.to_json()["witness"] == checked.witness
    assert witness_line(checked).startswith("a workflow started on BASE and paused after event 11 (b) fails on HEAD: ")


def test_unconfirmed_error_is_demoted_to_a_warning_that_says_so():
    old, new = wf(act("a")), wf(act("a"), act("b"))  # breaks completed runs only
    report = verify_report(Report(findings=[finding()]), module(old), module(new))
    (checked,) = report.findings
    assert checked.severity is Severity.WARNING
    assert checked.message == "step inserted" + NOT_CONFIRMED
    assert checked.witness is None


def test_completed_only_warning_gets_the_completed_witness():
    old, new = wf(act("a")), wf(act("a"), act("b"))
    report = verify_report(Report(findings=[finding("PAT110", Severity.WARNING)]), module(old), module(new))
    assert report.findings[0].witness["cut"] == "completed"


def test_missed_break_is_reported_as_pat199_on_the_workflow_line():
    old, new = wf(act("a"), act("b")), wf(act("b"), act("a"))
    report = verify_report(Report(findings=[]), module(old), module(new))
    (missed,) = report.findings
    assert (missed.code, missed.severity, missed.line) == ("PAT199", Severity.ERROR, 8)
    assert missed.workflow == "Checkout"
    assert missed.witness["cut"] == "paused after event 5 (a)"
    assert "does not match activity type" in missed.engine_message and len(missed.message) <= 120


def test_findings_are_matched_to_workflows_by_engine_and_name():
    old = [wf(act("a"), act("b"), name="A"), wf(act("a"), name="B")]
    new = [wf(act("b"), act("a"), name="A"), wf(act("a"), name="B")]
    report = verify_report(Report(findings=[finding(workflow="B")]), module(*old), module(*new))
    by_code = {f.code: f for f in report.findings}
    assert by_code["PAT101"].severity is Severity.WARNING  # B did not break
    assert by_code["PAT199"].workflow == "A"


def test_removed_workflow_breaks_every_in_flight_run():
    report = verify_report(Report(findings=[finding("PAT106")]), module(wf(act("a"), name="Gone")), module())
    # the finding names another workflow (Checkout): it is demoted, and Gone's break is PAT199
    assert sorted((f.code, f.workflow, f.severity.value) for f in report.findings) == [
        ("PAT106", "Checkout", "warning"),
        ("PAT199", "Gone", "error"),
    ]
    report = verify_report(
        Report(findings=[finding("PAT106", workflow="Gone")]), module(wf(act("a"), name="Gone")), module()
    )
    (checked,) = report.findings
    assert checked.severity is Severity.ERROR
    message = checked.witness["engine_message"]
    assert message.startswith("Workflow class Gone is not registered on this worker")


def test_pat199_rule_reports_nothing_in_normal_analysis():
    assert list(RuntimeOnlyBreak().check(None)) == []
    assert RuntimeOnlyBreak.code == "PAT199" and RuntimeOnlyBreak.severity is Severity.ERROR


def test_choices_share_condition_text_between_revisions():
    old = seq(If("x", seq(act("a")), seq()), Loop("for i in items", seq(act("b"))))
    new = seq(If("x", seq(act("a")), seq()), If("y", seq(), seq()))
    runs = enumerate_choices(old, new)
    assert len(runs) == 2 * 3 * 2  # x, the loop, y
    assert {tuple(sorted(r)) for r in runs} == {(("if", "x"), ("if", "y"), ("loop", "i in items"))}


def test_try_outcomes_cover_no_exception_and_each_handler():
    program = seq(Try(seq(act("a")), handlers=(seq(act("h1")), seq(act("h2")))))
    assert sorted(r[("try", 0)] for r in enumerate_choices(program, program)) == [-1, 0, 1]


def test_choice_cap_is_deterministic_and_covers_each_branch():
    program = seq(*(If(f"flag{i}", seq(act(f"a{i}")), seq()) for i in range(12)))  # 4096 runs
    runs = enumerate_choices(program, program)
    assert len(runs) == MAX_COMBINATIONS
    assert runs == enumerate_choices(program, program)
    for i in range(12):
        assert {r[("if", f"flag{i}")] for r in runs} == {False, True}


def test_nowhere_span_is_allowed_for_pat199():
    old = Workflow("temporal", "W", "workflow.py", NOWHERE, seq(act("a"), act("b")))
    new = Workflow("temporal", "W", "workflow.py", NOWHERE, seq(act("b")))
    report = verify_report(Report(findings=[]), module(old), module(new))
    assert report.findings[0].line == 1


def test_an_unconfirmed_error_stays_one_short_line():
    from patchlint.findings import MAX_MESSAGE
    from patchlint.verify import unconfirmed

    marked = unconfirmed("x" * MAX_MESSAGE)
    assert len(marked) == MAX_MESSAGE and marked.endswith(NOT_CONFIRMED)
    assert unconfirmed("step inserted") == "step inserted" + NOT_CONFIRMED


def test_pat199_points_at_the_failing_step_when_the_model_knows_where_it_is():
    old = wf(act("a"), act("b"))
    new = wf(act("a"), Step("activity", "x", Span(10, 8, 10, 30)), act("b"))
    (missed,) = verify_report(Report(findings=[]), module(old), module(new)).findings
    assert missed.code == "PAT199" and (missed.line, missed.column, missed.end_column) == (10, 8, 30)
    # the same label twice: which call failed is not known, so the workflow's line
    twice = wf(act("a"), Step("activity", "x", Span(10, 8, 10, 30)), Step("activity", "x", Span(11, 8, 11, 30)))
    (missed,) = verify_report(Report(findings=[]), module(old), module(twice)).findings
    assert missed.line == 8
