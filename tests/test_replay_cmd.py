"""``patchlint replay`` and the history readers, on histories recorded from the real engines.

The histories are the cached real recordings in ``testdata/histories`` (the conformance tests
check them against live runs); nothing here needs a server.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.integrations.cli import replay
from patchlint.integrations.history_io import load_dbos_url, load_history_file

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "testdata" / "cases"
HISTORIES = ROOT / "testdata" / "histories"
TEMPORAL = "temporal-insert-middle"  # send_invoice inserted before ship_order
DBOS = "dbos-insert-middle"  # the same change on DBOS


def _cut(case: str, last_event: int | None) -> dict:
    full = json.loads((HISTORIES / case / "history.json").read_text())
    if last_event is None:
        return full
    return {**full, "events": [e for e in full["events"] if int(e["eventId"]) <= last_event]}


def _cuts(case: str) -> list[int]:
    return json.loads((HISTORIES / case / "cuts.json").read_text())["cuts"]


def _run(*args: str):
    return CliRunner().invoke(replay, list(args))


def _pascal(document: dict) -> dict:
    """The older CLI spelling: ``WorkflowTaskCompleted`` instead of ``EVENT_TYPE_WORKFLOW_TASK_COMPLETED``."""

    def spell(kind: str) -> str:
        return "".join(w.capitalize() for w in kind[len("EVENT_TYPE_") :].split("_"))

    return {**document, "events": [{**e, "eventType": spell(e["eventType"])} for e in document["events"]]}


def test_both_json_spellings_read_the_same(tmp_path):
    document = _cut(TEMPORAL, None)
    (tmp_path / "a.json").write_text(json.dumps(document))
    (tmp_path / "b.json").write_text(json.dumps(_pascal(document)))
    (tmp_path / "c.jsonl").write_text(json.dumps(document) + "\n")
    [a] = load_history_file(str(tmp_path / "a.json"))
    [b] = load_history_file(str(tmp_path / "b.json"))
    [c] = load_history_file(str(tmp_path / "c.jsonl"))
    assert a.history == b.history == c.history
    assert a.history.completed
    assert [e.name for e in a.history.events] == ["reserve_stock", "charge_payment", "ship_order"]
    assert a.workflow_type == "OrderWorkflow"


def test_an_open_cut_before_the_change_replays(tmp_path):
    history = tmp_path / "cut.json"
    history.write_text(json.dumps(_cut(TEMPORAL, _cuts(TEMPORAL)[0])))
    result = _run("--source", str(CASES / TEMPORAL / "new.py"), "--format", "json", str(history))
    assert result.exit_code == 0, result.output
    [verdict] = json.loads(result.output)["results"]
    assert verdict == {
        "history": str(history),
        "workflow_id": f"{TEMPORAL}-recorded",
        "workflow_type": "OrderWorkflow",
        "ok": True,
        "event_id": None,
        "error": None,
    }


def test_a_cut_after_the_change_fails_at_the_real_event(tmp_path):
    last = _cuts(TEMPORAL)[-1]
    history = tmp_path / "cut.json"
    history.write_text(json.dumps(_cut(TEMPORAL, last)))
    result = _run("--source", str(CASES / TEMPORAL / "new.py"), "--format", "json", str(history))
    assert result.exit_code == 1
    [verdict] = json.loads(result.output)["results"]
    assert verdict["ok"] is False
    assert verdict["event_id"] == last  # the ActivityTaskScheduled of ship_order
    assert "'ship_order' does not match activity type of activity command 'send_invoice'" in verdict["error"]


def test_text_output_names_history_and_cut(tmp_path):
    history = tmp_path / "cut.json"
    history.write_text(json.dumps(_cut(TEMPORAL, _cuts(TEMPORAL)[-1])))
    result = _run("--source", str(CASES / TEMPORAL / "new.py"), str(history))
    assert result.exit_code == 1
    # one numbering: the event replay fails at and the cut, both HistoryEvent ids
    assert re.search(r"OrderWorkflow .*FAILS at event 17 \(paused after event 17 \(ship_order\)\)", result.output)


def test_the_old_code_replays_its_own_history(tmp_path):
    history = tmp_path / "full.json"
    history.write_text(json.dumps(_cut(TEMPORAL, None)))
    assert _run("--source", str(CASES / TEMPORAL / "old.py"), str(history)).exit_code == 0


def test_a_removed_workflow_type_fails(tmp_path):
    history = tmp_path / "full.json"
    history.write_text(json.dumps(_cut(TEMPORAL, None)))
    source = tmp_path / "other.py"
    source.write_text("from temporalio import workflow\n")
    result = _run("--source", str(source), "--format", "json", str(history))
    assert result.exit_code == 1
    assert "not defined in the head revision" in json.loads(result.output)["results"][0]["error"]


def _pending_db(tmp_path: Path, rows: list[tuple[int, str]]) -> str:
    """A DBOS-shaped SQLite system database holding one PENDING workflow with ``rows``."""
    db = tmp_path / "sys.db"
    con = sqlite3.connect(db)
    con.execute(
        "create table workflow_status (workflow_uuid text, name text, status text, "
        "parent_workflow_id text, created_at integer)"
    )
    con.execute("create table operation_outputs (workflow_uuid text, function_id integer, function_name text)")
    con.execute("insert into workflow_status values ('wf-1', 'order_workflow', 'PENDING', null, 1)")
    con.execute("insert into workflow_status values ('wf-0', 'order_workflow', 'SUCCESS', null, 0)")
    con.executemany("insert into operation_outputs values ('wf-1', ?, ?)", rows)
    con.commit()
    con.close()
    return f"sqlite:///{db}"


def test_dbos_pending_workflow_from_a_database(tmp_path):
    export = json.loads((HISTORIES / DBOS / "dbos.json").read_text())
    rows = [(r["function_id"], r["function_name"]) for r in export["tables"]["operation_outputs"]]
    url = _pending_db(tmp_path, rows)
    [loaded] = load_dbos_url(url)  # the completed workflow is never recovered, so not read
    assert loaded.workflow_id == "wf-1" and not loaded.history.completed
    result = _run("--source", str(CASES / DBOS / "new.py"), "--dbos-url", url, "--format", "json")
    assert result.exit_code == 1
    [verdict] = json.loads(result.output)["results"]
    assert verdict["event_id"] == 3
    assert "step 3, function ship_order was recorded when send_invoice was expected" in verdict["error"]


def test_dbos_export_paused_before_the_change_replays(tmp_path):
    export = json.loads((HISTORIES / DBOS / "dbos.json").read_text())
    root = export["root"]
    export["tables"]["workflow_status"] = [
        dict(r, status="PENDING") for r in export["tables"]["workflow_status"] if r["workflow_uuid"] == root
    ]
    export["tables"]["operation_outputs"] = [r for r in export["tables"]["operation_outputs"] if r["function_id"] <= 2]
    history = tmp_path / "export.json"
    history.write_text(json.dumps(export))
    assert _run("--source", str(CASES / DBOS / "new.py"), str(history)).exit_code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.json"], "missing.json: no such file"),
        (["--source", "a.py", "--head", "HEAD", "x.json"], "either --head or --source"),
        ([], "nothing to replay"),
        (["--dbos-url", "mysql://x"], "unsupported DBOS database URL"),
        (["bad.json"], "not a Temporal history"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text('{"nope": 1}')
    result = CliRunner(mix_stderr=False).invoke(replay, args) if _mixes() else CliRunner().invoke(replay, args)
    assert result.exit_code == 2
    err = result.stderr if hasattr(result, "stderr") and result.stderr else result.output
    assert len(err.strip().splitlines()) == 1 and message in err


def _mixes() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner).parameters


@pytest.mark.slow
def test_a_large_history_is_read_in_little_memory(tmp_path):
    """Peak memory while reading a 30 MB history stays under 2x the file (json.loads took ~7x):
    measured in a fresh process by ``benchmarks/bench_history_memory.py``'s own probe."""
    import importlib.util
    import subprocess
    import sys

    spec = importlib.util.spec_from_file_location(
        "bench_history_memory", ROOT / "benchmarks" / "bench_history_memory.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    history = tmp_path / "big.json"
    activities = bench.write_history(history, 30)
    proc = subprocess.run(
        [sys.executable, "-c", bench.MEASURE, str(history)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    peak_kib, _, commands = proc.stdout.split()
    assert int(commands) == activities
    assert int(peak_kib) * 1024 <= 2 * history.stat().st_size
