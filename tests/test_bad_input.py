"""Bad input gets one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchlint.errors import InputError
from patchlint.integrations.git import read_worktree

WORKFLOW = """\
from temporalio import workflow

@workflow.defn
class Order:
    @workflow.run
    async def run(self):
        await workflow.execute_activity("charge")
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def patchlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patchlint", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "wf.py").write_text(WORKFLOW)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    return repo


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("patchlint: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_syntax_error_in_head(repo):
    (repo / "wf.py").write_text(WORKFLOW + "    if (:\n")
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "syntax error at line")


def test_syntax_error_in_base(repo):
    (repo / "wf.py").write_text(WORKFLOW + "    def (\n")
    git(repo, "commit", "-qam", "broken")
    (repo / "wf.py").write_text(WORKFLOW)
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "syntax error")


def test_unknown_revision(repo):
    assert_one_line_error(patchlint(repo, "check", "--base", "no-such-branch"), "unknown revision 'no-such-branch'")


def test_shallow_clone_missing_base(repo, tmp_path):
    (repo / "wf.py").write_text(WORKFLOW.replace("charge", "refund"))
    git(repo, "commit", "-qam", "two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{repo}", str(clone)], check=True)
    assert_one_line_error(patchlint(clone, "check", "--base", "HEAD~1"), "shallow clone", "git fetch")


def test_non_utf8_file(repo):
    (repo / "wf.py").write_bytes(WORKFLOW.encode() + b"# caf\xe9\n")
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "UTF-8")


def test_binary_file(repo):
    (repo / "blob.py").write_bytes(b"\x00\x01temporalio\x00")
    assert_one_line_error(patchlint(repo, "check"), "blob.py", "binary")


def test_missing_path_argument(repo):
    assert_one_line_error(patchlint(repo, "check", "nope.py"), "nope.py", "no such file")


def test_vanished_file_reads_as_input_error(repo):
    with pytest.raises(InputError, match="vanished"):
        read_worktree(repo, "gone.py")


def test_path_outside_repo(repo, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    assert_one_line_error(patchlint(repo, "check", str(outside)), "outside the repository")


def test_not_a_git_repo(tmp_path):
    assert_one_line_error(patchlint(tmp_path, "check"), "not inside a git repository")


@pytest.mark.parametrize(
    "toml, needle",
    [
        ("[tool.patchlint]\ncolour = true\n", "unknown key 'colour'"),
        ("[tool.patchlint]\nseverity = { PAT101 = \"fatal\" }\n", "expected error, warning or info"),
        ("[tool.patchlint]\nengines = [\"cadence\"]\n", "unknown engine 'cadence'"),
        ("[tool.patchlint]\nmax-workflow-lifetime = \"soon\"\n", "expected a duration"),
        ("[tool.patchlint\n", "invalid TOML"),
    ],
)
def test_invalid_config(repo, toml, needle):
    (repo / "pyproject.toml").write_text(toml)
    assert_one_line_error(patchlint(repo, "check"), "pyproject.toml", needle)


def test_diff_missing_file(tmp_path):
    (tmp_path / "a.py").write_text(WORKFLOW)
    assert_one_line_error(patchlint(tmp_path, "diff", "a.py", "b.py"), "b.py", "no such file")


def test_unknown_rule(tmp_path):
    assert_one_line_error(patchlint(tmp_path, "rules", "PAT999"), "unknown rule")


def test_nothing_is_written(repo):
    """check only reads: the working tree and the index are untouched."""
    (repo / "wf.py").write_text(WORKFLOW.replace("charge", "refund"))
    before = git(repo, "status", "--porcelain"), (repo / "wf.py").read_text()
    proc = patchlint(repo, "check")
    assert proc.returncode == 1
    assert (git(repo, "status", "--porcelain"), (repo / "wf.py").read_text()) == before
    assert os.listdir(repo) == [".git", "wf.py"] or sorted(os.listdir(repo)) == [".git", "wf.py"]
