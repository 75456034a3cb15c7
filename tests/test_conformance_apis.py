"""Every API row with an ``example`` (``patchlint/extract/apis.py``), run on the real engines.

One workflow per engine (and per sync/async flavour for DBOS) is generated from the table: a marker
step, then the row's example, then the next marker… It runs once on the engine (a Temporal dev
server; DBOS on SQLite) in a subprocess driver, and what the engine recorded between two markers
(Temporal command events; DBOS ``operation_outputs`` rows and the function ids they take) must be
what patchlint extracts from the same source between the same markers. A new table row with an
example gets its engine check for free. Rows with a duration are also run with a zero duration:
the engine decides whether a zero-length sleep records anything.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from patchlint.api import models_of
from patchlint.extract import apis
from patchlint.model import program as m
from tests.engines import dbos_case, temporal_case

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[1]
MARK = "api_mark"
MARKS = {MARK, "api_mark_async"}  # the DBOS async workflow marks with an async step


# ---- generating the workflows from the table --------------------------------------------------
def zero_variant(row: apis.Api, example: str) -> str | None:
    """The example with its duration argument replaced by ``0``."""
    duration = row.duration
    called = {row.name, f"{row.name}_async"}

    class Zero(cst.CSTTransformer):
        done = False

        def leave_Call(self, node: cst.Call, updated: cst.Call) -> cst.Call:
            func = node.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if self.done or name not in called:
                return updated
            args = list(updated.args)
            positional = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
            for i, arg in enumerate(args):
                if arg.keyword is not None and arg.keyword.value == duration.keyword:
                    args[i] = arg.with_changes(value=cst.Integer("0"))
                    break
            else:
                if duration.index < len(positional):
                    i = positional[duration.index]
                    args[i] = args[i].with_changes(value=cst.Integer("0"))
                else:
                    return updated
            self.done = True
            return updated.with_changes(args=args)

    transformer = Zero()
    code = cst.parse_module(example + "\n").visit(transformer).code.rstrip("\n")
    return code if transformer.done else None


def probes(engine: str, flavour: str) -> list[tuple[str, str]]:
    """``(label, statements)`` for every row of ``engine`` with an example of this flavour
    (Temporal: ``nexus`` for the rows that need a Nexus endpoint, ``any`` for the others)."""
    out = []
    for row in apis.APIS:
        if row.engine != engine or not row.example:
            continue
        if engine == apis.TEMPORAL and (row.kind == m.NEXUS_OPERATION) != (flavour == "nexus"):
            continue
        is_async = "await " in row.example
        if engine == apis.DBOS and is_async != (flavour == "async"):
            continue
        label = f"{row.owner}.{row.name}"
        out.append((label, row.example))
        if row.duration is not None:
            zero = zero_variant(row, row.example)
            if zero is not None:
                out.append((f"{label} with a zero duration", zero))
    return out


def _body(probes_: list[tuple[str, str]], mark: str, indent: str) -> str:
    lines = []
    for seq, (label, code) in enumerate(probes_):
        lines.append(f"# {label}")
        lines.append(mark.format(seq=seq))
        lines.append(code.replace("SEQ", str(seq)))
    lines.append(mark.format(seq=len(probes_)))
    return textwrap.indent("\n".join(lines), indent)


TEMPORAL_MODULE = """
import asyncio
from datetime import timedelta

import nexusrpc
import nexusrpc.handler
from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

TIMEOUT = timedelta(seconds=10)
API_KEYWORD = SearchAttributeKey.for_keyword("PatchlintApiKeyword")


@activity.defn
async def api_mark(x: int) -> int:
    return x


@activity.defn
async def api_act(x: int) -> int:
    return x


class ApiActivities:
    @activity.defn
    async def method_act(self, x: int) -> int:
        return x


@activity.defn(name="api_callable")
class ApiCallableActivity:
    async def __call__(self, x: int) -> int:
        return x


API_CALLABLE = ApiCallableActivity()  # what the worker registers


@workflow.defn
class W:
    @workflow.run
    async def run(self) -> int:
{body}
        return 0


API_ENDPOINT = "patchlint-api-endpoint"


@nexusrpc.service
class ApiService:
    echo: nexusrpc.Operation[int, int]


@nexusrpc.handler.service_handler(service=ApiService)
class ApiServiceHandler:
    @nexusrpc.handler.sync_operation
    async def echo(self, ctx: nexusrpc.handler.StartOperationContext, x: int) -> int:
        return x


API_NEXUS_HANDLERS = [ApiServiceHandler]


@workflow.defn
class ApiChild:
    def __init__(self) -> None:
        self.poked = False

    @workflow.signal
    def poke(self) -> None:
        self.poked = True

    @workflow.run
    async def run(self, x: int) -> int:
        if x < 0:
            await workflow.wait_condition(lambda: self.poked)
        return x
"""

DBOS_MODULE = """
import asyncio
import os

