"""The API table (``patchlint/extract/apis.py``) covers the installed SDKs' whole workflow surface.

The installed temporalio and dbos are enumerated (public callables of ``temporalio.workflow``,
public members of ``DBOS``, of the datasource classes, of ``Queue``, of the workflow handles…):
an SDK upgrade that adds an API fails here until the table says what it records. Only the SDKs are
imported here, never user code.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys

import pytest

from patchlint.api import models_of
from patchlint.extract import apis
from patchlint.model import program as m

# Classes exported by the SDKs that are plain data, options, errors or enums (no method reaches the
# engine), or that only run outside workflows (clients). A new exported class must be added here or
# to ``apis.SDK_CLASSES``.
TEMPORAL_DATA_CLASSES = {
    "ActivityCancellationType",
    "ActivityConfig",
    "ChildWorkflowCancellationType",
    "ChildWorkflowConfig",
    "ContinueAsNewError",
    "ContinueAsNewVersioningBehavior",
    "DynamicWorkflowConfig",
    "HandlerUnfinishedPolicy",
    "Info",
    "LocalActivityConfig",
    "LoggerAdapter",
    "NexusOperationCancellationType",
    "NondeterminismError",
    "ParentClosePolicy",
    "ParentInfo",
    "ReadOnlyContextError",
    "RootInfo",
    "SandboxImportNotificationPolicy",
    "UnfinishedSignalHandlersWarning",
    "UnfinishedUpdateHandlersWarning",
    "UpdateInfo",
    "UpdateMethodMultiParam",
    "VersioningIntent",
    "unsafe",  # a namespace of sandbox helpers: a row of its own (SILENT)
}
DBOS_OTHER_CLASSES = {
    # clients used from outside workflows
    "DBOSClient",
    "DebouncerClient",
    # configuration, options, results, errors
    "ClientScheduleInput",
    "DBOSConfig",
    "DBOSPortableJSONSerializer",
    "DuplicationPolicy",
    "EnqueueOptions",
    "KafkaMessage",
    "PortableWorkflowError",
    "ScheduleInput",
    "SendMessage",
    "Serializer",
    "StepInfo",
    "StepOptions",
    "VersionInfo",
    "WorkflowIDReusePolicy",
    "WorkflowSchedule",
    "WorkflowSerializationFormat",
    "WorkflowStatus",
    "WorkflowStatusString",
    # context managers that set options of the next start/enqueue (no row of their own)
    "DBOSContextEnsure",
    "DBOSContextSetAuth",
    "PropagateOtelContext",
    "SetEnqueueOptions",
    "SetShardKey",
    "SetWorkflowAttributes",
    "SetWorkflowID",
    "SetWorkflowTimeout",
    # a base class for user classes with ``@DBOS.dbos_class``
    "DBOSConfiguredInstance",
}


def _load(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _is_typing_only(value) -> bool:
    import typing

    return (
        isinstance(value, (typing.TypeVar, typing.ParamSpec))
        or type(value).__name__ in ("_ProtocolMeta",)
        and getattr(value, "_is_protocol", False)
        and value.__module__ == "temporalio.types"
    )


def temporal_workflow_surface() -> set[str]:
    """Public names of ``temporalio.workflow`` that workflow code calls (functions, the logger)."""
    workflow = importlib.import_module("temporalio.workflow")
    names = set()
    for name in workflow.__all__:
        if name.startswith("_"):
            continue
        value = getattr(workflow, name)
        if inspect.isclass(value) or _is_typing_only(value):
            continue
        names.add(name)
    return names


def public_members(cls) -> set[str]:
    """Public attributes a class (and its bases from the same SDK) defines."""
    package = cls.__module__.split(".")[0]
    names = set()
    for klass in cls.__mro__:
        # the SDK's own classes, and asyncio's Task/Future that Temporal's handles subclass
        if klass.__module__.split(".")[0] not in (package, "asyncio", "_asyncio"):
            continue
        names.update(n for n in vars(klass) if not n.startswith("_"))
    return names


def test_every_public_temporal_workflow_function_is_in_the_table():
    missing = sorted(n for n in temporal_workflow_surface() if apis.lookup(apis.TEMPORAL, "workflow", n) is None)
    assert not missing, f"temporalio.workflow APIs the table does not list: {missing}"


def test_every_exported_temporal_workflow_class_is_a_handle_or_plain_data():
    workflow = importlib.import_module("temporalio.workflow")
    handles = {spec.partition(":")[2] for spec in apis.SDK_CLASSES.values() if spec.startswith("temporalio.")}
    unknown = sorted(
        name
        for name in workflow.__all__
        if not name.startswith("_")
        and inspect.isclass(getattr(workflow, name))
        and getattr(workflow, name).__module__.startswith("temporalio.workflow")
        and name not in handles
        and name not in TEMPORAL_DATA_CLASSES
    )
    assert not unknown, f"new temporalio.workflow classes: list their methods in apis.py or here: {unknown}"


def test_every_exported_dbos_class_is_an_engine_object_or_outside_workflows():
    dbos = importlib.import_module("dbos")
    engine_objects = {spec.partition(":")[2] for spec in apis.SDK_CLASSES.values() if spec.startswith("dbos:")}
    exported = {n for n in dir(dbos) if not n.startswith("_") and inspect.isclass(getattr(dbos, n))}
    unknown = sorted(exported - engine_objects - DBOS_OTHER_CLASSES)
    assert not unknown, f"new dbos classes: list their methods in apis.py or here: {unknown}"


@pytest.mark.parametrize("owner", sorted(apis.SDK_CLASSES))
def test_every_public_member_of_an_engine_class_is_in_the_table(owner):
    cls = _load(apis.SDK_CLASSES[owner])
    engine = apis.TEMPORAL if apis.SDK_CLASSES[owner].startswith("temporalio") else apis.DBOS
    members = public_members(cls)
    assert members, f"{owner}: found no public member (has the SDK moved it?)"
    missing = sorted(n for n in members if apis.lookup(engine, owner, n) is None)
    assert not missing, f"{owner} members the table does not list: {missing}"


# asyncio members (of the module, and of the Task that workflow handles subclass) that this
# Python may be too old to have: the row stands for the newer Pythons that do.
ASYNCIO_SINCE = {"timeout": (3, 11), "cancelling": (3, 11), "uncancel": (3, 11), "get_context": (3, 12)}


def test_every_row_names_an_api_the_installed_sdk_has():
    stale = []
    for row in apis.APIS:
        if sys.version_info < ASYNCIO_SINCE.get(row.name, (0,)):
            continue
        if row.owner == "asyncio":
            target = asyncio
        elif row.owner == "workflow":
            target = importlib.import_module("temporalio.workflow")
        else:
            target = _load(apis.SDK_CLASSES[row.owner])
        try:
            inspect.getattr_static(target, row.name)
        except AttributeError:
            stale.append((row.engine, row.owner, row.name))
    assert not stale, f"rows for APIs the installed SDKs do not have: {stale}"


# The model's step kinds (model/program.py): Temporal commands, then DBOS operations.
KINDS = {
    m.ACTIVITY,
    m.LOCAL_ACTIVITY,
    m.TIMER,
    m.CHILD_WORKFLOW,
    m.SIGNAL_EXTERNAL,
    m.CANCEL_EXTERNAL,
    m.CONTINUE_AS_NEW,
    m.UPSERT_SEARCH_ATTRIBUTES,
    m.UPSERT_MEMO,
    m.NEXUS_OPERATION,
    m.DBOS_STEP,
}


@pytest.mark.parametrize(
    "row",
    [r for r in apis.APIS if r.effect in (apis.STEP, apis.DECORATOR)],
    ids=lambda r: f"{r.engine}-{r.owner}.{r.name}",
)
def test_every_step_row_has_a_kind_and_a_name_rule(row):
    assert row.kind in KINDS
    if row.effect == apis.STEP:
        assert row.rule is not None
        assert row.slots >= 1
        assert (row.kind == m.DBOS_STEP) == (row.engine == apis.DBOS)


def test_every_row_has_a_known_effect_and_unmodelled_rows_say_why():
    for row in apis.APIS:
        assert row.effect in apis.EFFECTS, row
        if row.effect == apis.UNMODELLED:
            assert row.note, row


# ---- the dialects classify from the table --------------------------------------------------------
def _steps(source: str, path: str = "wf.py"):
    [module] = models_of({path: source})
    [wf] = [w for w in module.workflows if w.name in ("wf", "W")]
    return [(s.kind, s.name, s.slots) for s in m.steps_of(wf.program)], [u.text for u in wf.unclassified]


DBOS_HEADER = """
from dbos import DBOS, SQLAlchemyDatasource
ds = SQLAlchemyDatasource.create("sqlite:///app.db")
queue = DBOS.register_queue("q")
ZERO = 0.0

