"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and any other SARIF viewer.

Code scanning keeps an alert open across pushes by its ``partialFingerprints``: they hash what the
finding *is* (rule, file, workflow, the steps where old and new part), never where it sits, so an
edit above a workflow does not close one alert and open an identical one.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from urllib.parse import quote

from patchlint import __version__
from patchlint.escape import md_code, md_text
from patchlint.findings import Finding, Report
from patchlint.report.summary import diverging_index

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/patchlint/patchlint"
RULE_DOC_URI = "https://github.com/patchlint/patchlint/blob/main/docs/rules/{code}.md"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "patchlintFinding/v1"


def _rule_descriptor(rule) -> dict:
    full = textwrap.dedent(rule.__doc__ or "").strip() or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": rule.doc()},
        "helpUri": RULE_DOC_URI.format(code=rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"tags": ["correctness", "determinism"]},
    }


def _unknown_descriptor(code: str) -> dict:
    """A finding whose code no rule module declares still needs a valid ``ruleIndex``."""
    return {"id": code, "shortDescription": {"text": code}, "helpUri": RULE_DOC_URI.format(code=code)}


def rule_descriptors(findings: list[Finding]) -> list[dict]:
    from patchlint.rules import all_rules

    rules = [_rule_descriptor(rule) for rule in all_rules()]
    known = {r["id"] for r in rules}
    extra = sorted({f.code for f in findings} - known)
    return rules + [_unknown_descriptor(code) for code in extra]


def artifact_uri(path: str) -> str:
    """A repository-relative URI reference: forward slashes, percent-encoded (a file name git gave back
    with undecodable bytes is encoded as those bytes)."""
    return quote(path.replace("\\", "/").lstrip("/"), safe="/", errors="surrogateescape")


def fingerprint(finding: Finding) -> str:
    """Stable identity: code, path, workflow and the step names where old and new diverge."""
    index = diverging_index(finding.old_steps, finding.new_steps)
    old_step = finding.old_steps[index] if index < len(finding.old_steps) else ""
    new_step = finding.new_steps[index] if index < len(finding.new_steps) else ""
    parts = [finding.code, finding.path, finding.engine, finding.workflow, old_step, new_step]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _region(finding: Finding) -> dict:
    region = {"startLine": max(finding.line, 1), "startColumn": finding.column + 1}
    if finding.end_line >= finding.line and finding.end_line > 0:
        region["endLine"] = finding.end_line
        if finding.end_line > finding.line or finding.end_column > finding.column:
            region["endColumn"] = finding.end_column + 1
    return region


def result(finding: Finding, rule_index: int, occurrence: int) -> dict:
    key = fingerprint(finding) + (f":{occurrence}" if occurrence else "")
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity.value],
        "message": _message(finding),
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": _region(finding),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: key},
        "properties": {
            "workflow": finding.workflow,
            "engine": finding.engine,
            "oldSteps": list(finding.old_steps),
            "newSteps": list(finding.new_steps),
            "engineMessage": finding.engine_message,
            "fix": finding.fix,
        },
    }


def _message(finding: Finding) -> dict:
    """``text``: the one-line message; ``markdown`` adds the engine's words and the fix as code."""
    lines = [md_text(finding.message)]
    if finding.engine_message:
        lines.append(f"engine: {md_code(finding.engine_message)}")
    if finding.fix:
        lines.append(f"fix: {md_code(finding.fix)}")
    return {"text": finding.message, "markdown": "  \n".join(lines)}


def as_dict(report: Report) -> dict:
    findings = sorted(report.findings, key=lambda f: f.sort_key())
    rules = rule_descriptors(findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    results = []
    for finding in findings:
        key = fingerprint(finding)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        results.append(result(finding, index[finding.code], occurrence))
    driver = {
        "name": "patchlint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, **_options) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"
