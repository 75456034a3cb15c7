"""``patchlint.git``: the one door to git never lets a revision become an option.

A revision reaches git from ``--base``/``--head``, pre-commit's ``PRE_COMMIT_FROM_REF`` and CI event
payloads. Git options such as ``--output=FILE`` (``git diff`` writes that file) or ``--upload-pack=CMD``
(``git fetch`` runs that command) must never be read from one: names starting with ``-`` are refused
with one line (exit 2), and every revision goes after ``--end-of-options``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchlint import git
from patchlint.errors import InputError

HOSTILE_REVISIONS = [
    "--output={marker}",
    "--upload-pack=touch {marker}",
    "-o{marker}",
    "--ext-diff",
    "-",
]


def sh(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    sh(root, "init", "-q", "-b", "main")
    (root / "a.py").write_text("x = 1\n")
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", "one")
    (root / "a.py").write_text("x = 2\n")
    sh(root, "commit", "-q", "-am", "two")
    return root


@pytest.mark.parametrize("template", HOSTILE_REVISIONS)
def test_every_entry_refuses_a_revision_that_git_would_read_as_an_option(repo: Path, tmp_path: Path, template: str):
    marker = tmp_path / "pwned"
    rev = template.format(marker=marker)
    calls = [
        lambda: git.resolve(repo, rev),
        lambda: git.changed_files(repo, rev, None),
        lambda: git.changed_files(repo, "HEAD~1", rev),
        lambda: git.show(repo, rev, "a.py"),
        lambda: git.show_many(repo, rev, ["a.py"]),
        lambda: len(git.RevisionFiles(repo, rev)),
    ]
    for call in calls:
        with pytest.raises(InputError, match="starts with '-'"):
            call()
    assert not marker.exists()


def test_changed_files_with_an_output_option_as_base_writes_nothing(repo: Path, tmp_path: Path):
    """Before ``--end-of-options`` and the check, ``git diff … --output=FILE`` wrote FILE."""
    marker = tmp_path / "written-by-git-diff"
    with pytest.raises(InputError):
        git.changed_files(repo, f"--output={marker}", "HEAD")
    assert not marker.exists()


@pytest.mark.parametrize("rev", ["", "main\n--output=x", "HEAD\0", "ma\x1bin"])
def test_empty_revisions_and_control_characters_are_refused(repo: Path, rev: str):
    with pytest.raises(InputError, match="empty or holds a control character"):
        git.resolve(repo, rev)


def test_ordinary_revisions_still_resolve(repo: Path):
    head = sh(repo, "rev-parse", "HEAD")
    assert git.resolve(repo, "HEAD") == head
    assert git.resolve(repo, "main") == head
    assert git.resolve(repo, "HEAD~1") == sh(repo, "rev-parse", "HEAD~1")
    assert git.resolve(repo, head[:10]) == head
    assert [c.new_path for c in git.changed_files(repo, "HEAD~1", "HEAD")] == ["a.py"]
    assert git.show(repo, "HEAD~1", "a.py") == "x = 1\n"


def test_a_branch_named_like_an_option_cannot_be_created_so_refusing_loses_nothing(repo: Path):
    proc = subprocess.run(["git", "check-ref-format", "--branch", "-x"], cwd=repo, capture_output=True, check=False)
    assert proc.returncode != 0


def test_show_many_reads_a_file_whose_name_holds_a_newline(repo: Path):
    (repo / "odd\nname.py").write_text("y = 1\n")
    (repo / "plain.py").write_text("z = 1\n")
    sh(repo, "add", "-A")
    sh(repo, "commit", "-q", "-m", "odd names")
    files = git.show_many(repo, "HEAD", ["odd\nname.py", "plain.py", "a.py"])
    assert files == {"odd\nname.py": "y = 1\n", "plain.py": "z = 1\n", "a.py": "x = 2\n"}
    with pytest.raises(InputError, match="not found in revision"):
        git.show_many(repo, "HEAD", ["plain.py", "missing\nname.py"])


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--base", "--head"])
def test_cli_refuses_an_option_as_revision_with_one_line_and_exit_2(repo: Path, tmp_path: Path, flag: str):
    marker = tmp_path / "pwned"
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "patchlint", "check", f"{flag}=--output={marker}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert "starts with '-'" in line and line.startswith("patchlint: error: ")
    assert not marker.exists()


def test_worktree_reads_refuse_fifos_and_symlink_loops_with_one_line(repo: Path):
    os.mkfifo(repo / "pipe.py")
    (repo / "loop.py").symlink_to("loop.py")
    (repo / "link.py").symlink_to("a.py")
    with pytest.raises(InputError, match="not a regular file"):
        git.read_worktree(repo, "pipe.py")  # never opened: it would block
    with pytest.raises(InputError, match="loop.py: cannot read it"):
        git.read_worktree(repo, "loop.py")
    assert git.read_worktree(repo, "link.py") == "x = 2\n"  # a symlink to a module reads as Python imports it
    assert not git.is_regular(repo, "link.py")  # but it is no file of its own in a change


def test_sibling_modules_of_diff_skip_fifos_and_loops(tmp_path: Path):
    from patchlint.files import FolderFiles

    os.mkfifo(tmp_path / "helper.py")
    (tmp_path / "loop.py").symlink_to("loop.py")
    (tmp_path / "ok.py").write_text("y = 1\n")
    folder = FolderFiles(tmp_path)
    assert folder.get(str(tmp_path / "helper.py")) is None and folder.get(str(tmp_path / "loop.py")) is None
    assert folder.get(str(tmp_path / "ok.py")) == "y = 1\n"


def test_toplevel_is_the_work_tree_or_none(repo: Path, tmp_path: Path):
    (repo / "sub").mkdir()
    assert git.toplevel(repo / "sub").resolve() == repo.resolve()
    outside = tmp_path / "plain"
    outside.mkdir()
    assert git.toplevel(outside) is None and git.toplevel(tmp_path / "missing") is None
    with pytest.raises(InputError, match="not inside a git repository"):
        git.repo_root(outside)


def test_a_revision_like_the_working_tree_reads_its_unchanged_files_there(repo: Path, monkeypatch):
    """The base revision of a working-tree comparison reads the files git finds unchanged from the
    working tree (no ``cat-file`` each), and only the differing ones from the commit."""
    (repo / "b.py").write_text("y = 1\n")
    sh(repo, "add", "b.py")
    sh(repo, "commit", "-q", "-m", "three")
    (repo / "a.py").write_text("x = 3\n")
    read: list[list[str]] = []
    real = git.read_blobs
    monkeypatch.setattr(git, "read_blobs", lambda root, oids: read.append(oids) or real(root, oids))
    head = git.resolve(repo, "HEAD")
    worktree = git.RevisionFiles(repo, None)
    base = git.RevisionFiles(repo, head, (worktree, frozenset({"a.py"})))
    assert base.get("b.py") == "y = 1\n" and read == []
    assert base.get("a.py") == "x = 2\n" and len(read) == 1
    assert base.get("missing.py") is None and "missing.py" not in base
