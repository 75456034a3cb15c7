"""Patch calls found in old revisions' text, and the eras ``git log`` yields (no core needed)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone

from patchlint.lifecycle import samples
from patchlint.lifecycle.calls import PatchCalls, scan
from patchlint.lifecycle.gitlog import History, PatchEdit, era_of
from patchlint.testing import commit, init


def test_scan_counts_calls_and_ignores_comments_and_mock_patch():
    calls = scan(
        'if workflow.patched("a"):\n'
        "    pass\n"
        "# workflow.patched('commented')\n"
        "workflow.deprecate_patch('b')\n"
        'DBOS.patch("c") and await DBOS.patch_async("c")\n'
        'mock.patch("not-a-patch")\n'
        'patched("a")  # from-import form\n'
    )
    assert calls.patched == {"a": 2, "c": 2}
    assert calls.deprecated == {"b": 1}


def _rev(day: int, patched=None, deprecated=None) -> PatchEdit:
    return PatchEdit(
        f"c{day}", datetime(2024, 1, day, tzinfo=timezone.utc), "w.py", PatchCalls(patched or {}, deprecated or {})
    )


def test_era_stages_reuse_and_growth():
    era = era_of([_rev(1), _rev(2, {"p": 1}), _rev(3, {"p": 2}), _rev(4, None, {"p": 1})], "p")
    assert (era.patched_since.commit, era.grew_at.commit, era.deprecated_since.commit) == ("c2", "c3", "c4")
    assert era.stage == "deprecated" and era.reused_after is None
    reused = era_of([_rev(1, {"p": 1}), _rev(2), _rev(3, {"p": 1})], "p")
    assert reused.reused_after.commit == "c2" and reused.patched_since.commit == "c3"
    assert era_of([_rev(1, None, {"q": 1})], "q").ever_patched is False
    assert era_of([_rev(1)], "p") is None


def test_history_follows_renames_and_sees_the_working_tree(tmp_path):
    init(tmp_path)
    commit(tmp_path, samples.TEMPORAL_INITIAL, "2024-01-01", "initial")
    commit(tmp_path, samples.TEMPORAL_PATCHED, "2024-01-10", "patched")
    (tmp_path / "flows").mkdir()
    subprocess.run(["git", "mv", "workflow.py", "flows/orders.py"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "move"], cwd=tmp_path, check=True
    )
    (tmp_path / "flows" / "orders.py").write_text(samples.TEMPORAL_DEPRECATED)
    history = History(tmp_path, datetime(2024, 6, 1, tzinfo=timezone.utc))
    era = history.era("flows/orders.py", None, "my-patch")
    assert era.patched_since.path == "workflow.py" and era.patched_since.when.date().isoformat() == "2024-01-10"
    assert era.deprecated_since.commit is None  # only in the working tree, dated "now"
    head = history.era("flows/orders.py", "HEAD", "my-patch")
    assert head.stage == "patched" and head.deprecated_since is None
