"""Every rule's documented examples run as tests: INVALID ones give exactly their findings,
VALID ones give none of that rule."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

import patchlint
from patchlint.rules import all_rules
from patchlint.rules.snippets import dbos, temporal
from patchlint.testing import ExampleCase, example_cases

# examples with options (a dated git history) run in test_lifecycle_examples
CASES = [pytest.param(case, id=case.id) for case in example_cases() if not case.dated]


@pytest.mark.parametrize("case", CASES)
def test_rule_example(case):
    case.check()


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


def test_the_runner_fails_a_wrong_example():
    case = next(c for c in example_cases() if c.id == "PAT101-invalid-0")
    wrong_line = ExampleCase(case.rule, False, 0, replace(case.example, expect=(("PAT101", 1),)))
    with pytest.raises(
        AssertionError, match=r"PAT101-invalid-0: expected \[\('PAT101', 1\)\], got \[\('PAT101', 8\)\]"
    ):
        wrong_line.check()
    reporting = ExampleCase(case.rule, True, 0, replace(case.example, expect=()))
    with pytest.raises(AssertionError, match="a VALID example must not report PAT101"):
        reporting.check()
    silent = ExampleCase(case.rule, False, 0, replace(case.example, new=case.example.old, expect=()))
    with pytest.raises(AssertionError, match="an INVALID example must report PAT101"):
        silent.check()


def test_the_harness_sits_above_the_package():
    """Nothing in patchlint imports patchlint.testing, and lifecycle (which the rules import) imports
    no rule: the example runner lives in testing.py, above both."""
    package = Path(patchlint.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        name = path.relative_to(package.parent).with_suffix("").as_posix().replace("/", ".")
        if name != "patchlint.testing":
            assert "patchlint.testing" not in imported, name
        if name.startswith("patchlint.lifecycle"):
            assert not any(m.startswith("patchlint.rules") for m in imported), name


SNIPPETS = {
    "temporal": temporal(),
    "temporal-options": temporal(
        "Pay", imports="import asyncio\nfrom temporalio import workflow", defs="X = 1", defn='@workflow.defn(name="P")'
    ),
    "dbos": dbos(),
    "dbos-steps": dbos("a", "b", name="flow"),
}


@pytest.mark.parametrize("snippet", SNIPPETS.values(), ids=SNIPPETS.keys())
def test_snippet_lines_point_into_the_module(snippet):
    lines = snippet("x = 1", "if x:", "    y = 2").splitlines()
    assert [lines[snippet.line(n) - 1].strip() for n in (1, 2, 3)] == ["x = 1", "if x:", "y = 2"]
    assert lines[snippet.workflow_line - 1].startswith(("class ", "def ")), lines
    ast.parse("\n".join(lines))  # a complete module
