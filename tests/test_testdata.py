"""Every testdata case through `diff` and through `check` in a real git repository: exactly the
expected findings (code, line in new.py, severity)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from casedata import all_cases
from patchlint.integrations.cli import main

CASES = [pytest.param(c, id=c.name) for c in all_cases()]


# Date-driven lifecycle advice ("ready to deprecate/remove") depends on the age the temporary repo
# gives its base commit, not on the change; tests/test_lifecycle_* cover those rules.
AGE_ADVICE = {"PAT204", "PAT205"}


def _triples(findings):
    return sorted((f["code"], f["line"], f["severity"]) for f in findings if f["code"] not in AGE_ADVICE)


@pytest.mark.parametrize("case", CASES)
def test_diff_command(case, monkeypatch):
    monkeypatch.chdir(case.folder)  # sibling modules (helpers.py…) resolve from the files' folder
    result = CliRunner().invoke(main, ["diff", "--format", "json", "old.py", "new.py"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert _triples(data["findings"]) == case.expected()
    assert result.exit_code == (1 if any(s == "error" for _, _, s in case.expected()) else 0)


@pytest.mark.parametrize("case", CASES)
def test_check_command(case, tmp_path, monkeypatch):
    repo = case.make_repo(tmp_path)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert _triples(data["findings"]) == case.expected()
    assert result.exit_code == (1 if any(s == "error" for _, _, s in case.expected()) else 0)
    assert all(f["path"] == "workflow.py" for f in data["findings"] if f["code"] != "PAT106")
