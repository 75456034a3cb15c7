"""`patchlint check` inside real git repositories: revisions, renames, helpers in other modules,
path limits and pre-commit's push-stage refs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

WORKFLOW = """\
from temporalio import workflow
from helpers import pay

@workflow.defn
class Order:
    @workflow.run
    async def run(self):
        await workflow.execute_activity("reserve")
        await pay("o1")
        await workflow.execute_activity("ship")
"""
HELPERS = """\
from temporalio import workflow

async def pay(order):
    await workflow.execute_activity("charge", order)
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def check(repo: Path, *args: str, env: dict | None = None) -> tuple[int, dict]:
    import os

    proc = subprocess.run([sys.executable, "-m", "patchlint", "check", "--format", "json", *args],
                          cwd=repo, capture_output=True, text=True, env={**os.environ, **(env or {})})
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "wf.py").write_text(WORKFLOW)
    (repo / "helpers.py").write_text(HELPERS)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def test_clean_tree_has_nothing_to_say(repo):
    code, data = check(repo)
    assert code == 0 and data["findings"] == [] and data["summary"]["files"] == 0


def test_change_in_a_helper_module_breaks_the_unchanged_workflow(repo):
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    code, data = check(repo)
    assert code == 1
    [finding] = data["findings"]
    assert (finding["code"], finding["path"], finding["line"], finding["workflow"]) == ("PAT104", "helpers.py", 4, "Order")


def test_moving_a_workflow_to_another_file_is_not_a_change(repo):
    git(repo, "mv", "wf.py", "orders.py")
    code, data = check(repo)
    assert code == 0 and data["findings"] == []


def test_revisions_and_paths(repo):
    (repo / "wf.py").write_text(WORKFLOW.replace('"ship"', '"audit")\n        await workflow.execute_activity("ship"'))
    git(repo, "commit", "-qam", "insert audit")
    assert check(repo)[0] == 0  # HEAD vs working tree: nothing changed
    code, data = check(repo, "--base", "HEAD~1", "--head", "HEAD")
    assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]
    assert check(repo, "--base", "HEAD~1", "--head", "HEAD", "helpers.py")[1]["findings"] == []
    env = {"PRE_COMMIT_FROM_REF": git(repo, "rev-parse", "HEAD~1").strip(),
           "PRE_COMMIT_TO_REF": git(repo, "rev-parse", "HEAD").strip()}
    code, data = check(repo, env=env)
    assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]


def test_untracked_workflow_file_is_new_not_broken(repo):
    (repo / "new_wf.py").write_text(WORKFLOW.replace("class Order", "class Refund"))
    code, data = check(repo)
    assert code == 0 and data["findings"] == []


def test_config_excludes_and_severity(repo):
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    (repo / "pyproject.toml").write_text('[tool.patchlint]\nseverity = { PAT104 = "warning" }\n')
    code, data = check(repo)
    assert code == 0 and [f["severity"] for f in data["findings"]] == ["warning"]
    (repo / "pyproject.toml").write_text('[tool.patchlint]\nexclude = ["helpers.py", "wf.py"]\n')
    assert check(repo)[1]["findings"] == []
