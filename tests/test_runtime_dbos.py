"""The DBOS reference runtime against hand-built step programs (no extraction involved).

Expected texts are ``DBOSUnexpectedStepError``'s as DBOS prints it (dbos/_error.py); verdicts
follow dbos 3.4's ``check_operation_execution``, ``record_sleep``, ``patch`` and ``deprecate_patch``.
"""

from __future__ import annotations

from patchlint.model.program import NOWHERE, DeprecatePatch, If, Patched, Return, Seq, Step, Workflow
from patchlint.semantics import dbos
from patchlint.semantics.history import DbosHistory, DbosRow


def step(name, slots=1):
    return Step("dbos_step", name, slots=slots)


def recv():
    return step("DBOS.recv", slots=2)


def seq(*items):
    return Seq(tuple(items))


def wf(*items):
    return Workflow("dbos", "checkout", "workflow.py", NOWHERE, seq(*items))


def unexpected(n, recorded, expected):
    return (
        f"DBOSUnexpectedStepError: DBOS Error 11: During execution of workflow <workflow-id> step {n}, "
        f"function {recorded} was recorded when {expected} was expected. "
        "Check that your workflow is deterministic."
    )


def outcomes(old, new, choices=None):
    choices = choices or {}
    return {
        h.describe(): (r.message if not (r := dbos.replay(new, h, choices)).ok else "ok")
        for h in dbos.record(old, choices)
    }


def test_record_numbers_operations_and_cuts_after_each():
    histories = dbos.record(wf(step("a"), step("b")), {})
    assert [h.describe() for h in histories] == [
        "paused after step 1 (a)",
        "paused after step 2 (b)",
        "completed",
    ]
    assert histories[-1].rows == (DbosRow(1, "a"), DbosRow(2, "b"))


def test_recv_takes_two_ids_and_leaves_a_gap_while_blocked():
    histories = dbos.record(wf(step("a"), recv(), step("b")), {})
    blocked = histories[1]
    assert blocked.describe() == "blocked in DBOS.recv at step 2"
    assert blocked.rows == (DbosRow(1, "a"), DbosRow(3, "DBOS.sleep"))
    assert histories[2].rows == (DbosRow(1, "a"), DbosRow(2, "DBOS.recv"), DbosRow(3, "DBOS.sleep"))
    assert histories[3].rows[-1] == DbosRow(4, "b")


def test_inserted_step_fails_at_the_first_recorded_id_it_shifts():
    result = outcomes(wf(step("a"), step("b")), wf(step("a"), step("x"), step("b")))
    assert result["paused after step 1 (a)"] == "ok"
    assert result["paused after step 2 (b)"] == unexpected(2, "b", "x")


def test_appended_step_and_removed_last_step_replay_and_completed_runs_are_never_recovered():
    old = wf(step("a"), step("b"))
    assert set(outcomes(old, wf(step("a"), step("b"), step("c"))).values()) == {"ok"}
    assert set(outcomes(old, wf(step("a"))).values()) == {"ok"}
    completed = dbos.record(old, {})[-1]
    assert dbos.replay(wf(step("z")), completed, {}).ok


def test_removed_middle_step():
    result = outcomes(wf(step("a"), step("b"), step("c")), wf(step("a"), step("c")))
    assert result["paused after step 2 (b)"] == unexpected(2, "b", "c")


def test_patch_guard_takes_old_branch_when_another_step_is_recorded_there():
    old = wf(step("a"), step("c"))
    new = wf(step("a"), Patched("add-b", new=seq(step("b")), old=seq()), step("c"))
    assert set(outcomes(old, new).values()) == {"ok"}
    assert set(outcomes(new, new).values()) == {"ok"}
    assert dbos.record(new, {})[-1].rows[1] == DbosRow(2, "DBOS.patch-add-b")


def test_patch_before_a_blocked_recv_writes_its_marker_into_the_gap():
    old = wf(step("a"), recv(), step("b"))
    new = wf(step("a"), Patched("p", new=seq(step("x")), old=seq()), recv(), step("b"))
    result = outcomes(old, new)
    assert result["blocked in DBOS.recv at step 2"] == unexpected(3, "DBOS.sleep", "x")
    assert result["paused after step 2 (DBOS.recv)"] == "ok"


def test_recv_whose_row_is_missing_checks_its_sleep_row():
    old = wf(step("a"), recv())
    new = wf(recv())
    assert outcomes(old, new)["blocked in DBOS.recv at step 2"] == unexpected(1, "a", "DBOS.recv")
    gap = DbosHistory("checkout", (DbosRow(2, "x"),), False)
    assert dbos.replay(new, gap, {}).message == unexpected(2, "x", "DBOS.sleep")


def test_patch_removed_without_deprecation_meets_its_marker():
    old = wf(step("a"), Patched("p", new=seq(step("b")), old=seq()))
    result = outcomes(old, wf(step("a"), step("b")))
    assert result["paused after step 2 (DBOS.patch-p)"] == unexpected(2, "DBOS.patch-p", "b")


def test_deprecate_patch_skips_the_marker_and_consumes_nothing_otherwise():
    patched = wf(step("a"), Patched("p", new=seq(step("b")), old=seq()))
    deprecated = wf(step("a"), DeprecatePatch("p"), step("b"))
    assert set(outcomes(patched, deprecated).values()) == {"ok"}
    assert dbos.record(deprecated, {})[-1].rows == (DbosRow(1, "a"), DbosRow(2, "b"))
    assert set(outcomes(deprecated, wf(step("a"), step("b"))).values()) == {"ok"}


def test_conditions_and_early_return():
    old = wf(If("order.express", seq(step("a"), Return()), seq()), step("b"))
    histories = dbos.record(old, {("if", "order.express"): True})
    assert histories[-1].rows == (DbosRow(1, "a"),)
    new = wf(If("order.express", seq(step("a"), Return()), seq()), step("x"))
    assert set(outcomes(old, new, {("if", "order.express"): True}).values()) == {"ok"}
    assert outcomes(old, new, {("if", "order.express"): False})["paused after step 1 (b)"] == (unexpected(1, "b", "x"))


def test_deleting_a_recv_moves_a_patch_into_the_gap_of_a_blocked_run():
    # measured on real DBOS 3.4: the patch finds slot 3 empty (the run is blocked in recv there),
    # writes its marker, and its new branch meets the recv's sleep row at 4
    old = wf(recv(), recv(), Patched("p", new=seq(step("charge")), old=seq()))
    new = wf(recv(), Patched("p", new=seq(step("charge")), old=seq()))
    result = outcomes(old, new)
    assert result["blocked in DBOS.recv at step 3"] == unexpected(4, "DBOS.sleep", "charge")
    assert result["paused after step 3 (DBOS.recv)"] == "ok"
