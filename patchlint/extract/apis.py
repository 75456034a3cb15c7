"""Every workflow-side API of temporalio (>= 1.35) and dbos (>= 3.4), and what the engine records
when workflow code calls it. The one table the dialects classify calls from.

Each row says what a call does to the history:

- ``STEP``: issues one Temporal command / takes DBOS function ids (``slots``), of model ``kind``,
  recorded under the name ``rule`` derives (the activity type, ``function_name``…);
- ``PATCH``/``DEPRECATE``: a patch call (its id from ``rule``);
- ``WAIT``: blocks without a command; ``PARALLEL``: runs its awaitable arguments concurrently;
- ``HANDLE``: returns an engine object (``handle``) whose methods have rows of their own, issues
  nothing by itself;
- ``DECORATOR``: makes the decorated function a step (its calls record a row, ``then`` follow);
- ``SILENT``: records nothing (reads the clock, the logger, the workflow's own info…);
- ``OUTSIDE``: not workflow code (definitions, lifecycle, configuration; the engine raises or
  does nothing recordable if called in a workflow);
- ``UNMODELLED``: records something patchlint does not model yet (``note`` says what); the
  dialects return ``walker.EngineCall`` so that ``patchlint steps`` lists the call.

Derived from the SDKs' own source: ``temporalio/workflow/*.py`` and
``temporalio/worker/_workflow_instance.py`` (which calls add commands); ``dbos/_dbos.py``,
``dbos/_core.py``, ``dbos/_sys_db.py``, ``dbos/_datasource.py``, ``dbos/_queue.py``,
``dbos/_debouncer.py`` (the ``function_name`` each operation writes, and how many
``function_id``s it takes). ``tests/test_api_coverage.py`` fails when the installed SDKs grow a
public API this table does not list; ``tests/test_conformance_apis.py`` runs every row that has an
``example`` on the real engines and compares what they record with what patchlint predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchlint.model import program as m

TEMPORAL = "temporal"
DBOS = "dbos"

STEP = "step"
PATCH = "patch"
DEPRECATE = "deprecate"
WAIT = "wait"
PARALLEL = "parallel"
HANDLE = "handle"
DECORATOR = "decorator"
SILENT = "silent"
OUTSIDE = "outside"
UNMODELLED = "unmodelled"

EFFECTS = (STEP, PATCH, DEPRECATE, WAIT, PARALLEL, HANDLE, DECORATOR, SILENT, OUTSIDE, UNMODELLED)


# ---- name rules: how the recorded name is derived from the call --------------------------------
@dataclass(frozen=True)
class Fixed:
    """Always the same name (``DBOS.recv``, Temporal's ``timer``)."""

    name: str


@dataclass(frozen=True)
class ActivityType:
    """Temporal activity type: a string literal, ``@activity.defn(name=...)`` of the referenced
    function (or of a class's ``__call__``), else the function's ``__name__``."""

    index: int = 0
    keyword: str = "activity"


@dataclass(frozen=True)
class WorkflowType:
    """Temporal workflow type: a string literal, ``@workflow.defn(name=...)`` of the referenced
    class (``Cls.run`` or ``Cls``), else the class name."""

    index: int = 0
    keyword: str = "workflow"


@dataclass(frozen=True)
class FunctionName:
    """DBOS registered name of a referenced ``@DBOS.workflow``/``@DBOS.step`` function: the
    decorator's ``name=``, else ``__qualname__``."""

    index: int = 0
    keyword: str = "func"


@dataclass(frozen=True)
class StepOptionsName:
    """``run_step``/``run_tx_step``: ``options["name"]`` when given (a dict literal), else the
    function's ``__qualname__`` (``dbos/_core.py``: ``options["name"] or func.__qualname__``;
    ``dbos/_datasource.py``: ``_parse_ds_options``)."""

    options: int = 0
    function: int = 1


@dataclass(frozen=True)
class OptionsKey:
    """A key of an options dict literal (``enqueue_workflow_with_options``: ``workflow_name``)."""

    index: int
    keyword: str
    key: str


@dataclass(frozen=True)
class Operation:
    """A Nexus operation: a string literal, else the last name of ``Service.operation``."""

    index: int = 0
    keyword: str = "operation"


@dataclass(frozen=True)
class PatchId:
    index: int = 0
    keyword: str = "id"


@dataclass(frozen=True)
class Duration:
    """The argument that says how long a sleep lasts, and what a zero (or negative) duration
    records: ``workflow.sleep(0)`` still starts a timer (``_timer_impl`` refuses only negative
    delays), ``asyncio.sleep(0)`` yields without a timer (CPython's ``delay <= 0`` fast path),
    ``DBOS.sleep(0)`` returns before taking a function id (``if seconds <= 0: return``)."""

    index: int
    keyword: str
    zero_records: bool
    optional: bool = False  # no argument: no timer (``wait_condition`` without ``timeout``)


Rule = Fixed | ActivityType | WorkflowType | FunctionName | StepOptionsName | OptionsKey | Operation | PatchId


@dataclass(frozen=True)
class Api:
    engine: str
    owner: str  # "workflow" (temporalio.workflow), "asyncio", "DBOS", or an engine class name
    name: str
    effect: str
    kind: str | None = None
    rule: Rule | None = None
    slots: int = 1
    handle: str | None = None  # the engine object the call returns (see OWNERS)
    deferred: bool = False  # the command goes out without the workflow waiting for it
    then: tuple[str, ...] = ()  # further DBOS rows the same call records
    duration: Duration | None = None
    # (index, keyword, value): the call records nothing when that argument is this literal
    unless: tuple[int, str, object] | None = None
    example: str | None = None  # a call for the conformance test (``tests/test_conformance_apis.py``)
    note: str = ""


# Handle kinds (the walker keeps them per local variable) → the engine classes whose methods the
# handle has. ``activity``/``child`` handles are awaited by ``await handle`` (walker.WAITABLE_HANDLES).
OWNERS: dict[str, tuple[str, ...]] = {
    "activity": ("ActivityHandle",),
    "child": ("ChildWorkflowHandle",),
    "external": ("ExternalWorkflowHandle",),
    "nexus": ("NexusClient",),
    "nexus_operation": ("NexusOperationHandle",),
    "event_group": ("EventGroup",),
    "dbos": ("WorkflowHandle", "WorkflowHandleAsync"),
    "queue": ("Queue",),
    "datasource": ("SQLAlchemyDatasource", "AsyncSQLAlchemyDatasource"),
    "reservation": ("StepReservation",),
    "debouncer": ("Debouncer",),
}

# The installed SDK classes each owner names (for the coverage test; never imported by patchlint).
SDK_CLASSES: dict[str, str] = {
    "ActivityHandle": "temporalio.workflow:ActivityHandle",
    "ChildWorkflowHandle": "temporalio.workflow:ChildWorkflowHandle",
    "ExternalWorkflowHandle": "temporalio.workflow:ExternalWorkflowHandle",
    "NexusClient": "temporalio.workflow:NexusClient",
    "NexusOperationHandle": "temporalio.workflow:NexusOperationHandle",
    "EventGroup": "temporalio.workflow:EventGroup",
    "DBOS": "dbos:DBOS",
    "WorkflowHandle": "dbos:WorkflowHandle",
    "WorkflowHandleAsync": "dbos:WorkflowHandleAsync",
    "Queue": "dbos:Queue",
    "SQLAlchemyDatasource": "dbos:SQLAlchemyDatasource",
    "AsyncSQLAlchemyDatasource": "dbos:AsyncSQLAlchemyDatasource",
    "StepReservation": "dbos:StepReservation",
    "Debouncer": "dbos:Debouncer",
}


# ---- Temporal ----------------------------------------------------------------------------------
# ``asyncio.Task`` methods of Temporal activity/child handles (they subclass it): bookkeeping in
# the workflow's memory, except ``cancel``, which has its own row.
TASK_METHODS = frozenset(
    (
        "done",
        "result",
        "exception",
        "add_done_callback",
        "remove_done_callback",
        "cancelled",
        "get_name",
        "set_name",
        "get_coro",
        "get_context",
        "get_loop",
        "get_stack",
        "print_stack",
        "cancelling",
        "uncancel",
        "set_result",
        "set_exception",
    )
)


def _t(name: str, effect: str, **kw) -> Api:
    return Api(TEMPORAL, "workflow", name, effect, **kw)


def _temporal_activities() -> list[Api]:
    rows = []
    targets = {"": "api_act", "_method": "ApiActivities.method_act", "_class": "ApiCallableActivity"}
    for what, kind in (("activity", m.ACTIVITY), ("local_activity", m.LOCAL_ACTIVITY)):
        for suffix, target in targets.items():
            call = f"{target}, SEQ, start_to_close_timeout=TIMEOUT)"
            rows.append(
                _t(
                    f"execute_{what}{suffix}",
                    STEP,
                    kind=kind,
                    rule=ActivityType(),
                    example=f"await workflow.execute_{what}{suffix}({call}",
                )
            )
            rows.append(
                _t(
                    f"start_{what}{suffix}",
                    STEP,
                    kind=kind,
                    rule=ActivityType(),
                    handle="activity",
                    deferred=True,
                    example=f"handle = workflow.start_{what}{suffix}({call}\nawait handle",
                )
            )
    return rows


_TEMPORAL_SILENT = (
    # reads of the run's own state, deterministic randomness and time, logging, metrics
    "info",
    "now",
    "time",
    "time_ns",
    "random",
    "new_random",
    "random_seed",
    "uuid4",
    "uuid7",
    "memo",
    "memo_value",
    "logger",
    "metric_meter",
    "payload_converter",
    "extern_functions",
    "in_workflow",
    "instance",
    "is_failure_exception",
    "cancellation_reason",
    "current_update_info",
    "all_handlers_finished",
    "get_last_completion_result",
    "get_last_failure",
    "has_last_completion_result",
    "register_random_seed_callback",
    # details shown by the __temporal_workflow_metadata query: kept in memory, no command
    "get_current_details",
    "set_current_details",
    # handler registration happens in the workflow's memory
    "get_signal_handler",
    "set_signal_handler",
    "get_dynamic_signal_handler",
    "set_dynamic_signal_handler",
    "get_query_handler",
    "set_query_handler",
    "get_dynamic_query_handler",
    "set_dynamic_query_handler",
    "get_update_handler",
    "set_update_handler",
    "get_dynamic_update_handler",
    "set_dynamic_update_handler",
    # sandbox helpers (``workflow.unsafe.imports_passed_through()``…)
    "unsafe",
)
_TEMPORAL_SILENT_EXAMPLES = {
    "info": "workflow.info()",
    "now": "workflow.now()",
    "uuid4": "workflow.uuid4()",
    "random": "workflow.random().random()",
    "logger": "workflow.logger.info('api')",
    "memo": "workflow.memo()",
    "set_current_details": "workflow.set_current_details('api')",
}
_TEMPORAL_OUTSIDE = ("defn", "run", "init", "signal", "query", "update", "dynamic_config")

TEMPORAL_APIS: tuple[Api, ...] = (
    *_temporal_activities(),
    _t(
        "execute_child_workflow",
        STEP,
        kind=m.CHILD_WORKFLOW,
        rule=WorkflowType(),
        example='await workflow.execute_child_workflow(ApiChild.run, 1, id=f"{workflow.info().workflow_id}-c{SEQ}")',
    ),
    _t(
        "start_child_workflow",
        STEP,
        kind=m.CHILD_WORKFLOW,
        rule=WorkflowType(),
        handle="child",
        example='child = await workflow.start_child_workflow(ApiChild.run, 1, id=f"{workflow.info().workflow_id}-s{SEQ}")\nawait child',
    ),
    _t(
        "sleep",
        STEP,
        kind=m.TIMER,
        rule=Fixed("timer"),
        duration=Duration(0, "duration", zero_records=True),
        example="await workflow.sleep(timedelta(milliseconds=10))",
    ),
    _t(
        "wait_condition",
        STEP,
        kind=m.TIMER,
        rule=Fixed("timer"),
        duration=Duration(1, "timeout", zero_records=False, optional=True),
        example="try:\n    await workflow.wait_condition(lambda: False, timeout=timedelta(milliseconds=10))\n"
        "except asyncio.TimeoutError:\n    pass",
        note="without a timeout it only waits; asyncio.wait_for starts no timer for a timeout <= 0",
    ),
    _t("continue_as_new", STEP, kind=m.CONTINUE_AS_NEW, rule=Fixed(m.CONTINUE_AS_NEW)),
    _t(
        "upsert_search_attributes",
        STEP,
        kind=m.UPSERT_SEARCH_ATTRIBUTES,
        rule=Fixed("upsert_search_attributes"),
        example="workflow.upsert_search_attributes([API_KEYWORD.value_set('x')])",
    ),
    _t(
        "upsert_memo",
        STEP,
        kind=m.UPSERT_MEMO,
        rule=Fixed("upsert_memo"),
        example="workflow.upsert_memo({'k': SEQ})",
        note="command ModifyWorkflowProperties, event WorkflowPropertiesModified",
    ),
    _t(
        "signal_with_start_workflow",
        STEP,
        kind=m.NEXUS_OPERATION,
        rule=Fixed("SignalWithStartWorkflowExecution"),
        handle="external",
        note="a Nexus operation on the system WorkflowService endpoint (the dev server of the tests "
        "has none: not engine-checked)",
    ),
    _t("patched", PATCH, rule=PatchId()),
    _t("deprecate_patch", DEPRECATE, rule=PatchId()),
    _t("wait", PARALLEL),
    _t("as_completed", PARALLEL),
    _t("get_external_workflow_handle", HANDLE, handle="external"),
    _t("get_external_workflow_handle_for", HANDLE, handle="external"),
    _t("create_nexus_client", HANDLE, handle="nexus"),
    _t("create_event_group", HANDLE, handle="event_group"),
    *(_t(name, SILENT, example=_TEMPORAL_SILENT_EXAMPLES.get(name)) for name in _TEMPORAL_SILENT),
    *(_t(name, OUTSIDE) for name in _TEMPORAL_OUTSIDE),
    # asyncio functions the workflow's event loop turns into commands
    Api(
        TEMPORAL,
        "asyncio",
        "sleep",
        STEP,
        kind=m.TIMER,
        rule=Fixed("timer"),
        duration=Duration(0, "delay", zero_records=False),
        example="await asyncio.sleep(0.01)",
    ),
    Api(TEMPORAL, "asyncio", "gather", PARALLEL),
    Api(TEMPORAL, "asyncio", "wait", PARALLEL),
    Api(TEMPORAL, "asyncio", "as_completed", PARALLEL),
    Api(
        TEMPORAL,
        "asyncio",
        "wait_for",
        UNMODELLED,
        note="a timeout > 0 starts a timer before the awaited commands and cancels it when they "
        "finish (TimerStarted … TimerCanceled, measured on the dev server)",
    ),
    Api(TEMPORAL, "asyncio", "timeout", UNMODELLED, note="starts a timer (loop.call_at)"),
    # handles
    Api(
        TEMPORAL,
        "ChildWorkflowHandle",
        "signal",
        STEP,
        kind=m.SIGNAL_EXTERNAL,
        rule=Fixed("signal"),
        example='child = await workflow.start_child_workflow(ApiChild.run, -1, id=f"{workflow.info().workflow_id}-h{SEQ}")\n'
        "await child.signal(ApiChild.poke)\nawait child",
    ),
    Api(
        TEMPORAL,
        "ChildWorkflowHandle",
        "cancel",
        STEP,
        kind=m.CANCEL_EXTERNAL,
        rule=Fixed("cancel"),
        deferred=True,
        example='child = await workflow.start_child_workflow(ApiChild.run, -1, id=f"{workflow.info().workflow_id}-k{SEQ}")\n'
        "child.cancel()\ntry:\n    await child\nexcept Exception:\n    pass",
        note="the handle of a started child: RequestCancelExternalWorkflowExecution, not waited for",
    ),
    Api(TEMPORAL, "ChildWorkflowHandle", "id", SILENT),
    *(
        Api(TEMPORAL, owner, name, SILENT)
        for owner in ("ActivityHandle", "ChildWorkflowHandle")
        for name in sorted(TASK_METHODS)
    ),
    Api(TEMPORAL, "ChildWorkflowHandle", "first_execution_run_id", SILENT),
    Api(
        TEMPORAL,
        "ActivityHandle",
        "cancel",
        UNMODELLED,
        note="of a scheduled activity: RequestCancelActivityTask (event ActivityTaskCancelRequested, "
        "measured on the dev server); before the command went out: nothing",
    ),
    Api(
        TEMPORAL,
        "ExternalWorkflowHandle",
        "signal",
        STEP,
        kind=m.SIGNAL_EXTERNAL,
        rule=Fixed("signal"),
        example='child = await workflow.start_child_workflow(ApiChild.run, -1, id=f"{workflow.info().workflow_id}-e{SEQ}")\n'
        "await workflow.get_external_workflow_handle(child.id).signal(ApiChild.poke)\nawait child",
    ),
    Api(
        TEMPORAL,
        "ExternalWorkflowHandle",
        "cancel",
        STEP,
        kind=m.CANCEL_EXTERNAL,
        rule=Fixed("cancel"),
        example='child = await workflow.start_child_workflow(ApiChild.run, -1, id=f"{workflow.info().workflow_id}-x{SEQ}")\n'
        "await workflow.get_external_workflow_handle(child.id).cancel()\n"
        "try:\n    await child\nexcept Exception:\n    pass",
    ),
    Api(TEMPORAL, "ExternalWorkflowHandle", "id", SILENT),
    Api(TEMPORAL, "ExternalWorkflowHandle", "run_id", SILENT),
    Api(
        TEMPORAL,
        "NexusClient",
        "execute_operation",
        STEP,
        kind=m.NEXUS_OPERATION,
        rule=Operation(),
        example="nexus = workflow.create_nexus_client(service=ApiService, endpoint=API_ENDPOINT)\n"
        "await nexus.execute_operation(ApiService.echo, SEQ)",
    ),
    Api(
        TEMPORAL,
        "NexusClient",
        "start_operation",
        STEP,
        kind=m.NEXUS_OPERATION,
        rule=Operation(),
        handle="nexus_operation",
        example="nexus = workflow.create_nexus_client(service=ApiService, endpoint=API_ENDPOINT)\n"
        "operation = await nexus.start_operation(ApiService.echo, SEQ)\nawait operation",
    ),
    Api(TEMPORAL, "NexusOperationHandle", "cancel", UNMODELLED, note="RequestCancelNexusOperation"),
    Api(TEMPORAL, "NexusOperationHandle", "operation_token", SILENT),
    Api(TEMPORAL, "EventGroup", "scope", SILENT, note="labels the commands issued inside it"),
)


# ---- DBOS --------------------------------------------------------------------------------------
def _d(name: str, effect: str, **kw) -> Api:
    return Api(DBOS, "DBOS", name, effect, **kw)


def _d2(name: str, effect: str, **kw) -> tuple[Api, Api]:
    """A DBOS method and its ``_async`` twin, recording the same rows."""
    example = kw.pop("example", None)
    async_example = kw.pop("async_example", None)
    return (_d(name, effect, example=example, **kw), _d(f"{name}_async", effect, example=async_example, **kw))


def _fixed(
    name: str, recorded: str, example: str | None = None, async_example: str | None = None, slots: int = 1, **kw
) -> tuple[Api, Api]:
    return _d2(
        name,
        STEP,
        kind=m.DBOS_STEP,
        rule=Fixed(recorded),
        slots=slots,
        example=example,
        async_example=async_example,
        **kw,
    )


_DBOS_SILENT = (
    # class properties of the running workflow / application
    "application_version",
    "executor_id",
    "logger",
    "workflow_id",
    "shard_key",
    "step_id",
    "step_status",
    "span",
    "authenticated_user",
    "authenticated_roles",
    "assumed_role",
    "tracer",
    "set_authentication",
)
_DBOS_OUTSIDE = (
    # definitions
    "workflow",
    "step",
    "dbos_class",
    "default_required_roles",
    "required_roles",
    "kafka_consumer",
    # lifecycle and administration (no step row; several raise inside a workflow)
    "launch",
    "destroy",
    "migrate",
    "reset_system_database",
    "listen_queues",
    "alert_handler",
    "apply_schedules",
    "apply_schedules_async",
    "backfill_schedule",
    "trigger_schedule",
    "list_application_versions",
    "list_application_versions_async",
    "get_latest_application_version",
    "get_latest_application_version_async",
    "set_latest_application_version",
    "set_latest_application_version_async",
    "delete_queue",
    "delete_queue_async",
    "list_queues",
    "list_queues_async",
)

_HANDLE_EXAMPLES = {
    "WorkflowHandle": "handle = DBOS.start_workflow(api_child, SEQ)\nhandle.{method}()",
    "WorkflowHandleAsync": "handle = await DBOS.start_workflow_async(api_child_async, SEQ)\nawait handle.{method}()",
}

DBOS_APIS: tuple[Api, ...] = (
    *_fixed(
        "sleep",
        m.DBOS_SLEEP,
        duration=Duration(0, "seconds", zero_records=False),
        example="DBOS.sleep(0.01)",
        async_example="await DBOS.sleep_async(0.01)",
    ),
    *_fixed(
        "recv",
        "DBOS.recv",
        slots=2,
        example="DBOS.recv('t', 0)",
        async_example="await DBOS.recv_async('t', 0)",
        note="the call's row, then its timeout's DBOS.sleep row",
    ),
    *_fixed(
        "get_event",
        "DBOS.getEvent",
        slots=2,
        example="DBOS.get_event(OTHER, 'k', 0)",
        async_example="await DBOS.get_event_async(OTHER, 'k', 0)",
    ),
    *_fixed(
        "send",
        "DBOS.send",
        example="DBOS.send(OTHER, 'm', 't')",
        async_example="await DBOS.send_async(OTHER, 'm', 't')",
    ),
    *_fixed(
        "send_bulk",
        "DBOS.send_bulk",
        example="DBOS.send_bulk([SendMessage(destination_id=OTHER, message='m', topic='t', idempotency_key=None, shard_key=None)])",
        async_example="await DBOS.send_bulk_async([SendMessage(destination_id=OTHER, message='m', topic='t', idempotency_key=None, shard_key=None)])",
    ),
    *_fixed(
        "set_event",
        "DBOS.setEvent",
        example="DBOS.set_event('k', SEQ)",
        async_example="await DBOS.set_event_async('k', SEQ)",
    ),
    *_fixed(
        "get_all_events",
        "DBOS.get_events",
        example="DBOS.get_all_events(OTHER)",
        async_example="await DBOS.get_all_events_async(OTHER)",
    ),
    *_fixed(
        "write_stream",
        "DBOS.writeStream",
        example="DBOS.write_stream('s', SEQ)",
        async_example="await DBOS.write_stream_async('s', SEQ)",
    ),
    *_fixed(
        "close_stream",
        "DBOS.closeStream",
        example="DBOS.close_stream('s')",
        async_example="await DBOS.close_stream_async('s')",
    ),
    *_d2("read_stream", UNMODELLED, note="one DBOS.readStream row per value read, and one for the end"),
    *_fixed("read_stream_offset", "DBOS.readStreamOffset"),
    *_fixed(
        "get_result",
        "DBOS.getResult",
        example="DBOS.get_result(OTHER)",
        async_example="await DBOS.get_result_async(OTHER)",
    ),
    *_fixed(
        "get_workflow_status",
        "DBOS.getStatus",
        example="DBOS.get_workflow_status(OTHER)",
        async_example="await DBOS.get_workflow_status_async(OTHER)",
    ),
    *_fixed(
        "retrieve_workflow",
        "DBOS.getStatus",
        handle="dbos",
        unless=(1, "existing_workflow", False),
        example="DBOS.retrieve_workflow(OTHER)",
        async_example="await DBOS.retrieve_workflow_async(OTHER)",
    ),
    *_fixed("wait_first", "DBOS.waitFirst", example="DBOS.wait_first([DBOS.retrieve_workflow(OTHER)])"),
    _d(
        "asyncio_wait",
        UNMODELLED,
        note="takes its DBOS.asyncio_wait id before the awaitables it runs concurrently take theirs",
    ),
    *_fixed(
        "cancel_workflow",
        "DBOS.cancelWorkflow",
        example="DBOS.cancel_workflow('no-such-workflow')",
        async_example="await DBOS.cancel_workflow_async('no-such-workflow')",
    ),
    *_fixed("cancel_workflows", "DBOS.cancelWorkflow"),
    *_fixed(
        "delete_workflow",
        "DBOS.deleteWorkflow",
        example="DBOS.delete_workflow('no-such-workflow')",
        async_example="await DBOS.delete_workflow_async('no-such-workflow')",
    ),
    *_fixed("delete_workflows", "DBOS.deleteWorkflow"),
    *_fixed("resume_workflow", "DBOS.resumeWorkflow"),
    *_fixed("resume_workflows", "DBOS.resumeWorkflow"),
    *_fixed(
        "update_workflow_attributes",
        "DBOS.updateWorkflowAttributes",
        example="DBOS.update_workflow_attributes(OTHER, {'api': SEQ})",
        async_example="await DBOS.update_workflow_attributes_async(OTHER, {'api': SEQ})",
    ),
    *_fixed("set_workflow_delay", "DBOS.setWorkflowDelay"),
    *_fixed("rewind_workflow", "DBOS.rewindWorkflow"),
    *_fixed(
        "fork_workflow",
        "DBOS.forkWorkflow",
        handle="dbos",
        then=("DBOS.getStatus",),
        example="DBOS.fork_workflow(OTHER, 1)",
        async_example="await DBOS.fork_workflow_async(OTHER, 1)",
        note="the fork's row, then retrieve_workflow's on the new id",
    ),
    *_fixed(
        "list_workflows",
        "DBOS.listWorkflows",
        example="DBOS.list_workflows(limit=1)",
        async_example="await DBOS.list_workflows_async(limit=1)",
    ),
    *_fixed("list_queued_workflows", "DBOS.listQueuedWorkflows", example="DBOS.list_queued_workflows(limit=1)"),
    *_fixed(
        "list_workflow_steps",
        "DBOS.listWorkflowSteps",
        example="DBOS.list_workflow_steps(OTHER)",
        async_example="await DBOS.list_workflow_steps_async(OTHER)",
    ),
    *_fixed("create_schedule", "DBOS.createSchedule"),
    *_fixed("list_schedules", "DBOS.listSchedules", example="DBOS.list_schedules()"),
    *_fixed("get_schedule", "DBOS.getSchedule", example="DBOS.get_schedule('no-such-schedule')"),
    *_fixed("delete_schedule", "DBOS.deleteSchedule"),
    _d("pause_schedule", STEP, kind=m.DBOS_STEP, rule=Fixed("DBOS.pauseSchedule")),
    _d("resume_schedule", STEP, kind=m.DBOS_STEP, rule=Fixed("DBOS.resumeSchedule")),
    *_d2(
        "start_workflow",
        STEP,
        kind=m.DBOS_STEP,
        rule=FunctionName(),
        handle="dbos",
        example="DBOS.start_workflow(api_child, SEQ)",
        async_example="await DBOS.start_workflow_async(api_child_async, SEQ)",
    ),
    *_d2(
        "enqueue_workflow",
        STEP,
        kind=m.DBOS_STEP,
        rule=FunctionName(1, "func"),
        handle="dbos",
        example="DBOS.enqueue_workflow('api_queue', api_child, SEQ)",
        async_example="await DBOS.enqueue_workflow_async('api_queue', api_child_async, SEQ)",
    ),
    *_d2(
        "enqueue_workflow_with_options",
        STEP,
        kind=m.DBOS_STEP,
        rule=OptionsKey(0, "options", "workflow_name"),
        handle="dbos",
    ),
    *_d2(
        "run_step",
        STEP,
        kind=m.DBOS_STEP,
        rule=StepOptionsName(),
        example="DBOS.run_step({'name': 'api_named_step'}, api_plain)",
        async_example="await DBOS.run_step_async({'name': 'api_named_step'}, api_plain)",
    ),
    _d(
        "reserve_step",
        UNMODELLED,
        handle="reservation",
        note="takes a function id now; StepReservation.run records the step there later",
    ),
    *_d2("patch", PATCH, rule=PatchId(0, "patch_name")),
    *_d2("deprecate_patch", DEPRECATE, rule=PatchId(0, "patch_name")),
    *_d2(
        "register_queue",
        HANDLE,
        handle="queue",
        note="writes the queue's row, no step",
        example="DBOS.register_queue('api_queue')",
        async_example="await DBOS.register_queue_async('api_queue')",
    ),
    *_d2("retrieve_queue", HANDLE, handle="queue"),
    *(
        _d(
            name,
            SILENT,
            example={
                "logger": "DBOS.logger.info('api')",
                "workflow_id": "DBOS.workflow_id",
                "step_id": "DBOS.step_id",
            }.get(name),
        )
        for name in _DBOS_SILENT
    ),
    *(_d(name, OUTSIDE) for name in _DBOS_OUTSIDE),
    # workflow handles (start_workflow, enqueue, retrieve_workflow): the async handle has the same
    *(
        api
        for owner in ("WorkflowHandle", "WorkflowHandleAsync")
        for api in (
            Api(
                DBOS,
                owner,
                "get_result",
                STEP,
                kind=m.DBOS_STEP,
                rule=Fixed("DBOS.getResult"),
                example=_HANDLE_EXAMPLES[owner].format(method="get_result"),
            ),
            Api(
                DBOS,
                owner,
                "get_status",
                STEP,
                kind=m.DBOS_STEP,
                rule=Fixed("DBOS.getStatus"),
                example=_HANDLE_EXAMPLES[owner].format(method="get_status"),
            ),
            Api(DBOS, owner, "get_workflow_id", SILENT),
        )
    ),
    # queues
    Api(
        DBOS,
        "Queue",
        "enqueue",
        STEP,
        kind=m.DBOS_STEP,
        rule=FunctionName(),
        handle="dbos",
        example="queue = DBOS.retrieve_queue('api_queue')\nqueue.enqueue(api_child, SEQ)",
    ),
    Api(
        DBOS,
        "Queue",
        "enqueue_async",
        STEP,
        kind=m.DBOS_STEP,
        rule=FunctionName(),
        handle="dbos",
        example="queue = await DBOS.retrieve_queue_async('api_queue')\nawait queue.enqueue_async(api_child_async, SEQ)",
    ),
    # datasources (``ds = SQLAlchemyDatasource.create(url)``; DBOS's demo shop runs every step so)
    *(
        api
        for owner, suffix in (("SQLAlchemyDatasource", ""), ("AsyncSQLAlchemyDatasource", "_async"))
        for api in (
            Api(
                DBOS,
                owner,
                f"run_tx_step{suffix}",
                STEP,
                kind=m.DBOS_STEP,
                rule=StepOptionsName(),
                example=None if suffix else "ds.run_tx_step({'name': 'api_tx'}, api_plain)",
            ),
            Api(DBOS, owner, "transaction", DECORATOR, kind=m.DBOS_STEP, example=None if suffix else "api_tx_fn(SEQ)"),
            Api(DBOS, owner, "sql_session", SILENT, note="the session of the running transaction"),
            *(Api(DBOS, owner, name, OUTSIDE) for name in ("create", "migrate", "run_migrations", "verify_migrations")),
        )
    ),
    # asyncio in async DBOS workflows: concurrency, and a sleep DBOS does not checkpoint
    Api(DBOS, "asyncio", "gather", PARALLEL),
    Api(DBOS, "asyncio", "wait", PARALLEL),
    Api(DBOS, "asyncio", "as_completed", PARALLEL),
    Api(
        DBOS,
        "asyncio",
        "sleep",
        SILENT,
        example="await asyncio.sleep(0.01)",
        note="not durable: no row (DBOS.sleep_async is the durable sleep)",
    ),
    Api(DBOS, "StepReservation", "run", UNMODELLED, note="the step, at the id reserve_step took"),
    Api(DBOS, "StepReservation", "run_async", UNMODELLED, note="the step, at the id reserve_step took"),
    Api(DBOS, "StepReservation", "step_id", SILENT),
    Api(DBOS, "Debouncer", "create", HANDLE, handle="debouncer"),
    Api(DBOS, "Debouncer", "create_async", HANDLE, handle="debouncer"),
    Api(
        DBOS,
        "Debouncer",
        "debounce",
        UNMODELLED,
        note="a DBOS.debounce_delayed_workflow row, then maybe the enqueued workflow's",
    ),
    Api(
        DBOS,
        "Debouncer",
        "debounce_async",
        UNMODELLED,
        note="a DBOS.debounce_delayed_workflow row, then maybe the enqueued workflow's",
    ),
)

# Queue configuration: reads and writes of the queue's own row, no step.
_QUEUE_CONFIG = (
    "concurrency",
    "global_concurrency",
    "partition_concurrency",
    "partition_worker_concurrency",
    "partition_limiter",
    "worker_concurrency",
    "limiter",
    "polling_interval_sec",
)
DBOS_APIS += tuple(
    Api(DBOS, "Queue", name, SILENT)
    for base in _QUEUE_CONFIG
    for name in (base, f"get_{base}_async", f"set_{base}", f"set_{base}_async")
)

# DBOS.workflow/step/transaction decorators: the decorated function is a step.
DBOS_DECORATORS: dict[str, tuple[str, ...]] = {
    "step": (),
    "transaction": (),
    "workflow": ("DBOS.getResult",),  # a direct call starts the child and waits for it
}


def _index(rows: tuple[Api, ...]) -> dict[tuple[str, str], Api]:
    table: dict[tuple[str, str], Api] = {}
    for row in rows:
        key = (row.owner, row.name)
        if key in table:
            raise ValueError(f"two rows for {row.engine} {key}")
        table[key] = row
    return table


TEMPORAL_TABLE = _index(TEMPORAL_APIS)
DBOS_TABLE = _index(DBOS_APIS)
APIS = TEMPORAL_APIS + DBOS_APIS


def lookup(engine: str, owner: str, name: str) -> Api | None:
    return (TEMPORAL_TABLE if engine == TEMPORAL else DBOS_TABLE).get((owner, name))


def owners_of(handle: str | None) -> tuple[str, ...]:
    return OWNERS.get(handle or "", ())


def method_of_handle(engine: str, handle: str | None, name: str) -> Api | None:
    for owner in owners_of(handle):
        row = lookup(engine, owner, name)
        if row is not None:
            return row
    return None


def records(row: Api, call, scope) -> bool | None:
    """Whether this call of a ``STEP`` row records its step, from the arguments Python fixes:
    False for a zero-length sleep the engine skips or an ``unless`` argument, None when an
    optional duration is absent (``wait_condition`` without a timeout only waits)."""
    from datetime import timedelta

    from patchlint.extract.values import UNKNOWN
    from patchlint.extract.walker import argument

    if row.unless is not None:
        index, keyword, skip = row.unless
        arg = argument(call, index, keyword)
        if arg is not None:
            value = scope.value(arg)
            if value is not UNKNOWN and type(value) is type(skip) and value == skip:
                return False
    duration = row.duration
    if duration is None:
        return True
    arg = (
        argument(call, duration.index, duration.keyword) if not duration.optional else _keyword(call, duration.keyword)
    )
    if arg is None:
        return None if duration.optional else True
    value = scope.value(arg)
    if value is UNKNOWN:
        return True
    if value is None:
        return None if duration.optional else True
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
        return duration.zero_records
    return True


def _keyword(call, keyword: str):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None