def create_order(): ...

@DBOS.workflow()
def child(x): ...

@DBOS.workflow()
def wf():
"""


def test_datasource_run_tx_step_records_the_options_name_else_the_qualname():
    steps, _ = _steps(
        DBOS_HEADER
        + """
    ds.run_tx_step({"name": "create_order_tx"}, create_order)
    ds.run_tx_step(None, create_order)
    ds.run_tx_step({"isolation_level": "SERIALIZABLE"}, create_order)
"""
    )
    assert steps == [
        ("dbos_step", "create_order_tx", 1),
        ("dbos_step", "create_order", 1),
        ("dbos_step", "create_order", 1),
    ]


def test_dbos_run_step_enqueue_workflow_and_queue_enqueue_record_their_names():
    steps, _ = _steps(
        DBOS_HEADER
        + """
    DBOS.run_step({"name": "fetch"}, create_order)
    DBOS.run_step(None, create_order)
    DBOS.enqueue_workflow("q", child, 1)
    queue.enqueue(child, 2)
"""
    )
    assert [s[1] for s in steps] == ["fetch", "create_order", "child", "child"]


def test_zero_length_dbos_sleep_records_nothing_even_through_a_constant():
    steps, _ = _steps(
        DBOS_HEADER
        + """
    DBOS.sleep(0)
    DBOS.sleep(ZERO)
    DBOS.sleep(-1)
    DBOS.sleep(1)
