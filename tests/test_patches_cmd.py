"""``patchlint patches``: the inventory from git history, its errors, and live evidence from a real
Temporal dev server and a real DBOS SQLite system database with workflows left open in each stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.integrations.cli import patches
from patchlint.lifecycle import samples
from patchlint.testing import commit, init

FIELDS = {
    "id",
    "engine",
    "workflow",
    "path",
    "line",
    "stage",
    "since",
    "commit",
    "age_days",
    "verdict",
    "open_executions",
    "evidence",
    "deployment",
}


def days_ago(n: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def repo(tmp: Path, history: list[tuple[int, str]], lifetime: str | None = "30d") -> Path:
    """A repository whose workflow.py went through ``history`` ([(days ago, source)], oldest first)."""
    tmp.mkdir(parents=True, exist_ok=True)
    init(tmp)
    if lifetime:
        (tmp / "pyproject.toml").write_text(f'[tool.patchlint]\nmax-workflow-lifetime = "{lifetime}"\n')
    for n, text in history:
        commit(tmp, text, days_ago(n), f"{n} days ago")
    return tmp


def run(root: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(patches, list(args))
    finally:
        os.chdir(cwd)


def entries(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["patches"]


def removal_repo(tmp: Path, old: str, renamed: tuple[str, str]) -> Path:
    """A repository whose committed workflow.py defines ``old``; the working tree renames its
    workflow (``renamed``: old text, new text), so ``check`` sees the type removed (PAT106)."""
    root = repo(tmp, [(400, old)])
    (root / "workflow.py").write_text(old.replace(*renamed))
    return root


def removed_type(root: Path, *live: str) -> list[str]:
    """The PAT106 messages of ``patchlint check`` with the live options ``live``."""
    from patchlint.integrations.cli import main

    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", "--format", "json", *live])
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return [f["message"] for f in json.loads(result.output)["findings"] if f["code"] == "PAT106"]


def test_history_verdicts(tmp_path):
    root = repo(tmp_path, [(100, samples.TEMPORAL_INITIAL), (40, samples.TEMPORAL_PATCHED)])
    (root / "flow_dbos.py").write_text(samples.DBOS_DEPRECATED)  # uncommitted: deprecated today
    got = entries(run(root, "--format", "json"))
    assert all(set(e) == FIELDS for e in got)
    by_engine = {e["engine"]: e for e in got}
    temporal, dbos = by_engine["temporal"], by_engine["dbos"]
    assert (temporal["id"], temporal["workflow"], temporal["path"], temporal["line"]) == (
        "my-patch",
        "MyWorkflow",
        "workflow.py",
        samples.TEMPORAL_BODY_LINE,
    )
    assert temporal["stage"] == "patched" and temporal["verdict"] == "ready-to-deprecate"
    assert 39.5 <= temporal["age_days"] <= 40.5 and temporal["commit"] and temporal["open_executions"] is None
    assert dbos["stage"] == "deprecated" and dbos["verdict"] == "keep" and dbos["commit"] is None


def test_young_patch_is_kept_and_table_renders(tmp_path):
    root = repo(tmp_path, [(100, samples.TEMPORAL_INITIAL), (10, samples.TEMPORAL_PATCHED)])
    [entry] = entries(run(root, "--format", "json"))
    assert entry["verdict"] == "keep"
    table = run(root)
    assert table.exit_code == 0
    assert (
        "my-patch" in table.output
        and "workflow.py:20" in table.output
        and "verdicts rest on: git history" in table.output
    )


def test_unconfigured_lifetime_says_what_to_set(tmp_path):
    root = repo(tmp_path, [(400, samples.TEMPORAL_PATCHED)], lifetime=None)
    [entry] = entries(run(root, "--format", "json"))
    assert entry["verdict"] == "keep" and "max-workflow-lifetime" in entry["evidence"]


def test_unreachable_temporal_is_one_line_exit_2(tmp_path):
    root = repo(tmp_path, [(10, samples.TEMPORAL_PATCHED)])
    result = run(root, "--temporal-address", "127.0.0.1:1")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "cannot reach the Temporal server at 127.0.0.1:1" in result.output


def test_bad_dbos_database_is_one_line_exit_2(tmp_path):
    root = repo(tmp_path, [(10, samples.DBOS_PATCHED)])
    result = run(root, "--dbos-url", f"sqlite:///{tmp_path / 'missing.sqlite'}")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "missing.sqlite: no such database file" in result.output
    assert not (tmp_path / "missing.sqlite").exists()


# --- DBOS on SQLite: PENDING workflows left behind in each stage -------------------------------

DBOS_SCRIPT = """
import os, sqlite3, sys, time
from dbos import DBOS, SetWorkflowID
stage, db, wfid = sys.argv[1:]
DBOS(config={"name": "lifecycle", "system_database_url": f"sqlite:///{db}", "enable_patching": True,
             "run_admin_server": False, "application_version": "v-" + wfid})

