"""Every lifecycle rule's INVALID/VALID examples, run through ``check`` inside their dated git history."""

from __future__ import annotations

import pytest

from patchlint.lifecycle.examples import run_example
from patchlint.rules import all_rules

LIFECYCLE = [r for r in all_rules() if r.code.startswith("PAT2")]
CASES = [
    pytest.param(rule, kind, i, example, id=f"{rule.code}-{kind}-{i}")
    for rule in LIFECYCLE
    for kind, examples in (("invalid", rule.INVALID), ("valid", rule.VALID))
    for i, example in enumerate(examples)
]


def test_every_lifecycle_rule_has_examples():
    assert [r.code for r in LIFECYCLE] == [f"PAT20{n}" for n in range(1, 10)]
    for rule in LIFECYCLE:
        assert rule.INVALID and rule.VALID, rule.code
        assert "## What it does" in rule.__doc__ and "## Why is this bad?" in rule.__doc__


@pytest.mark.parametrize("rule, kind, index, example", CASES)
def test_example(rule, kind, index, example, tmp_path):
    report = run_example(example, tmp_path)
    own = sorted((f.code, f.line) for f in report.findings if f.code == rule.code)
    assert own == sorted(example.expect), [f.message for f in report.findings]
    if kind == "invalid":
        assert own, "an INVALID example must produce its rule's finding"