"""
    )
    assert steps == [("dbos_step", "DBOS.sleep", 1)]


def test_recv_and_get_event_take_two_ids():
    steps, _ = _steps(
        DBOS_HEADER
        + """
    DBOS.recv("t", 0)
    DBOS.get_event("id", "k")
"""
    )
    assert steps == [("dbos_step", "DBOS.recv", 2), ("dbos_step", "DBOS.getEvent", 2)]


def test_retrieve_workflow_of_a_workflow_not_yet_existing_records_no_status_row():
    steps, _ = _steps(
        DBOS_HEADER
        + """
    h = DBOS.retrieve_workflow("x", existing_workflow=False)
    h.get_status()
    g = DBOS.retrieve_workflow("x")
"""
    )
    assert [s[1] for s in steps] == ["DBOS.getStatus", "DBOS.getStatus"]


def test_unmodelled_and_unknown_dbos_engine_calls_are_listed_silent_ones_are_not():
    steps, unclassified = _steps(
        DBOS_HEADER
        + """
    DBOS.logger.info("x")
    DBOS.workflow_id
    ds.sql_session()
    DBOS.reserve_step()
    ds.frobnicate()
    DBOS.no_such_api()
"""
    )
    assert steps == []
    assert unclassified == ["DBOS.reserve_step", "ds.frobnicate", "DBOS.no_such_api"]


TEMPORAL_HEADER = """
import asyncio
from datetime import timedelta
from temporalio import workflow
NO_TIME = timedelta(0)

@workflow.defn
class W:
    @workflow.run
    async def run(self):
"""


def test_upsert_memo_is_a_command_of_its_own():
    steps, _ = _steps(
        TEMPORAL_HEADER
        + """
        workflow.upsert_memo({"a": 1})
        workflow.upsert_search_attributes([])
"""
    )
    assert [s[0] for s in steps] == [m.UPSERT_MEMO, m.UPSERT_SEARCH_ATTRIBUTES]


def test_zero_length_temporal_sleeps_follow_the_engine():
    steps, _ = _steps(
        TEMPORAL_HEADER
        + """
        await workflow.sleep(NO_TIME)
        await asyncio.sleep(0)
        await workflow.wait_condition(lambda: True, timeout=0)
        await asyncio.sleep(1)
"""
    )
    assert steps == [("timer", "timer", 1), ("timer", "timer", 1)]


def test_temporal_handles_and_unknown_workflow_functions():
    steps, unclassified = _steps(
        TEMPORAL_HEADER
        + """
        h = workflow.get_external_workflow_handle("other")
        await h.signal("s")
        await h.cancel()
        await workflow.get_external_workflow_handle("other").signal("t")
        a = workflow.start_activity("act", start_to_close_timeout=timedelta(seconds=1))
        await workflow.sleep(1)  # the command goes out before the cancel
        a.done()
        a.cancel()
        workflow.logger.info("x")
        workflow.no_such_api()
"""
    )
    assert [s[0] for s in steps] == [m.SIGNAL_EXTERNAL, m.CANCEL_EXTERNAL, m.SIGNAL_EXTERNAL, m.ACTIVITY, m.TIMER]
    assert unclassified == ["a.cancel", "workflow.no_such_api"]
