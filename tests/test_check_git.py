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

    proc = subprocess.run(
        [sys.executable, "-m", "patchlint", "check", "--format", "json", *args],
        check=False,
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
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
    assert (finding["code"], finding["path"], finding["line"], finding["workflow"]) == (
        "PAT104",
        "helpers.py",
        4,
        "Order",
    )


def test_moving_a_workflow_to_another_file_is_not_a_change(repo):
    git(repo, "mv", "wf.py", "orders.py")
    code, data = check(repo)
    assert code == 0 and data["findings"] == []


@pytest.mark.slow
def test_revisions_and_paths(repo):
    (repo / "wf.py").write_text(WORKFLOW.replace('"ship"', '"audit")\n        await workflow.execute_activity("ship"'))
    git(repo, "commit", "-qam", "insert audit")
    assert check(repo)[0] == 0  # HEAD vs working tree: nothing changed
    code, data = check(repo, "--base", "HEAD~1", "--head", "HEAD")
    assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]
    assert check(repo, "--base", "HEAD~1", "--head", "HEAD", "helpers.py")[1]["findings"] == []
    env = {
        "PRE_COMMIT_FROM_REF": git(repo, "rev-parse", "HEAD~1").strip(),
        "PRE_COMMIT_TO_REF": git(repo, "rev-parse", "HEAD").strip(),
    }
    code, data = check(repo, env=env)
    assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]


def test_untracked_workflow_file_is_new_not_broken(repo):
    (repo / "new_wf.py").write_text(WORKFLOW.replace("class Order", "class Refund"))
    code, data = check(repo)
    assert code == 0 and data["findings"] == []


@pytest.mark.slow
def test_config_excludes_and_severity(repo):
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    (repo / "pyproject.toml").write_text('[tool.patchlint]\nseverity = { PAT104 = "warning" }\n')
    code, data = check(repo)
    assert code == 0 and [f["severity"] for f in data["findings"]] == ["warning"]
    (repo / "pyproject.toml").write_text('[tool.patchlint]\nexclude = ["helpers.py", "wf.py"]\n')
    assert check(repo)[1]["findings"] == []


# --- git edges: odd names, symlinks, submodules, undecodable files --------------------------------

INSERTED = WORKFLOW.replace('"ship"', '"audit")\n        await workflow.execute_activity("ship"')


def run_cli(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "patchlint", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_a_committed_symlink_named_like_python_is_not_parsed(repo):
    (repo / "wf.py").write_text(INSERTED)
    (repo / "link.py").symlink_to("shared dir/wf.py")  # its blob, "shared dir/wf.py", is no Python
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "insert audit, link a file")
    for args in (("--base", "HEAD~1", "--head", "HEAD"), ("--base", "HEAD~1")):
        code, data = check(repo, *args)
        assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]
        assert data["summary"]["files"] == 1


@pytest.mark.slow
def test_a_submodule_named_like_python_is_skipped_silently(repo):
    (repo / "wf.py").write_text(INSERTED)
    git(repo, "add", "wf.py")
    elsewhere = "1234567890" * 4  # a submodule's commit lives in the submodule, not in this repository
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{elsewhere},vendored.py")  # a gitlink
    git(repo, "commit", "-qm", "insert audit, add a submodule")
    code, data = check(repo, "--base", "HEAD~1", "--head", "HEAD")
    assert code == 1 and [f["code"] for f in data["findings"]] == ["PAT101"]
    git(repo, "rm", "-q", "--cached", "vendored.py")
    git(repo, "commit", "-qm", "drop the submodule")
    code, data = check(repo, "--base", "HEAD~1", "--head", "HEAD")
    assert code == 0 and data["findings"] == []


def test_an_untracked_symlink_loop_is_no_error(repo):
    (repo / "loop_a.py").symlink_to("loop_b.py")
    (repo / "loop_b.py").symlink_to("loop_a.py")
    (repo / "wf.py").write_text(INSERTED)
    proc = run_cli(repo, "check", "--format", "json")
    assert proc.returncode == 1 and proc.stderr == ""
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["PAT101"]


