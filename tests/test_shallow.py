"""Shallow clones never invent a date: a patch whose history a ``git clone --depth N`` cut off has an
unknown lifecycle, said once on stderr with the fix, and no date-based rule fires on it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from patchlint import git
from patchlint.lifecycle import samples
from patchlint.testing import commit, init

pytestmark = pytest.mark.slow  # several subprocesses and clones


def days_ago(n: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def origin(tmp: Path, history: list[tuple[int, str]]) -> Path:
    """A repository whose workflow.py went through ``history`` ([(days ago, source)], oldest first)."""
    root = tmp / "origin"
    root.mkdir()
    init(root)
    (root / "pyproject.toml").write_text('[tool.patchlint]\nmax-workflow-lifetime = "30d"\n')
    for n, text in history:
        commit(root, text, days_ago(n), f"{n} days ago")
    return root


def clone(src: Path, dest: Path, depth: int) -> Path:
    subprocess.run(["git", "clone", "-q", f"--depth={depth}", src.as_uri(), str(dest)], check=True)
    return dest


def patchlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patchlint", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def codes(proc) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return [f["code"] for f in json.loads(proc.stdout)["findings"]]


def warnings(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("patchlint: warning: ")]


# The patch arrived a year ago; an unrelated commit two days ago; deprecated yesterday.
OLD_PATCH = [(365, samples.TEMPORAL_PATCHED), (2, samples.TEMPORAL_PATCHED), (1, samples.TEMPORAL_DEPRECATED)]


def test_shallow_boundary_is_the_commit_without_parents(tmp_path):
    src = origin(tmp_path, OLD_PATCH)
    shallow = clone(src, tmp_path / "shallow", 2)
    parent = subprocess.run(
        ["git", "rev-parse", "HEAD~1"], cwd=shallow, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git.shallow_boundary(shallow) == {parent} and git.is_shallow(shallow)
    assert git.shallow_boundary(src) == frozenset() and not git.is_shallow(src)


def test_check_on_a_shallow_clone_does_not_date_an_old_patch_at_the_boundary(tmp_path):
    src = origin(tmp_path, OLD_PATCH)
    full = patchlint(src, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert codes(full) == [] and warnings(full) == []  # a year old: deprecating it is fine
    shallow = clone(src, tmp_path / "shallow", 2)
    proc = patchlint(shallow, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert "PAT202" not in codes(proc)  # was: "only arrived on <two days ago>", a date the clone made up
    (note,) = warnings(proc)
    assert "shallow" in note and "git fetch --unshallow" in note and "fetch-depth: 0" in note


def test_dates_inside_a_shallow_clone_are_still_used(tmp_path):
    src = origin(
        tmp_path, [(365, samples.TEMPORAL_INITIAL), (10, samples.TEMPORAL_PATCHED), (1, samples.TEMPORAL_DEPRECATED)]
    )
    shallow = clone(src, tmp_path / "shallow", 2)  # the boundary is the patch's own commit: unknown
    proc = patchlint(shallow, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert "PAT202" not in codes(proc) and len(warnings(proc)) == 1
    deeper = clone(src, tmp_path / "deeper", 3)  # the boundary holds no patch: the patch's date is real
    proc = patchlint(deeper, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert codes(proc) == ["PAT202"] and warnings(proc) == []


def test_patches_on_a_shallow_clone_reports_the_age_as_unknown(tmp_path):
    src = origin(tmp_path, OLD_PATCH[:2])
    full = patchlint(src, "patches", "--format", "json")
    (entry,) = json.loads(full.stdout)["patches"]
    assert entry["age_days"] >= 364 and entry["verdict"] == "ready-to-deprecate" and warnings(full) == []
    shallow = clone(src, tmp_path / "shallow", 1)
    proc = patchlint(shallow, "patches", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["patches"]
    assert (entry["since"], entry["commit"], entry["age_days"], entry["verdict"]) == (None, None, None, "unknown")
    (note,) = warnings(proc)
    assert "git fetch --unshallow" in note
    table = patchlint(shallow, "patches")
    assert "unknown" in table.stdout and "(uncommitted)" not in table.stdout and len(warnings(table)) == 1


def test_a_boundary_older_than_the_lifetime_settles_the_verdict_without_a_date(tmp_path):
    src = origin(
        tmp_path, [(365, samples.TEMPORAL_PATCHED), (200, samples.TEMPORAL_PATCHED), (1, samples.TEMPORAL_DEPRECATED)]
    )
    shallow = clone(src, tmp_path / "shallow", 2)  # boundary: 200 days ago, the patch older still
    proc = patchlint(shallow, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    assert codes(proc) == [] and warnings(proc) == []  # older than 30 days whatever its date: nothing to say
    subprocess.run(["git", "checkout", "-q", "HEAD~1"], cwd=shallow, check=True)
    proc = patchlint(shallow, "patches", "--format", "json")
    (entry,) = json.loads(proc.stdout)["patches"]
    assert (entry["since"], entry["age_days"], entry["verdict"]) == (None, None, "ready-to-deprecate")
    assert "shallow clone" in entry["evidence"] and warnings(proc) == []


def test_a_shallow_clone_does_not_claim_an_id_was_never_patched(tmp_path):
    from patchlint.lifecycle.gitlog import History

    src = origin(tmp_path, [(365, samples.TEMPORAL_PATCHED), (200, samples.TEMPORAL_DEPRECATED)])
    assert History(src).ever_patched("workflow.py", "HEAD", "my-patch")
    shallow = clone(src, tmp_path / "shallow", 1)  # only the deprecation: the patch is before the boundary
    assert History(shallow).ever_patched("workflow.py", "HEAD", "my-patch")  # PAT208 must not say "never"
    assert not History(shallow).ever_patched("workflow.py", "HEAD", "other-id")
