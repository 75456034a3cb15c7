"""The Temporal reference runtime against hand-built step programs (no extraction involved).

Each expected message is sdk-core's own text; each verdict is what the real engine does (see
issue 2, "What the engines actually do").
"""

from __future__ import annotations

import pytest

from patchlint.model.program import (
    NOWHERE,
    DeprecatePatch,
    If,
    Loop,
    Parallel,
    Patched,
    Seq,
    Step,
    Workflow,
)
from patchlint.semantics import temporal
from patchlint.semantics.history import MARKER, TemporalEvent, TemporalHistory

NDE = "[TMPRL1100] Nondeterminism error: "


def act(name, args=""):
    return Step("activity", name, args=args)


def timer():
    return Step("timer", "timer")


def seq(*items):
    return Seq(tuple(items))


def wf(*items, name="Checkout"):
    return Workflow("temporal", name, "workflow.py", NOWHERE, seq(*items))


def outcomes(old, new, choices=None):
    """``{cut description: message or "ok"}`` for every history ``old`` records."""
    choices = choices or {}
    return {
        h.describe(): (r.message if not (r := temporal.replay(new, h, choices)).ok else "ok")
        for h in temporal.record(old, choices)
    }


def test_record_cuts_at_every_workflow_task_and_completion():
    histories = temporal.record(wf(act("a"), timer(), act("b")), {})
    assert [h.describe() for h in histories] == [
        "paused after event 5 (a)",
        "paused after event 11 (timer)",
        "paused after event 16 (b)",
        "completed",
    ]
    assert histories[-1].events == (
        TemporalEvent("activity", "a"),
        TemporalEvent("timer", "timer"),
        TemporalEvent("activity", "b"),
    )
    assert histories[-1].workflow_task_ends == (0, 1, 2)


def test_non_blocking_commands_and_markers_ride_with_the_next_blocking_command():
    upsert = Step("upsert_search_attributes", "upsert")
    program = wf(upsert, Patched("p", new=seq(act("a")), old=seq()), act("b"))
    completed = temporal.record(program, {})[-1]
    assert [e.kind for e in completed.events] == ["upsert_search_attributes", MARKER, "activity", "activity"]
    assert completed.workflow_task_ends == (2, 3)


def test_event_ids_follow_the_usual_history_layout():
    history = temporal.record(wf(act("a"), act("b")), {})[-1]
    # 5 ActivityTaskScheduled(a), 11 ActivityTaskScheduled(b), 17 WorkflowExecutionCompleted
    assert temporal.event_ids(history) == [5, 11, 17]


def test_inserted_activity_fails_runs_paused_after_the_insertion_point():
    result = outcomes(wf(act("a"), act("b"), act("c")), wf(act("a"), act("x"), act("b"), act("c")))
    assert result["paused after event 5 (a)"] == "ok"
    assert result["paused after event 11 (b)"] == (
        NDE + "Activity type of scheduled event 'b' does not match activity type of activity command 'x'"
    )
    assert result["completed"] != "ok"


def test_appended_activity_breaks_only_completed_runs():
    result = outcomes(wf(act("a"), act("b")), wf(act("a"), act("b"), act("c")))
    assert result["paused after event 5 (a)"] == "ok"
    assert result["paused after event 11 (b)"] == "ok"
    assert result["completed"] == (
        NDE + "Activity machine does not handle this event: HistoryEvent(id: 17, WorkflowExecutionCompleted)"
    )


def test_removed_last_activity_fails_runs_that_already_scheduled_it():
    result = outcomes(wf(act("a"), act("b")), wf(act("a")))
    assert result["paused after event 5 (a)"] == "ok"
    assert result["paused after event 11 (b)"] == (
        NDE + "Complete workflow machine does not handle this event: HistoryEvent(id: 11, ActivityTaskScheduled)"
    )


def test_arguments_timeouts_and_durations_are_not_compared():
    old = wf(act("a", "1, start_to_close_timeout=timedelta(seconds=5)"), Step("timer", "timer", args="1"))
    new = wf(act("a", "2, start_to_close_timeout=timedelta(hours=1)"), Step("timer", "timer", args="60"))
    assert set(outcomes(old, new).values()) == {"ok"}


def test_kind_change_reports_the_machine_of_the_new_command():
    result = outcomes(wf(act("a")), wf(timer()))
    assert result["paused after event 5 (a)"] == (
        NDE + "Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)"
    )


def test_child_workflow_type_change():
    old = wf(Step("child_workflow", "Ship"))
    new = wf(Step("child_workflow", "ShipV2"))
    assert outcomes(old, new)["paused after event 5 (Ship)"] == (
        NDE + "Child workflow type of scheduled event 'Ship' does not match child workflow type of command 'ShipV2'"
    )


def test_correctly_guarded_insertion_replays_every_cut():
    old = wf(act("a"), act("c"))
    new = wf(act("a"), Patched("add-b", new=seq(act("b")), old=seq()), act("c"))
    assert set(outcomes(old, new).values()) == {"ok"}
    # and the new code's own runs (marker recorded) replay against it too
    assert set(outcomes(new, new).values()) == {"ok"}


