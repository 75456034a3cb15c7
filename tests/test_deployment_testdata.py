"""Every deployment-model case (testdata/deployments/) through `diff` and through `check` in a real
git repository: exactly the expected findings. The case's own pyproject.toml, if any, is the
repository's configuration in both."""

from __future__ import annotations

import json
import shutil

import pytest
from casedata import ROOT, WORKFLOW, Case
from click.testing import CliRunner

from patchlint.integrations.cli import main
from patchlint.testing import DatedRepo

DEPLOYMENTS = ROOT / "testdata" / "deployments"
CASES = [
    pytest.param(Case(p.name, p), id=p.name) for p in sorted(DEPLOYMENTS.iterdir()) if (p / "expected.txt").is_file()
]


def _found(findings, rename: dict[str, str]):
    return sorted(
        (f["code"], f["line"], f["severity"], WORKFLOW if f["code"] == "PAT106" else rename.get(f["path"], f["path"]))
        for f in findings
    )


def test_every_model_has_a_case():
    names = {case.values[0].name for case in CASES}
    for word in (
        "pinned",
        "auto-upgrade",
        "worker-default-pinned",
        "build-id-new-set",
        "build-id-compatible",
        "new-task-queue",
        "per-deploy",
        "pinned-version",
        "version-bump",
        "versioned-name",
    ):
        assert any(word in name for name in names), word


@pytest.mark.parametrize("case", CASES)
def test_diff_command(case, tmp_path, monkeypatch):
    folder = shutil.copytree(case.folder, tmp_path / case.name)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["diff", "--format", "json", "old.py", "new.py"])
    assert result.exit_code in (0, 1), result.output
    assert _found(json.loads(result.output)["findings"], {"new.py": WORKFLOW}) == case.expected_at()
    assert result.exit_code == (1 if any(s == "error" for _, _, s in case.expected()) else 0)


@pytest.mark.parametrize("case", CASES)
def test_check_command(case, tmp_path, monkeypatch):
    repo = DatedRepo.init(tmp_path / case.name)
    config = case.folder / "pyproject.toml"
    extra = {"pyproject.toml": config.read_text(encoding="utf-8")} if config.is_file() else {}
    old, new = case.files("old"), case.files("new")
    repo.commit({**extra, **old}, "2025-01-01", "base")
    repo.write({**dict.fromkeys(set(old) - set(new)), **new})
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert _found(json.loads(result.output)["findings"], {}) == case.expected_at()


def test_the_flag_replaces_the_declared_set(tmp_path, monkeypatch):
    """The deploy pipeline knows this rollout is compatible: --deployment over pyproject.toml."""
    case = Case("temporal-build-id-new-set", DEPLOYMENTS / "temporal-build-id-new-set")
    monkeypatch.chdir(shutil.copytree(case.folder, tmp_path / case.name))
    result = CliRunner().invoke(
        main, ["diff", "--format", "json", "--deployment", "temporal=build-id-compatible", "old.py", "new.py"]
    )
    assert result.exit_code == 1 and [f["code"] for f in json.loads(result.output)["findings"]] == ["PAT101"]
