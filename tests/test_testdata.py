"""Every testdata case through `diff` and through `check` in a real git repository: exactly the
expected findings (code, line and file in the new revision, severity)."""

from __future__ import annotations

import json

import pytest
from casedata import WORKFLOW, all_cases
from click.testing import CliRunner

from patchlint.integrations.cli import main

CASES = [pytest.param(c, id=c.name) for c in all_cases()]


# Date-driven lifecycle advice ("ready to deprecate/remove") depends on the age the temporary repo
# gives its base commit, not on the change; tests/test_lifecycle_* cover those rules.
AGE_ADVICE = {"PAT204", "PAT205"}


def _found(findings, rename: dict[str, str]):
    """(code, line, severity, file) of every finding, file named as in the new revision (a removed
    workflow type, PAT106, may point into the old revision: its file is not compared)."""
    return sorted(
        (f["code"], f["line"], f["severity"], WORKFLOW if f["code"] == "PAT106" else rename.get(f["path"], f["path"]))
        for f in findings
        if f["code"] not in AGE_ADVICE
    )


@pytest.mark.parametrize("case", CASES)
def test_diff_command(case, tmp_path, monkeypatch):
    if case.per_revision:
        # Each revision in its own folder, so its modules resolve per side (old/base.py vs new/base.py).
        case.materialize("old", tmp_path / "old")
        case.materialize("new", tmp_path / "new")
        monkeypatch.chdir(tmp_path)
        args = ["old/" + WORKFLOW, "new/" + WORKFLOW]
        rename = {f"new/{name}": name for name in case.files("new")}
    else:
        monkeypatch.chdir(case.folder)  # sibling modules (helpers.py…) resolve from the files' folder
        args = ["old.py", "new.py"]
        rename = {"new.py": WORKFLOW}
    result = CliRunner().invoke(main, ["diff", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert _found(data["findings"], rename) == case.expected_at()
    assert result.exit_code == (1 if any(s == "error" for _, _, s in case.expected()) else 0)


@pytest.mark.parametrize("case", CASES)
def test_check_command(case, tmp_path, monkeypatch):
    repo = case.make_repo(tmp_path)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    assert _found(data["findings"], {}) == case.expected_at()
    assert result.exit_code == (1 if any(s == "error" for _, _, s in case.expected()) else 0)