from dbos import DBOS, SendMessage, SetWorkflowID, SQLAlchemyDatasource

OTHER = "patchlint-api-other"
ds = SQLAlchemyDatasource.create(os.environ["PATCHLINT_API_DS"])


{workflow}


@DBOS.step()
def api_mark(x):
    return x


@DBOS.step()
async def api_mark_async(x):
    return x


@ds.transaction()
def api_tx_fn(x):
    return x


def api_plain():
    return 1


@DBOS.workflow()
def api_child(x):
    return x


@DBOS.workflow()
async def api_child_async(x):
    return x


@DBOS.workflow()
def api_other():
    DBOS.set_event("k", 1)
    return 0


@DBOS.workflow()
async def api_other_async():
    await DBOS.set_event_async("k", 1)
    return 0
"""

DBOS_SYNC = """@DBOS.workflow()
def wf():
    with SetWorkflowID(OTHER):
        other = DBOS.start_workflow(api_other)
    other.get_result()
{body}
    return 0"""

DBOS_ASYNC = """@DBOS.workflow()
async def wf():
    with SetWorkflowID(OTHER):
        other = await DBOS.start_workflow_async(api_other_async)
    await other.get_result()
{body}
    return 0"""


def temporal_source(probes_):
    mark = "await workflow.execute_activity(api_mark, {seq}, start_to_close_timeout=TIMEOUT)"
    return TEMPORAL_MODULE.format(body=_body(probes_, mark, " " * 8))


def dbos_source(probes_, flavour):
    if flavour == "async":
        body = _body(probes_, "await api_mark_async({seq})", " " * 4)
        return DBOS_MODULE.format(workflow=DBOS_ASYNC.format(body=body))
    return DBOS_MODULE.format(workflow=DBOS_SYNC.format(body=_body(probes_, "api_mark({seq})", " " * 4)))


# ---- what patchlint predicts --------------------------------------------------------------------
def predicted_steps(source: str, name: str) -> list[m.Step]:
    [module] = models_of({"old.py": source})
    [workflow] = [w for w in module.workflows if w.name == name]
    return m.steps_of(workflow.program)


def segments(items: list, is_mark) -> list[list]:
    """Split a sequence at its markers: [before the first, after the first, …]."""
    out: list[list] = [[]]
    for item in items:
        if is_mark(item):
            out.append([])
        else:
            out[-1].append(item)
    return out


def compare(labels: list[str], engine: list[list], model: list[list]) -> list[str]:
    assert len(engine) == len(model) == len(labels) + 2, (len(engine), len(model), len(labels))
    problems = []
    for label, got, want in zip(["(workflow start)", *labels, "(end)"], engine, model):
        if got != want:
            problems.append(f"{label}: engine recorded {got}, patchlint predicts {want}")
    return problems


# ---- Temporal -----------------------------------------------------------------------------------
def _event_type(event: dict) -> str:
    raw = str(event.get("eventType", ""))
    if raw.startswith("EVENT_TYPE_"):
        return raw[len("EVENT_TYPE_") :]
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", raw).upper()


def _attributes(event: dict) -> dict:
    return next((v for k, v in event.items() if k.endswith("EventAttributes") and isinstance(v, dict)), {})


def _payload(details: dict | None):
    try:
        return json.loads(base64.b64decode(details["payloads"][0]["data"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


COMMAND_EVENTS = {
    "ACTIVITY_TASK_SCHEDULED": m.ACTIVITY,
    "TIMER_STARTED": m.TIMER,
    "START_CHILD_WORKFLOW_EXECUTION_INITIATED": m.CHILD_WORKFLOW,
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED": m.SIGNAL_EXTERNAL,
    "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED": m.CANCEL_EXTERNAL,
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": m.UPSERT_SEARCH_ATTRIBUTES,
    "WORKFLOW_PROPERTIES_MODIFIED": m.UPSERT_MEMO,
    "WORKFLOW_EXECUTION_CONTINUED_AS_NEW": m.CONTINUE_AS_NEW,
    "NEXUS_OPERATION_SCHEDULED": m.NEXUS_OPERATION,
    # commands patchlint does not model: any of them in a probe's segment is a mismatch
    "TIMER_CANCELED": "timer_canceled",
    "ACTIVITY_TASK_CANCEL_REQUESTED": "activity_cancel_requested",
    "NEXUS_OPERATION_CANCEL_REQUESTED": "nexus_cancel_requested",
}


def temporal_commands(history: dict) -> list[tuple[str, str]]:
    out = []
    for event in history["events"]:
        kind = _event_type(event)
        attrs = _attributes(event)
        if kind == "MARKER_RECORDED":
            if attrs.get("markerName") == "core_local_activity":
                data = _payload(attrs.get("details", {}).get("data")) or {}
                out.append((m.LOCAL_ACTIVITY, data.get("activity_type", "?")))
            elif attrs.get("markerName") != "core_patch":
                out.append(("marker", attrs.get("markerName", "?")))
            continue
        if kind not in COMMAND_EVENTS:
            continue
        model_kind = COMMAND_EVENTS[kind]
        if model_kind in (m.ACTIVITY,):
            name = attrs.get("activityType", {}).get("name", "?")
        elif model_kind == m.CHILD_WORKFLOW:
            name = attrs.get("workflowType", {}).get("name", "?")
        elif model_kind == m.TIMER:
            name = "timer"
        elif model_kind == m.SIGNAL_EXTERNAL:
            name = "signal"
        elif model_kind == m.CANCEL_EXTERNAL:
            name = "cancel"
        elif model_kind == m.NEXUS_OPERATION:
            name = attrs.get("operation", "?")
        else:
            name = model_kind
        out.append((model_kind, name))
    return out


def test_temporal_records_what_the_api_table_predicts_for_every_api(temporal_address, tmp_path):
    probes_ = probes(apis.TEMPORAL, "any")
    source = temporal_source(probes_)
    case = tmp_path / "case"
    case.mkdir()
    (case / "old.py").write_text(source)
    temporal_case.record(case, temporal_address, tmp_path / "history")
    history = json.loads((tmp_path / "history" / "history.json").read_text())

    def is_mark(item):
        return item == (m.ACTIVITY, MARK)

    engine = segments(temporal_commands(history), is_mark)
    model = segments([(s.kind, s.name) for s in predicted_steps(source, "W")], is_mark)
    problems = compare([label for label, _ in probes_], engine, model)
    assert not problems, "\n".join(problems)


def test_temporal_records_what_the_api_table_predicts_for_nexus_operations(temporal_address, tmp_path):
    probes_ = probes(apis.TEMPORAL, "nexus")
    source = temporal_source(probes_)
    case = tmp_path / "case"
    case.mkdir()
    (case / "old.py").write_text(source)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.engines.api_nexus_driver",
            "record",
            str(case),
            temporal_address,
            str(tmp_path / "history.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    history = json.loads((tmp_path / "history.json").read_text())

    def is_mark(item):
        return item == (m.ACTIVITY, MARK)

    engine = segments(temporal_commands(history), is_mark)
    model = segments([(s.kind, s.name) for s in predicted_steps(source, "W")], is_mark)
    problems = compare([label for label, _ in probes_], engine, model)
    assert not problems, "\n".join(problems)


# ---- DBOS ---------------------------------------------------------------------------------------
def dbos_rows(export: dict) -> list[tuple[int, str]]:
    rows = [r for r in export["tables"]["operation_outputs"] if r["workflow_uuid"] == export["root"]]
    return sorted((r["function_id"], r["function_name"]) for r in rows)


def dbos_segments(rows: list[tuple[int, str]]) -> list[tuple[list[str], int]]:
    """Per segment between markers: the names recorded and how many function ids it took."""
    out, names, start = [], [], 0
    for function_id, name in rows:
        if name in MARKS:
            out.append((names, function_id - start - 1))
            names, start = [], function_id
        else:
            names.append(name)
    out.append((names, None))  # after the last marker: only the workflow's end
    return out


def predicted_dbos_segments(steps: list[m.Step]) -> list[tuple[list[str], int]]:
    out, names, slots = [], [], 0
    for step in steps:
        if step.name in MARKS:
            out.append((names, slots))
            names, slots = [], 0
            continue
        names.append(step.name)
        if step.slots == 2:
            names.append("DBOS.sleep")  # recv/get_event: the call's row, then its timeout's
        slots += step.slots
    out.append((names, None))
    return out


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_dbos_records_what_the_api_table_predicts_for_every_api(flavour, tmp_path, monkeypatch):
    probes_ = probes(apis.DBOS, flavour)
    source = dbos_source(probes_, flavour)
    case = tmp_path / "case"
    case.mkdir()
    (case / "old.py").write_text(source)
    monkeypatch.setenv("PATCHLINT_API_DS", f"sqlite:///{tmp_path / 'app.db'}")
    out = tmp_path / "export.json"
    dbos_case.record(case, tmp_path / "work", out)
    export = json.loads(out.read_text())

    engine = dbos_segments(dbos_rows(export))
    model = predicted_dbos_segments(predicted_steps(source, "wf"))
    problems = compare([label for label, _ in probes_], engine, model)
    assert not problems, "\n".join(problems)


def test_the_generated_workflows_exercise_every_row_with_an_example():
    """Guard for the generator: each example lands between two markers, in its own segment."""
    for engine, flavours in ((apis.TEMPORAL, ("any", "nexus")), (apis.DBOS, ("sync", "async"))):
        for flavour in flavours:
            probes_ = probes(engine, flavour)
            assert probes_
            source = temporal_source(probes_) if engine == apis.TEMPORAL else dbos_source(probes_, flavour)
            steps = predicted_steps(source, "W" if engine == apis.TEMPORAL else "wf")
            assert sum(s.name in MARKS for s in steps) == len(probes_) + 1