def test_guard_whose_old_branch_differs_from_base_fails():
    old = wf(act("a"), act("c"))
    new = wf(act("a"), Patched("p", new=seq(act("b")), old=seq(act("z"))), act("c"))
    assert outcomes(old, new)["paused after event 11 (c)"] == (
        NDE + "Activity type of scheduled event 'c' does not match activity type of activity command 'z'"
    )


def test_patch_removed_without_deprecation_fails_on_its_marker():
    old = wf(act("a"), Patched("p", new=seq(act("b")), old=seq()))
    new = wf(act("a"), act("b"))
    assert outcomes(old, new)["paused after event 12 (b)"] == (
        NDE + "Non-deprecated patch marker encountered for change p, but there is no corresponding change command!"
    )


def test_deprecate_patch_consumes_the_marker_and_deprecated_markers_may_be_dropped():
    patched = wf(act("a"), Patched("p", new=seq(act("b")), old=seq()))
    deprecated = wf(act("a"), DeprecatePatch("p"), act("b"))
    final = wf(act("a"), act("b"))
    assert set(outcomes(patched, deprecated).values()) == {"ok"}
    assert set(outcomes(deprecated, final).values()) == {"ok"}
    recorded = temporal.record(deprecated, {})[-1]
    assert TemporalEvent(MARKER, "p", "p", True) in recorded.events


def test_deprecate_patch_against_a_pre_patch_history_takes_the_new_path_and_mismatches():
    old = wf(act("a"), act("c"))
    new = wf(act("a"), DeprecatePatch("p"), act("b"), act("c"))
    assert outcomes(old, new)["paused after event 11 (c)"].endswith(
        "Activity type of scheduled event 'c' does not match activity type of activity command 'b'"
    )


def test_patched_hoisted_to_an_earlier_workflow_task_sees_no_marker_yet():
    # The SDK learns of a marker only with the workflow task that recorded it: called one task
    # earlier, patched() returns False on replay, memoizes it, and the marker then has no command.
    old = wf(act("a"), Patched("p", new=seq(act("b")), old=seq()))
    new = wf(Patched("p", new=seq(act("a"), act("b")), old=seq(act("a"))))
    assert outcomes(old, new)["paused after event 12 (b)"] == (
        NDE + "Non-deprecated patch marker encountered for change p, but there is no corresponding change command!"
    )


def test_patched_past_the_end_of_history_runs_live():
    old = wf(act("a"), act("b"))
    new = wf(act("a"), act("b"), Patched("p", new=seq(act("c")), old=seq()))
    assert outcomes(old, new)["paused after event 11 (b)"] == "ok"


def test_gather_branches_issue_their_first_commands_in_one_task():
    old = wf(Parallel((seq(act("a")), seq(act("b")))), act("c"))
    histories = temporal.record(old, {})
    cuts = [h.describe() for h in histories]
    assert cuts == ["paused after event 6 (b)", "paused after event 14 (c)", "completed"]
    dropped = outcomes(old, wf(Parallel((seq(act("a")),)), act("c")))
    assert dropped["paused after event 6 (b)"] == (
        NDE + "No command scheduled for event HistoryEvent(id: 6, ActivityTaskScheduled)"
    )
    swapped = outcomes(old, wf(Parallel((seq(act("b")), seq(act("a")))), act("c")))
    assert swapped["paused after event 6 (b)"] != "ok"


def test_same_type_reorder_with_different_arguments_replays_silently():
    old = wf(act("charge", "'card'"), act("charge", "'gift'"))
    new = wf(act("charge", "'gift'"), act("charge", "'card'"))
    assert set(outcomes(old, new).values()) == {"ok"}


def test_branches_follow_the_shared_condition_text():
    old = wf(If("input.express", seq(act("a")), seq(act("b"))))
    new = wf(If("input.express", seq(act("a")), seq(act("b"), act("x"))))
    assert set(outcomes(old, new, {("if", "input.express"): True}).values()) == {"ok"}
    assert outcomes(old, new, {("if", "input.express"): False})["completed"] != "ok"


def test_loop_iterations_expose_a_step_inserted_in_the_body():
    old = wf(Loop("for item in items", seq(act("a"))))
    new = wf(Loop("for item in items", seq(act("a"), act("b"))))
    twice = outcomes(old, new, {("loop", "for item in items"): 2})
    assert twice["paused after event 11 (a)"] != "ok"
    once = outcomes(old, new, {("loop", "for item in items"): 1})
    assert once["paused after event 5 (a)"] == "ok"


def test_continue_as_new_closes_the_run_without_a_completion_command():
    old = wf(act("a"), Step("continue_as_new", "Checkout"))
    histories = temporal.record(old, {})
    assert histories[-1].completed
    assert set(outcomes(old, old).values()) == {"ok"}
    assert outcomes(old, wf(act("a")))["completed"] == (
        NDE + "Complete workflow machine does not handle this event: "
        "HistoryEvent(id: 11, WorkflowExecutionContinuedAsNew)"
    )


