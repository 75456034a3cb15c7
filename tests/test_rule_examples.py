"""Every rule's documented examples run as tests: INVALID ones give exactly their findings,
VALID ones give none of that rule."""

from __future__ import annotations

import pytest

from patchlint.api import analyze_texts
from patchlint.rules import all_rules

CASES = [
    pytest.param(rule, example, valid, id=f"{rule.code}-{'valid' if valid else 'invalid'}-{i}")
    for rule in all_rules()
    for valid, examples in ((False, rule.INVALID), (True, rule.VALID))
    for i, example in enumerate(examples)
    if not example.options  # examples with options (dated git history) run in test_lifecycle_examples
]


@pytest.mark.parametrize("rule, example, valid", CASES)
def test_rule_example(rule, example, valid):
    report = analyze_texts(example.old, example.new, "workflow.py")
    got = sorted((f.code, f.line) for f in report.findings if f.code == rule.code)
    expected = [] if valid else sorted(e for e in example.expect if e[0] == rule.code)
    assert got == expected, "\n".join(f.message for f in report.findings)


def test_every_rule_documents_both_sides():
    for rule in all_rules():
        doc = rule.doc()
        assert "## What it does" in doc and "## Why is this bad?" in doc, rule.code
        if rule.code == "PAT199":  # reported only when the static rules miss a break: no example can exist
            continue
        assert rule.INVALID and rule.VALID, f"{rule.code} needs an INVALID and a VALID example"
        assert rule.summary and "\n" not in rule.summary


def test_codes_are_unique_and_stable():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    assert all(c.startswith("PAT") and c[3:].isdigit() for c in codes)
