"""Every lifecycle rule's INVALID/VALID examples, run through ``check`` inside their dated git history."""

from __future__ import annotations

import pytest

from patchlint.rules import all_rules
from patchlint.testing import example_cases

LIFECYCLE = [r for r in all_rules() if r.code.startswith("PAT2")]
CASES = [pytest.param(case, id=case.id) for case in example_cases(LIFECYCLE)]


def test_every_lifecycle_rule_has_examples():
    assert [r.code for r in LIFECYCLE] == [f"PAT20{n}" for n in range(1, 10)]
    for rule in LIFECYCLE:
        assert rule.INVALID and rule.VALID, rule.code
        assert "## What it does" in rule.__doc__ and "## Why is this bad?" in rule.__doc__


@pytest.mark.parametrize("case", CASES)
def test_example(case, tmp_path):
    case.check(tmp_path, in_repo=True)
