"""Property: the one interpreter agrees with the real engines on generated programs and edits.

``tests/strategies.py`` draws a workflow program and an edit and renders both revisions to
runnable modules. The old revision runs on the real engine (a Temporal dev server; DBOS on SQLite),
every cut of what it recorded is replayed with the new revision by the engine itself (temporalio's
``Replayer``; DBOS crash recovery), and the same cuts are replayed by patchlint's runtime on the
extracted step programs. At every cut the two must agree, and patchlint's static verdict (an
error-severity replay break) must be given whenever the engine fails an open cut.

The static verdict may also be given when the engine replays every cut: the real run took one
path (flags and loop counts of the run), the analysis holds every path. It is checked against the
runtime on all paths by ``test_property_static_vs_runtime``.

``PATCHLINT_ENGINE_EXAMPLES`` sets the number of examples per engine (default 12).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchlint.integrations.history_io import dbos_history, temporal_history
from tests.engines import dbos_case, temporal_case
from tests.engines.cases import workflow_model
from tests.engines.dbos_cuts import cuts_of
from tests.engines.runtime_side import verdicts
from tests.strategies import program_pairs, render
from tests.test_property_static_vs_runtime import static_verdict

pytestmark = [pytest.mark.engine, pytest.mark.slow]

EXAMPLES = int(os.environ.get("PATCHLINT_ENGINE_EXAMPLES", "12"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def _case(root: Path, old: str, new: str) -> Path:
    case = root / "generated"
    case.mkdir()
    (case / "old.py").write_text(old, encoding="utf-8")
    (case / "new.py").write_text(new, encoding="utf-8")
    return case


def _report(kind: str, old: str, new: str, edit, detail: str) -> str:
    return f"{kind} ({edit})\n--- old.py\n{old}\n--- new.py\n{new}\n{detail}"


@SETTINGS
@given(data=st.data())
def test_temporal_runtime_agrees_with_replayer_on_generated_edits(data, temporal_address):
    old_program, new_program, edit = data.draw(program_pairs("temporal"))
    old, new = render(old_program), render(new_program)
    with tempfile.TemporaryDirectory() as tmp:
        case = _case(Path(tmp), old, new)
        out = Path(tmp) / "history"
        temporal_case.record(case, temporal_address, out)
        real = {item["cut"]: item for item in temporal_case.replay(case, out)}
        full = json.loads((out / "history.json").read_text())
        recorded = temporal_history(full["events"])
        old_wf = workflow_model(case, "old", "temporal", recorded.workflow_type)
        new_wf = workflow_model(case, "new", "temporal", recorded.workflow_type)
        for cut, verdict in real.items():
            cut_events = full["events"] if cut is None else [e for e in full["events"] if int(e["eventId"]) <= cut]
            runtime = verdicts(old_wf, new_wf, recorded.history, temporal_history(cut_events).history)
            assert runtime.matching_runs, _report("no run of the runtime records the real history", old, new, edit, "")
            assert verdict["ok"] in runtime.oks(), _report(
                f"cut {temporal_case.cut_label(cut)}",
                old,
                new,
                edit,
                f"Replayer: {temporal_case.engine_message(verdict['error']) or 'ok'}; runtime: {runtime.messages() or 'ok'}",
            )
        fails_open = any(cut is not None and not v["ok"] for cut, v in real.items())
        static, findings = static_verdict(old, new)
        assert static or not fails_open, _report(
            "the engine fails an open cut, patchlint reports no error",
            old,
            new,
            edit,
            "\n".join(f"{f.code} {f.line}: {f.message}" for f in findings),
        )


@SETTINGS
@given(data=st.data())
def test_dbos_runtime_agrees_with_recovery_on_generated_edits(data):
    old_program, new_program, edit = data.draw(program_pairs("dbos"))
    old, new = render(old_program), render(new_program)
    with tempfile.TemporaryDirectory() as tmp:
        case = _case(Path(tmp), old, new)
        export_path = Path(tmp) / "dbos.json"
        dbos_case.record(case, Path(tmp) / "record", export_path)
        real = {item["label"]: item for item in dbos_case.replay(case, Path(tmp) / "replay", export_path)}
        export = json.loads(export_path.read_text())
        root = export["root"]
        status = next(r for r in export["tables"]["workflow_status"] if r["workflow_uuid"] == root)
        rows = [r for r in export["tables"]["operation_outputs"] if r["workflow_uuid"] == root]
        recorded = dbos_history(status, rows)
        old_wf = workflow_model(case, "old", "dbos", status["name"])
        new_wf = workflow_model(case, "new", "dbos", status["name"])
        for cut in cuts_of(export["tables"]["operation_outputs"], root):
            keep = set(cut["function_ids"])
            cut_history = dbos_history({**status, "status": "PENDING"}, [r for r in rows if r["function_id"] in keep])
            runtime = verdicts(old_wf, new_wf, recorded, cut_history)
            verdict = real[cut["label"]]
            assert runtime.matching_runs, _report("no run of the runtime records the real rows", old, new, edit, "")
            assert verdict["ok"] in runtime.oks(), _report(
                f"cut {cut['label']}",
                old,
                new,
                edit,
                f"DBOS: {verdict['error'] or 'ok'}; runtime: {runtime.messages() or 'ok'}",
            )
        fails_open = any(not v["ok"] for v in real.values())
        static, findings = static_verdict(old, new)
        assert static or not fails_open, _report(
            "DBOS fails an open cut, patchlint reports no error",
            old,
            new,
            edit,
            "\n".join(f"{f.code} {f.line}: {f.message}" for f in findings),
        )