def test_the_history_of_a_file_named_with_a_newline_is_read(repo):
    from patchlint.lifecycle import samples
    from patchlint.lifecycle.gitlog import History

    name = "odd\nname.py"
    (repo / name).write_text(samples.TEMPORAL_PATCHED)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "patched, in an oddly named file")
    first = git(repo, "rev-parse", "HEAD").strip()
    era = History(repo).era(name, "HEAD", "my-patch")
    assert era is not None and era.patched_since.commit == first
    proc = run_cli(repo, "patches", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["patches"]
    assert entry["path"] == name and entry["commit"] == first


def latin1(text: str) -> bytes:
    return f"# café\n{text}".encode("latin-1")


@pytest.mark.slow
def test_an_unrelated_undecodable_file_aborts_neither_check_nor_patches(repo):
    from patchlint.lifecycle import samples

    (repo / "fixtures").mkdir()
    # found by the importer search (it holds the word "helpers"), but it imports no changed module
    (repo / "fixtures" / "latin1.py").write_bytes(latin1("import temporalio  # see helpers\n"))
    (repo / "fixtures" / "blob.py").write_bytes(b"\0\1\2 dbos patch")
    (repo / "flow.py").write_text(samples.TEMPORAL_PATCHED)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixtures")
    (repo / "wf.py").write_text(INSERTED)
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    proc = run_cli(repo, "check", "--format", "json")
    assert proc.returncode == 1 and proc.stderr == ""
    proc = run_cli(repo, "patches", "--format", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert [e["path"] for e in json.loads(proc.stdout)["patches"]] == ["flow.py"]


def test_an_undecodable_workflow_importing_a_changed_helper_is_one_line_exit_2(repo):
    (repo / "wf.py").write_bytes(latin1(WORKFLOW))
    git(repo, "commit", "-qam", "workflow in latin-1")
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    proc = run_cli(repo, "check")
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("patchlint: error: wf.py") and "not valid UTF-8" in line


@pytest.mark.slow
def test_pre_commit_all_files_on_a_clean_tree_says_nothing_was_compared(repo):
    proc = run_cli(repo, "check", env={"PRE_COMMIT": "1"})
    assert proc.returncode == 0
    (line,) = proc.stderr.splitlines()
    assert line.startswith("patchlint: warning: nothing compared")
    assert "--from-ref" in line and "--to-ref" in line and "patchlint check --base origin/main" in line
    (repo / "wf.py").write_text(INSERTED)  # a staged change is compared: no warning
    git(repo, "add", "wf.py")
    assert run_cli(repo, "check", env={"PRE_COMMIT": "1"}).stderr == ""
    assert run_cli(repo, "check").stderr == ""  # outside pre-commit, a clean tree is just clean
    refs = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": "HEAD", "PRE_COMMIT_TO_REF": "HEAD"}
    assert run_cli(repo, "check", env=refs).stderr == ""  # the push stage compared what it was told


def test_an_undecodable_file_that_calls_a_patch_api_is_one_line_exit_2_in_patches(repo):
    from patchlint.lifecycle import samples

    (repo / "flow.py").write_bytes(latin1(samples.TEMPORAL_PATCHED))
    proc = run_cli(repo, "patches")
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert "flow.py: not valid UTF-8" in line


@pytest.mark.parametrize("name", ["odd\nname.py", "odd:name.py"])
@pytest.mark.slow
def test_an_unchanged_importer_with_an_odd_name_is_found(repo, name):
    git(repo, "mv", "wf.py", name)
    git(repo, "commit", "-qm", "rename the workflow")
    (repo / "helpers.py").write_text(HELPERS.replace('"charge"', '"charge_v2"'))
    git(repo, "commit", "-qam", "change the helper")
    for args in (("--base", "HEAD~1"), ("--base", "HEAD~1", "--head", "HEAD")):  # the working tree; a commit
        code, data = check(repo, *args)
        assert code == 1 and [(f["code"], f["workflow"]) for f in data["findings"]] == [("PAT104", "Order")], args
