"""``patchlint replay``: which workflow a history is replayed against.

A workflow is its registered type name in the module that defines it: a type several modules
define is ambiguous (exit 2, naming them) unless ``--workflow module:Name`` picks one; ``--source``
files resolve their imports through their folders' other modules, as ``check`` and ``diff`` do.
"""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from patchlint.integrations.cli import replay

ACTIVITIES = """
from temporalio import activity


@activity.defn(name="charge-card")
async def charge(order_id: str) -> str:
    return order_id


@activity.defn(name="ship-parcel")
async def ship(order_id: str) -> str:
    return order_id
"""

WORKFLOW = """
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from acts import {first}, {second}


@workflow.defn(name="Order")
class {cls}:
    @workflow.run
    async def run(self, order_id: str) -> None:
        await workflow.execute_activity({first}, order_id, start_to_close_timeout=timedelta(seconds=5))
        await workflow.execute_activity({second}, order_id, start_to_close_timeout=timedelta(seconds=5))
"""


def _event(event_id: int, kind: str, attributes: dict | None = None) -> dict:
    event = {"eventId": str(event_id), "eventType": f"EVENT_TYPE_{kind}"}
    if attributes is not None:
        name = "".join(w.capitalize() for w in kind.split("_"))
        event[name[0].lower() + name[1:] + "EventAttributes"] = attributes
    return event


def _history(tmp_path) -> str:
    """An open run of ``Order`` paused after its first activity, ``charge-card``, was scheduled."""
    events = [
        _event(1, "WORKFLOW_EXECUTION_STARTED", {"workflowType": {"name": "Order"}, "workflowId": "order-1"}),
        _event(2, "WORKFLOW_TASK_SCHEDULED", {}),
        _event(3, "WORKFLOW_TASK_STARTED", {"scheduledEventId": "2"}),
        _event(4, "WORKFLOW_TASK_COMPLETED", {"scheduledEventId": "2"}),
        _event(
            5, "ACTIVITY_TASK_SCHEDULED", {"activityType": {"name": "charge-card"}, "workflowTaskCompletedEventId": "4"}
        ),
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"events": events}))
    return str(path)


def _write(folder, name: str, text: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def _run(*args: str):
    return CliRunner().invoke(replay, [*args, "--format", "json"])


def test_source_resolves_activity_names_through_sibling_modules(tmp_path):
    app = tmp_path / "app"
    _write(app, "acts.py", ACTIVITIES)
    source = _write(app, "orders.py", WORKFLOW.format(first="charge", second="ship", cls="OrderFlow"))
    result = _run("--source", source, _history(tmp_path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["ok"] is True


def test_a_change_found_through_a_sibling_module_fails_in_the_engines_words(tmp_path):
    app = tmp_path / "app"
    _write(app, "acts.py", ACTIVITIES)
    source = _write(app, "orders.py", WORKFLOW.format(first="ship", second="charge", cls="OrderFlow"))
    result = _run("--source", source, _history(tmp_path))
    assert result.exit_code == 1, result.output
    [verdict] = json.loads(result.output)["results"]
    assert verdict["error"].endswith(
        "Activity type of scheduled event 'charge-card' does not match activity type of activity command 'ship-parcel'"
    )
    assert verdict["event_id"] == 5


def test_sibling_workflows_of_the_same_type_are_context_not_candidates(tmp_path):
    app = tmp_path / "app"
    _write(app, "acts.py", ACTIVITIES)
    _write(app, "old_orders.py", WORKFLOW.format(first="ship", second="charge", cls="OrderFlow"))
    source = _write(app, "orders.py", WORKFLOW.format(first="charge", second="ship", cls="OrderFlow"))
    assert _run("--source", source, _history(tmp_path)).exit_code == 0


def test_a_type_several_modules_define_is_bad_input_naming_them(tmp_path):
    _write(tmp_path / "billing", "acts.py", ACTIVITIES)
    _write(tmp_path / "shop", "acts.py", ACTIVITIES)
    one = _write(tmp_path / "billing", "flows.py", WORKFLOW.format(first="charge", second="ship", cls="BillingOrder"))
    two = _write(tmp_path / "shop", "flows.py", WORKFLOW.format(first="ship", second="charge", cls="ShopOrder"))
    result = CliRunner().invoke(replay, ["--source", one, "--source", two, _history(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1, result.output
    assert "'Order' is defined in several modules" in lines[0]
    assert f"{one}:BillingOrder" in lines[0] and f"{two}:ShopOrder" in lines[0]
    assert "--workflow module:Name" in lines[0]


def test_workflow_option_picks_one_of_them(tmp_path):
    _write(tmp_path / "billing", "acts.py", ACTIVITIES)
    _write(tmp_path / "shop", "acts.py", ACTIVITIES)
    one = _write(tmp_path / "billing", "flows.py", WORKFLOW.format(first="charge", second="ship", cls="BillingOrder"))
    two = _write(tmp_path / "shop", "flows.py", WORKFLOW.format(first="ship", second="charge", cls="ShopOrder"))
    history = _history(tmp_path)
    picked_ok = _run("--source", one, "--source", two, "--workflow", "billing.flows:BillingOrder", history)
    assert picked_ok.exit_code == 0, picked_ok.output
    picked_bad = _run("--source", one, "--source", two, "--workflow", "shop/flows.py:Order", history)
    assert picked_bad.exit_code == 1, picked_bad.output


def test_workflow_option_naming_nothing_is_bad_input(tmp_path):
    _write(tmp_path / "app", "acts.py", ACTIVITIES)
    source = _write(tmp_path / "app", "orders.py", WORKFLOW.format(first="charge", second="ship", cls="OrderFlow"))
    for selector in ("nowhere:OrderFlow", "OrderFlow"):
        result = CliRunner().invoke(replay, ["--source", source, "--workflow", selector, _history(tmp_path)])
        assert result.exit_code == 2, (selector, result.output)
        assert len([line for line in result.output.splitlines() if line]) == 1
