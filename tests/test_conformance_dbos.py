"""patchlint against real DBOS recovery (SQLite system database), per case and cut.

For every ``testdata/cases/dbos-*`` case: a live run of ``old.py`` must record the rows the cache
holds; every state a crash can leave the run in (each row prefix, and "blocked in recv") is
recovered by real DBOS under ``new.py``; then (a) the reference runtime, (b) ``patchlint replay``
on a JSON export of the cut and (c) the static analysis must agree with DBOS.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.integrations.cli import replay as replay_command
from patchlint.integrations.history_io import dbos_history
from tests.engines import dbos_case
from tests.engines.cases import (
    HISTORIES,
    case_dirs,
    expected_has_error,
    new_sources,
    static_has_error,
    workflow_model,
)
from tests.engines.dbos_cuts import cuts_of
from tests.engines.runtime_side import verdicts

pytestmark = pytest.mark.engine  # every test here reads or runs the real engine's recordings

CASES = case_dirs("dbos")


def _export(case: Path) -> dict | None:
    return dbos_case.load_export(HISTORIES / case.name / "dbos.json")


def _cuts(case: Path) -> list[dict]:
    export = _export(case)
    return [] if export is None else cuts_of(export["tables"]["operation_outputs"], export["root"])


CUTS = [pytest.param(case, cut["label"], id=f"{case.name}-{cut['label']}") for case in CASES for cut in _cuts(case)]
BY_CASE = [pytest.param(case, id=case.name) for case in CASES]


@cache
def engine_verdicts(case: Path) -> dict:
    """DBOS recovery under ``new.py`` of every cut of the cached recording: {label: verdict}."""
    with tempfile.TemporaryDirectory() as tmp:
        results = dbos_case.replay(case, Path(tmp), HISTORIES / case.name / "dbos.json")
    return {item["label"]: item for item in results}


def _root_rows(export: dict) -> tuple[dict, list[dict]]:
    root = export["root"]
    status = next(r for r in export["tables"]["workflow_status"] if r["workflow_uuid"] == root)
    rows = [r for r in export["tables"]["operation_outputs"] if r["workflow_uuid"] == root]
    return status, rows


def _cut_export(export: dict, label: str) -> dict:
    """The export as a crash at ``label`` leaves it: the root PENDING with the cut's rows only."""
    cut = next(c for c in cuts_of(export["tables"]["operation_outputs"], export["root"]) if c["label"] == label)
    root, keep = export["root"], set(cut["function_ids"])
    tables = dict(export["tables"])
    tables["workflow_status"] = [
        dict(r, status="PENDING") if r["workflow_uuid"] == root else r for r in tables["workflow_status"]
    ]
    tables["operation_outputs"] = [
        r for r in tables["operation_outputs"] if r["workflow_uuid"] != root or r["function_id"] in keep
    ]
    return {"root": root, "tables": tables}


@pytest.mark.parametrize("case", BY_CASE)
def test_history_is_cached(case):
    assert _export(case) is not None, (
        f"no cached history for {case.name}: run `python scripts/record_histories.py {case.name}`"
    )


@pytest.mark.parametrize("case", BY_CASE)
def test_live_recording_matches_cache(case, tmp_path):
    cached = _export(case)
    if cached is None:
        pytest.fail(f"no cached history for {case.name}")
    dbos_case.record(case, tmp_path / "db", tmp_path / "dbos.json")
    live = json.loads((tmp_path / "dbos.json").read_text())

    def names(export):
        return sorted((r["function_id"], r["function_name"]) for r in _root_rows(export)[1])

    assert names(live) == names(cached)


@pytest.mark.parametrize("case, label", CUTS)
def test_runtime_agrees_with_dbos_recovery(case, label):
    real = engine_verdicts(case)[label]
    export = _export(case)
    status, rows = _root_rows(export)
    recorded = dbos_history(status, rows)
    cut_status, cut_rows = _root_rows(_cut_export(export, label))
    old = workflow_model(case, "old", "dbos", status["name"])
    assert old is not None, f"patchlint finds no workflow {status['name']} in old.py"
    new = workflow_model(case, "new", "dbos", status["name"])
    runtime = verdicts(old, new, recorded, dbos_history(cut_status, cut_rows))
    assert runtime.matching_runs, "no run of the runtime records what real DBOS recorded"
    assert real["ok"] in runtime.oks(), f"DBOS: {real['error'] or 'ok'}; runtime: {runtime.messages() or 'ok'}"


@pytest.mark.parametrize("case, label", CUTS)
def test_runtime_message_matches_dbos(case, label):
    """When both fail, the runtime names the same step number, recorded and expected function."""
    real = engine_verdicts(case)[label]
    expected = dbos_case.unexpected_step(real["error"])
    if real["ok"] or expected is None:
        return
    export = _export(case)
    status, rows = _root_rows(export)
    cut_status, cut_rows = _root_rows(_cut_export(export, label))
    old = workflow_model(case, "old", "dbos", status["name"])
    new = workflow_model(case, "new", "dbos", status["name"])
    runtime = verdicts(old, new, dbos_history(status, rows), dbos_history(cut_status, cut_rows))
    assert expected in {dbos_case.unexpected_step(m) for m in runtime.messages()}


@pytest.mark.parametrize("case, label", CUTS)
def test_replay_command_agrees_with_dbos_recovery(case, label, tmp_path, monkeypatch):
    real = engine_verdicts(case)[label]
    history = tmp_path / "export.json"
    history.write_text(json.dumps(_cut_export(_export(case), label)))
    folder, names = new_sources(case, tmp_path / "new")
    monkeypatch.chdir(folder)  # sources by repo-relative name, so `import helpers` resolves
    sources = [arg for name in names for arg in ("--source", name)]
    result = CliRunner().invoke(replay_command, [*sources, "--format", "json", str(history)])
    assert result.exit_code in (0, 1), result.output
    [verdict] = json.loads(result.output)["results"]
    assert verdict["ok"] == real["ok"], f"DBOS: {real['error'] or 'ok'}; patchlint replay: {verdict['error'] or 'ok'}"


@pytest.mark.parametrize("case", BY_CASE)
def test_label_is_the_engines_verdict(case):
    """expected.txt holds an error exactly when the real engine fails an open cut of the recorded
    run: the label says what the engine does, whatever patchlint says today."""
    failing = [label for label, item in engine_verdicts(case).items() if not item["ok"]]
    assert expected_has_error(case) == bool(failing), (
        f"expected.txt {'has' if expected_has_error(case) else 'has no'} error; "
        f"open cuts failing on the real engine: {failing or 'none'}"
    )


@pytest.mark.parametrize("case", BY_CASE)
def test_static_error_iff_an_open_cut_fails(case):
    failing = [label for label, item in engine_verdicts(case).items() if not item["ok"]]
    assert static_has_error(case) == bool(failing), f"cuts failing on real DBOS: {failing or 'none'}"