@DBOS.step()
def pre_patch():
    return "pre"

@DBOS.step()
def post_patch():
    return "post"

@DBOS.workflow()
def my_workflow():
    if stage == "initial":
        pre_patch()
    elif stage == "patched":
        if DBOS.patch("my-patch"):
            post_patch()
        else:
            pre_patch()
    else:
        DBOS.deprecate_patch("my-patch")
        post_patch()
    return DBOS.recv("go", timeout_seconds=3600)

DBOS.launch()
with SetWorkflowID(wfid):
    DBOS.start_workflow(my_workflow)
deadline = time.time() + 60
while time.time() < deadline:  # blocked in recv once its sleep row is written
    rows = sqlite3.connect(db).execute(
        "select function_name from operation_outputs where workflow_uuid = ?", (wfid,)).fetchall()
    if any(name.startswith("DBOS.sleep") for (name,) in rows):
        print(sorted(name for (name,) in rows))
        os._exit(0)
    time.sleep(0.05)
os._exit(3)
"""


def leave_pending(tmp: Path, stage: str, db: Path, wfid: str) -> None:
    from tests.engines.sqlite_compat import PRELUDE

    script = tmp / "dbos_stage.py"
    script.write_text(PRELUDE + DBOS_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), stage, str(db), wfid],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.engine
def test_dbos_live_counts(tmp_path):
    work = tmp_path / "dbos"
    work.mkdir()
    db = work / "sys.sqlite"
    leave_pending(work, "initial", db, "wf-initial")
    leave_pending(work, "patched", db, "wf-patched")
    leave_pending(work, "deprecated", db, "wf-deprecated")
    url = f"sqlite:///{db}"
    patched_repo = repo(tmp_path / "a", [(1, samples.DBOS_PATCHED)])
    deprecated_repo = repo(tmp_path / "b", [(2, samples.DBOS_PATCHED), (1, samples.DBOS_DEPRECATED)])

    [entry] = entries(run(patched_repo, "--format", "json", "--dbos-url", url))
    assert (entry["open_executions"], entry["verdict"]) == (2, "keep")  # wf-initial, wf-deprecated: no row
    assert entry["evidence"].startswith("dbos ")
    [entry] = entries(run(deprecated_repo, "--format", "json", "--dbos-url", url))
    assert (entry["open_executions"], entry["verdict"]) == (1, "keep")  # wf-patched holds DBOS.patch-my-patch

    import sqlite3

    with sqlite3.connect(db) as con:  # the patched-era run finishes
        con.execute("update workflow_status set status = 'SUCCESS' where workflow_uuid = 'wf-patched'")
    [entry] = entries(run(deprecated_repo, "--format", "json", "--dbos-url", url))
    assert (entry["open_executions"], entry["verdict"]) == (0, "ready-to-remove")
    with sqlite3.connect(db) as con:  # and so do the ones without the row
        con.execute(
            "update workflow_status set status = 'SUCCESS' where workflow_uuid in ('wf-initial', 'wf-deprecated')"
        )
    [entry] = entries(run(patched_repo, "--format", "json", "--dbos-url", url))
    assert (entry["open_executions"], entry["verdict"]) == (0, "ready-to-deprecate")


@pytest.mark.engine
def test_dbos_open_runs_of_a_removed_workflow_type(tmp_path):
    """check --dbos-url counts the removed type's PENDING workflows: reported while one remains."""
    work = tmp_path / "dbos"
    work.mkdir()
    db = work / "sys.sqlite"
    leave_pending(work, "initial", db, "wf-open")
    root = removal_repo(tmp_path / "repo", samples.DBOS_COMPLETE, ("def my_workflow", "def my_flow"))
    url = f"sqlite:///{db}"
    [message] = removed_type(root, "--dbos-url", url)
    assert "my_workflow" in message and "1 open run can no longer recover" in message
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("update workflow_status set status = 'SUCCESS' where workflow_uuid = 'wf-open'")
    assert removed_type(root, "--dbos-url", url) == []  # none left: ready to remove
    assert len(removed_type(root)) == 1  # without the live source, a year-old type is still reported