def test_replay_of_a_hand_written_history():
    history = TemporalHistory(
        "Checkout",
        (TemporalEvent(MARKER, "p", "p", True), TemporalEvent("activity", "a")),
        completed=False,
        workflow_task_ends=(1,),
    )
    assert temporal.replay(wf(act("a")), history, {}).ok
    failed = temporal.replay(wf(act("b")), history, {})
    assert (failed.ok, failed.position, failed.step) == (False, 1, "activity b")


@pytest.mark.parametrize("kind", ["signal_external", "cancel_external", "child_workflow", "timer"])
def test_every_blocking_kind_ends_a_workflow_task(kind):
    histories = temporal.record(wf(Step(kind, "x"), act("a")), {})
    assert histories[0].workflow_task_ends == (0,)


def la(name):
    return Step("local_activity", name)


def test_local_activity_runs_inside_the_workflow_task():
    histories = temporal.record(wf(la("validate"), act("a")), {})
    assert histories[0].workflow_task_ends == (1,)
    assert [h.describe() for h in histories] == ["paused after event 6 (a)", "completed"]
    assert set(outcomes(wf(la("validate"), act("a")), wf(la("validate"), act("a"))).values()) == {"ok"}


def test_inserted_local_activity_never_resolves_on_replay():
    # measured on the real engine (testdata case temporal-local-activity-insert)
    result = outcomes(wf(act("reserve"), act("charge")), wf(act("reserve"), la("validate"), act("charge")))
    assert result["paused after event 5 (reserve)"] == "ok"
    assert result["paused after event 11 (charge)"] == (
        NDE + "No command scheduled for event HistoryEvent(id: 11, ActivityTaskScheduled)"
    )


def test_removed_local_activity_leaves_its_marker_without_a_machine():
    result = outcomes(wf(act("a"), la("validate"), act("b")), wf(act("a"), act("b")))
    assert result["paused after event 12 (b)"] == NDE + "Missing associated machine for LocalActivity(2)"


def test_local_activity_type_change():
    result = outcomes(wf(la("validate"), act("a")), wf(la("check"), act("a")))
    assert result["paused after event 6 (a)"] == (
        NDE + "Activity type of recorded marker 'validate' does not match activity type of local "
        "activity command 'check'"
    )


def test_child_machine_message_abbreviates_the_event_dump():
    result = outcomes(wf(act("a"), act("b")), wf(act("a"), Step("child_workflow", "Notify"), act("b")))
    assert result["paused after event 11 (b)"] == (
        NDE + "Child workflow machine does not handle this event: "
        "HistoryEvent { event_id: 11, event_type: ActivityTaskScheduled, .. }"
    )


# The cases below were measured on the real engine (temporalio 1.35 Replayer, dev server); each is
# one the static analyzer got wrong at some point, so the expected texts are the Replayer's.


def test_gather_split_into_sequential_awaits_fails_open_runs():
    old = wf(Parallel((seq(act("charge")), seq(act("ship")))))
    new = wf(act("charge"), act("ship"))
    assert outcomes(old, new)["paused after event 6 (ship)"] == (
        NDE + "No command scheduled for event HistoryEvent(id: 6, ActivityTaskScheduled)"
    )


def test_timer_inserted_before_a_gathered_pair_of_timers():
    old = wf(timer(), Parallel((seq(timer()), seq(timer()))))
    new = wf(timer(), timer(), Parallel((seq(timer()), seq(timer()))))
    result = outcomes(old, new)
    assert result["paused after event 5 (timer)"] == "ok"
    assert result["paused after event 11 (timer)"] == (
        NDE + "No command scheduled for event HistoryEvent(id: 11, TimerStarted)"
    )


def test_marker_only_patch_moved_before_a_timer_breaks_only_completed_runs():
    old = wf(timer(), Patched("p", new=seq(), old=seq()))
    new = wf(Patched("p", new=seq(), old=seq()), timer())
    result = outcomes(old, new)
    assert result["paused after event 5 (timer)"] == "ok"
    assert result["completed"] == (
        NDE + "Non-deprecated patch marker encountered for change p, but there is no corresponding change command!"
    )


def test_local_activities_swapped_inside_one_task():
    old = wf(la("refund"), la("charge"), act("ship"))
    new = wf(la("charge"), la("refund"), act("ship"))
    assert outcomes(old, new)["paused after event 7 (ship)"] == (
        NDE + "Activity type of recorded marker 'refund' does not match activity type of local "
        "activity command 'charge'"
    )


def test_removed_trailing_local_activity_breaks_only_completed_runs():
    result = outcomes(wf(act("ship"), la("charge")), wf(act("ship")))
    assert result == {
        "paused after event 5 (ship)": "ok",
        "completed": NDE + "Missing associated machine for LocalActivity(2)",
    }
