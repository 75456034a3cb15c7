"""The pre-commit hooks, run by real ``pre-commit try-repo`` in a temporary repository.

``try-repo`` installs the hook repository the way a user's pre-commit would (a virtualenv with
patchlint pip-installed from it), so this also proves ``.pre-commit-hooks.yaml`` and the package
install. try-repo needs the hook repository committed: the current working tree of this checkout
is copied into a temporary git repository and committed there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_action import GUARDED
from test_flake8_plugin import INSERTED_LINE, NEW, OLD

pytestmark = pytest.mark.slow  # pre-commit builds a virtualenv and runs git and patchlint per test

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """This checkout's working tree (tracked and untracked, not ignored), committed in a fresh repo."""
    dest = tmp_path_factory.mktemp("hook-repo")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "patchlint under test")
    return dest


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory) -> Path:
    """One pre-commit cache per session, so the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(hook_repo: Path, home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GITHUB_"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def user_repo(tmp: Path) -> Path:
    repo = tmp / "user-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app").mkdir()
    (repo / "app" / "workflow.py").write_text(OLD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "workflow in production")
    return repo


def stage(repo: Path, text: str) -> None:
    (repo / "app" / "workflow.py").write_text(text)
    git(repo, "add", "app/workflow.py")


def commit(repo: Path, text: str) -> str:
    stage(repo, text)
    git(repo, "commit", "-q", "-m", "change")
    return git(repo, "rev-parse", "HEAD")


def test_commit_stage_fails_on_a_breaking_staged_change(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    stage(repo, NEW)
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout and f"app/workflow.py:{INSERTED_LINE}" in proc.stdout and "PAT101" in proc.stdout


def test_commit_stage_passes_on_a_guarded_change(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    stage(repo, GUARDED)
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_commit_stage_checks_what_is_staged_not_unstaged_edits(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    stage(repo, GUARDED)
    (repo / "app" / "workflow.py").write_text(NEW)  # breaking, but not staged: pre-commit stashes it
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "app" / "workflow.py").read_text() == NEW  # and puts it back


def test_push_stage_fails_on_a_breaking_commit_whatever_the_working_tree(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, NEW)
    (repo / "app" / "workflow.py").write_text(GUARDED)  # the working tree is not what is pushed
    proc = try_repo(
        hook_repo,
        precommit_home,
        repo,
        "patchlint-push",
        "--hook-stage",
        "pre-push",
        "--from-ref",
        before,
        "--to-ref",
        after,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"app/workflow.py:{INSERTED_LINE}" in proc.stdout and "PAT101" in proc.stdout


def test_push_stage_passes_on_a_guarded_commit_whatever_the_working_tree(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, GUARDED)
    (repo / "app" / "workflow.py").write_text(NEW)
    proc = try_repo(
        hook_repo,
        precommit_home,
        repo,
        "patchlint-push",
        "--hook-stage",
        "pre-push",
        "--from-ref",
        before,
        "--to-ref",
        after,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_push_hook_does_not_run_at_commit_and_commit_hook_not_at_push(hook_repo, precommit_home, tmp_path):
    repo = user_repo(tmp_path)
    stage(repo, NEW)
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint-push")
    assert proc.returncode == 1
    assert "No hook with id `patchlint-push` in stage `pre-commit`" in proc.stdout + proc.stderr
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, NEW)
    proc = try_repo(
        hook_repo,
        precommit_home,
        repo,
        "patchlint",
        "--hook-stage",
        "pre-push",
        "--from-ref",
        before,
        "--to-ref",
        after,
    )
    assert proc.returncode == 1 and "No hook with id `patchlint` in stage `pre-push`" in proc.stdout + proc.stderr


def test_all_files_in_ci_says_nothing_was_compared_and_from_ref_to_ref_compares(hook_repo, precommit_home, tmp_path):
    """CI runs `pre-commit run --all-files` on a clean checkout: HEAD against itself. The hook passes
    but says so (pre-commit shows a passing hook's output with --verbose); the README's CI command,
    --from-ref/--to-ref, compares the pushed commits and finds the break."""
    repo = user_repo(tmp_path)
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, NEW)
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint", "--all-files", "--verbose")
    assert proc.returncode == 0 and "Passed" in proc.stdout, proc.stdout + proc.stderr
    assert "patchlint: warning: nothing compared" in proc.stdout and "--from-ref" in proc.stdout
    proc = try_repo(hook_repo, precommit_home, repo, "patchlint", "--from-ref", before, "--to-ref", after)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"app/workflow.py:{INSERTED_LINE}" in proc.stdout and "PAT101" in proc.stdout
    assert "nothing compared" not in proc.stdout
