"""``--format json``: the documented, stable machine format."""

from __future__ import annotations

import json

from patchlint.findings import Report


def as_dict(report: Report) -> dict:
    findings = sorted(report.findings, key=lambda f: f.sort_key())
    return {
        "findings": [f.to_json() for f in findings],
        "summary": {
            "files": report.files,
            "workflows": report.workflows,
            "errors": sum(f.severity.value == "error" for f in findings),
            "warnings": sum(f.severity.value == "warning" for f in findings),
        },
    }


def render(report: Report, **_options) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"
