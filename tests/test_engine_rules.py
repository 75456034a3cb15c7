"""The engine rules patchlint must model, pinned on the real engines through the testdata cases.

Each test names the rule it pins and reads it off the engine's own recording of a case (the cached
history of ``old.py``, re-checked live by the conformance tests) and off the engine's replay of
``new.py`` at every cut (temporalio's ``Replayer``; DBOS crash recovery on SQLite). If an SDK
upgrade changes one of these rules, the test that names it fails, not just a case's label.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest

from tests.engines import dbos_case, temporal_case
from tests.engines.cases import CASES, HISTORIES

pytestmark = pytest.mark.engine


@cache
def temporal_verdicts(name: str) -> dict:
    """``{cut: (ok, sdk-core's message)}`` of Replayer on ``new.py`` (cut None: completed)."""
    results = temporal_case.replay(CASES / name, HISTORIES / name)
    return {r["cut"]: (r["ok"], temporal_case.engine_message(r["error"])) for r in results}


def temporal_open(name: str) -> dict:
    return {cut: verdict for cut, verdict in temporal_verdicts(name).items() if cut is not None}


def temporal_event_types(name: str) -> list[str]:
    history = json.loads((HISTORIES / name / "history.json").read_text())
    return [e["eventType"].removeprefix("EVENT_TYPE_") for e in history["events"]]


@cache
def dbos_verdicts(name: str) -> dict:
    """``{cut label: (ok, DBOS's error text)}`` of DBOS recovery under ``new.py``."""
    with tempfile.TemporaryDirectory() as tmp:
        results = dbos_case.replay(CASES / name, Path(tmp), HISTORIES / name / "dbos.json")
    return {r["label"]: (r["ok"], r["error"]) for r in results}


def dbos_rows(name: str) -> list[tuple[int, str]]:
    """``(function_id, function_name)`` of the root workflow's recorded steps."""
    export = json.loads((HISTORIES / name / "dbos.json").read_text())
    rows = export["tables"]["operation_outputs"]
    return sorted((r["function_id"], r["function_name"]) for r in rows if r["workflow_uuid"] == export["root"])


def all_ok(verdicts: dict) -> bool:
    return all(ok for ok, _ in verdicts.values())


# --- Temporal -------------------------------------------------------------------------------------


def test_temporal_matches_same_type_commands_across_tasks():
    """sdk-core matches each command to the next recorded command event by type and order, not by
    workflow task: three same-type activities scheduled together replay a run that scheduled them
    one task at a time."""
    assert all_ok(temporal_verdicts("temporal-loop-to-gather-same-type"))


def test_temporal_commands_recorded_in_one_task_must_be_issued_in_it():
    """The reverse does not hold: commands recorded in one workflow task that the new code issues
    one task at a time leave the recorded ones without a command at every open cut."""
    verdicts = temporal_open("temporal-gather-to-loop-same-type")
    assert verdicts and not any(ok for ok, _ in verdicts.values())
    assert {message for _, message in verdicts.values()} == {
        "[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 6, ActivityTaskScheduled)"
    }


def test_temporal_workflow_sleep_of_zero_records_a_timer():
    assert "TIMER_STARTED" in temporal_event_types("temporal-workflow-sleep-zero-removed")
    timer = temporal_open("temporal-workflow-sleep-zero-timer")
    assert [ok for _, (ok, _) in sorted(timer.items())] == [True, False]
    assert timer[max(timer)][1].endswith(
        "Timer machine does not handle this event: HistoryEvent(id: 11, ActivityTaskScheduled)"
    )


def test_temporal_asyncio_sleep_of_zero_issues_no_command():
    assert not any("TIMER" in t for t in temporal_event_types("temporal-asyncio-sleep-zero-removed"))
    assert all_ok(temporal_verdicts("temporal-asyncio-sleep-zero-constant"))
    assert all_ok(temporal_verdicts("temporal-asyncio-sleep-zero-removed"))


def test_temporal_timer_started_and_cancelled_in_one_activation_is_never_sent():
    """asyncio.wait_for around a coroutine that does not block starts a timer and cancels it before
    the activation ends: neither command reaches the history."""
    assert not any("TIMER" in t for t in temporal_event_types("temporal-timer-cancelled-same-activation-removed"))
    assert all_ok(temporal_verdicts("temporal-timer-cancelled-same-activation"))
    assert all_ok(temporal_verdicts("temporal-timer-cancelled-same-activation-removed"))


def test_temporal_patched_is_memoized_per_id_per_run():
    """A run that recorded a patch's marker gets True from every later `patched(id)` of that id,
    at any place: a second change guarded by a reused id runs its new branch against old history."""
    assert temporal_event_types("temporal-patch-id-reused").count("MARKER_RECORDED") == 1
    verdicts = temporal_open("temporal-patch-id-reused")
    failing = {message for ok, message in verdicts.values() if not ok}
    assert failing == {
        "[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'send_receipt' does not match "
        "activity type of activity command 'send_tracking_sms'"
    }


def test_temporal_patched_flag_read_once_guards_every_use():
    """`flag = workflow.patched(id)` is False for a run recorded without the marker, at every `if flag:`."""
    assert all_ok(temporal_verdicts("temporal-patched-flag-reused"))


def test_temporal_upsert_memo_is_a_command():
    verdicts = temporal_open("temporal-upsert-memo-insert")
    assert {m for ok, m in verdicts.values() if not ok} == {
        "[TMPRL1100] Nondeterminism error: ModifyWorkflowPropertiesMachine does not handle "
        "HistoryEvent(id: 11, ActivityTaskScheduled)"
    }


def test_temporal_renamed_update_handler_fails_only_runs_that_accepted_the_update():
    types = temporal_event_types("temporal-update-handler-renamed")
    accepted = types.index("WORKFLOW_EXECUTION_UPDATE_ACCEPTED") + 1  # event ids count from 1
    verdicts = temporal_open("temporal-update-handler-renamed")
    for cut, (ok, message) in verdicts.items():
        assert ok == (cut < accepted), (cut, message)
        if not ok:
            assert message == (
                f"[TMPRL1100] Nondeterminism error: No command scheduled for event "
                f"HistoryEvent(id: {accepted}, WorkflowExecutionUpdateAccepted)"
            )


def test_temporal_update_is_matched_by_its_registered_name():
    """A handler renamed in Python that keeps its name (`@workflow.update(name=...)`) replays."""
    assert all_ok(temporal_verdicts("temporal-update-handler-rename-keeps-name"))


def test_temporal_signal_without_a_handler_is_buffered_not_failed():
    """A recorded signal whose name no handler has any more does not fail by itself: replay fails
    only where the run, never seeing it handled, stops issuing the commands it recorded."""
    types = temporal_event_types("temporal-signal-handler-renamed")
    signaled = types.index("WORKFLOW_EXECUTION_SIGNALED") + 1
    verdicts = temporal_open("temporal-signal-handler-renamed")
    assert {cut: ok for cut, (ok, _) in verdicts.items()} == {cut: cut < signaled for cut in verdicts}
    assert {m for ok, m in verdicts.values() if not ok} == {
        "[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 15, ActivityTaskScheduled)"
    }


# --- DBOS -----------------------------------------------------------------------------------------


def test_dbos_patch_checks_only_its_own_slot():
    """`DBOS.patch(id)` reads the next function id only: a reused id at a second place, where a base
    run recorded an ordinary step, answers False and the old branch replays."""
    assert dbos_rows("dbos-patch-id-reused") == [
        (1, "DBOS.patch-express-shipping"),
        (2, "book_express_courier"),
        (3, "charge_payment"),
        (4, "send_receipt"),
    ]
    assert all_ok(dbos_verdicts("dbos-patch-id-reused"))


def test_dbos_sleep_of_zero_takes_no_function_id():
    assert dbos_rows("dbos-sleep-zero-removed") == [(1, "charge_payment"), (2, "ship_order")]
    assert all_ok(dbos_verdicts("dbos-sleep-zero-constant"))
    assert all_ok(dbos_verdicts("dbos-sleep-zero-removed"))


def test_dbos_datasource_step_is_named_by_its_options():
    assert dbos_rows("dbos-datasource-step-insert") == [(1, "create_order"), (2, "fetch_rates"), (3, "mark_paid")]
    failing = {
        dbos_case.unexpected_step(e) for ok, e in dbos_verdicts("dbos-datasource-step-insert").values() if not ok
    }
    assert failing == {(2, "fetch_rates", "audit")}


def test_dbos_run_step_is_named_by_its_options_else_the_function():
    assert dbos_rows("dbos-run-step-insert") == [(1, "reserve_stock"), (2, "charge_card"), (3, "book_courier")]
    failing = {dbos_case.unexpected_step(e) for ok, e in dbos_verdicts("dbos-run-step-insert").values() if not ok}
    assert failing == {(2, "charge_card", "fraud_check")}


def test_dbos_enqueue_workflow_takes_a_function_id_named_for_the_child():
    failing = {
        dbos_case.unexpected_step(e) for ok, e in dbos_verdicts("dbos-enqueue-workflow-insert").values() if not ok
    }
    assert failing == {(2, "ship_order", "receipt_workflow")}
