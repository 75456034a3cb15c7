"""Read real workflow histories into the runtime's history types, without any engine installed.

Temporal: the JSON that ``temporal workflow show --output json`` and ``WorkflowHistory.to_json()``
write (proto JSON: ``{"events": [...]}``; older tools spell event types ``WorkflowTaskCompleted``
instead of ``EVENT_TYPE_WORKFLOW_TASK_COMPLETED``). The command events are kept (with the SDK's own:
update responses, cancelled timers), with their real event ids, the workflow-task boundaries that
say where a run can pause, and for each workflow task what woke it: the signals and updates
delivered in it and the commands whose results came in (``Activation``), so that replay can run
the handlers in history order and follow the path the history proves.

DBOS: the rows of ``workflow_status`` and ``operation_outputs`` in a system database (SQLite with
the stdlib, Postgres with psycopg when installed) or in a JSON export of those tables.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import ijson

from patchlint.errors import InputError, open_input
from patchlint.model import program as m
from patchlint.semantics.history import (
    CANCEL_TIMER,
    MARKER,
    PATCH_MARKER_NAME,
    UPDATE_ACCEPTED,
    UPDATE_COMPLETED,
    Activation,
    DbosHistory,
    DbosRow,
    Delivery,
    TemporalEvent,
    TemporalHistory,
)


@dataclass(frozen=True)
class LoadedHistory:
    """One history and where it came from (the ``history`` field of ``patchlint replay`` output)."""

    source: str
    workflow_id: str
    workflow_type: str
    history: TemporalHistory | DbosHistory
    # the engine's number of each event / row of ``history`` (Temporal: HistoryEvent ids of the
    # command events, then the closing event's; DBOS: function ids), for error locations
    event_ids: tuple[int, ...] = ()


# ---------------------------------------------------------------------------------------- Temporal

_CLOSED = {
    "WORKFLOW_EXECUTION_COMPLETED",
    "WORKFLOW_EXECUTION_FAILED",
    "WORKFLOW_EXECUTION_TIMED_OUT",
    "WORKFLOW_EXECUTION_CANCELED",
    "WORKFLOW_EXECUTION_TERMINATED",
    "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
}
# Commands the SDK issues on its own: a patch's ``TemporalChangeVersion`` upsert is not user code.
_SDK_SEARCH_ATTRIBUTES = {"TemporalChangeVersion"}


class _Malformed(Exception):
    """A wrong type or value inside one event or row; the caller adds where it is."""


def _get(obj, *keys: str):
    """``obj[k1][k2]...``, or None when a key is absent; a non-object on the way is malformed."""
    for depth, key in enumerate(keys):
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise _Malformed(f"{'.'.join(keys[:depth]) or 'event'}: expected an object, got {_type(obj)}")
        obj = obj.get(key)
    return obj


def _str(obj, *keys: str) -> str:
    value = _get(obj, *keys)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Malformed(f"{'.'.join(keys)}: expected a string, got {_type(value)}")
    return value


def _id(obj, *keys: str) -> int | None:
    """An event id (proto JSON writes int64 as a string), or None when absent."""
    value = _get(obj, *keys)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise _Malformed(f"{'.'.join(keys)}: expected an event id, got {_short(value)}")


def _type(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _event_type(event: dict) -> str:
    """``WORKFLOW_TASK_COMPLETED`` from either spelling of the event type."""
    raw = _str(event, "eventType")
    if not raw:
        raise _Malformed("no eventType")
    if raw.startswith("EVENT_TYPE_"):
        return raw[len("EVENT_TYPE_") :]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", raw).upper()


def _attributes(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventAttributes"):
            if not isinstance(value, dict):
                raise _Malformed(f"{key}: expected an object, got {_type(value)}")
            return value
    return {}


def _payload_json(payloads):
    """Decode the first ``json/plain`` payload of a ``{"payloads": [...]}`` object."""
    try:
        data = payloads["payloads"][0]["data"]
        return json.loads(base64.b64decode(data))
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def _command(kind: str, attrs: dict) -> TemporalEvent | None:
    """The runtime event for one command event type, or None when replay does not compare it."""
    if kind == "ACTIVITY_TASK_SCHEDULED":
        return TemporalEvent(m.ACTIVITY, _str(attrs, "activityType", "name"), seq=_seq(_get(attrs, "activityId")))
    if kind == "TIMER_STARTED":
        return TemporalEvent(m.TIMER, "timer")
    if kind == "TIMER_CANCELED":
        return TemporalEvent(CANCEL_TIMER, "timer")
    if kind == "START_CHILD_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.CHILD_WORKFLOW, _str(attrs, "workflowType", "name"))
    if kind == "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.SIGNAL_EXTERNAL, "signal")
    if kind == "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.CANCEL_EXTERNAL, "cancel")
    if kind == "WORKFLOW_EXECUTION_CONTINUED_AS_NEW":
        return TemporalEvent(m.CONTINUE_AS_NEW, m.CONTINUE_AS_NEW)
    if kind == "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES":
        fields = set(_get(attrs, "searchAttributes", "indexedFields") or {})
        if fields and fields <= _SDK_SEARCH_ATTRIBUTES:
            return None
        return TemporalEvent(m.UPSERT_SEARCH_ATTRIBUTES, "upsert_search_attributes")
    if kind == "WORKFLOW_PROPERTIES_MODIFIED":
        return TemporalEvent(m.UPSERT_MEMO, m.UPSERT_MEMO)
    if kind == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
        return TemporalEvent(UPDATE_ACCEPTED, _str(attrs, "acceptedRequest", "input", "name"))
    if kind == "WORKFLOW_EXECUTION_UPDATE_COMPLETED":
        return TemporalEvent(UPDATE_COMPLETED, "")  # named after its accepted event below
    if kind == "MARKER_RECORDED":
        return _marker(attrs)
    return None


def _marker(attrs: dict) -> TemporalEvent | None:
    details = _get(attrs, "details") or {}
    name = _str(attrs, "markerName")
    if name == PATCH_MARKER_NAME:
        data = _payload_json(_get(details, "patch-data") or _get(details, "patch_data"))
        data = data if isinstance(data, dict) else {}
        patch_id = data.get("id") if isinstance(data.get("id"), str) else None
        return TemporalEvent(MARKER, patch_id or "", patch_id, bool(data.get("deprecated")))
    if name == "core_local_activity":
        data = _payload_json(_get(details, "data"))
        data = data if isinstance(data, dict) else {}
        activity = data.get("activity_type")
        return TemporalEvent(m.LOCAL_ACTIVITY, activity if isinstance(activity, str) else "", seq=_seq(data.get("seq")))
    return None


def _seq(value) -> int | None:
    """An activity's sequence number: its default activity id (a custom id says nothing)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


# Events that hand a command's result to the workflow, and the attribute naming that command.
_RESOLVING = {
    "ACTIVITY_TASK_COMPLETED": "scheduledEventId",
    "ACTIVITY_TASK_FAILED": "scheduledEventId",
    "ACTIVITY_TASK_TIMED_OUT": "scheduledEventId",
    "ACTIVITY_TASK_CANCELED": "scheduledEventId",
    "TIMER_FIRED": "startedEventId",
    "CHILD_WORKFLOW_EXECUTION_COMPLETED": "initiatedEventId",
    "CHILD_WORKFLOW_EXECUTION_FAILED": "initiatedEventId",
    "CHILD_WORKFLOW_EXECUTION_CANCELED": "initiatedEventId",
    "CHILD_WORKFLOW_EXECUTION_TIMED_OUT": "initiatedEventId",
    "CHILD_WORKFLOW_EXECUTION_TERMINATED": "initiatedEventId",
    "START_CHILD_WORKFLOW_EXECUTION_FAILED": "initiatedEventId",
    "EXTERNAL_WORKFLOW_EXECUTION_SIGNALED": "initiatedEventId",
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED": "initiatedEventId",
    "EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED": "initiatedEventId",
    "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED": "initiatedEventId",
}
# Events that wake the workflow with something else to do (a job that is no signal or result).
_OTHER_JOBS = {
    "WORKFLOW_EXECUTION_STARTED",
    "CHILD_WORKFLOW_EXECUTION_STARTED",
    "WORKFLOW_EXECUTION_CANCEL_REQUESTED",
}


class _Activations:
    """Splits a history into workflow tasks and what woke each (see ``Activation``)."""

    def __init__(self) -> None:
        self.done: list[dict] = []
        self.pending = self._empty()

    @staticmethod
    def _empty() -> dict:
        return {"deliveries": [], "resolved": [], "started": [], "other_jobs": False}

    def task_completed(self, commands: int) -> None:
        if self.done:
            self.done[-1]["stop"] = commands
        self.done.append({**self.pending, "start": commands, "stop": commands})
        self.pending = self._empty()

    def command(self, commands: int) -> None:
        if self.done:
            self.done[-1]["stop"] = commands

    def freeze(self) -> tuple[Activation, ...]:
        return tuple(
            Activation(
                tuple(a["deliveries"]),
                tuple(a["resolved"]),
                a["other_jobs"],
                a["start"],
                a["stop"],
                tuple(a["started"]),
            )
            for a in self.done
        )


def temporal_history(events: Iterable, source: str = "<history>", where: str = "") -> LoadedHistory:
    """The history in proto-JSON events, cut or complete. ``events`` is read once, in order, so
    it may be a stream. A malformed event is an input error naming its index (``events[3]``)."""
    commands: list[TemporalEvent] = []
    ids: list[int] = []
    ends: list[int] = []
    by_id: dict[int, int] = {}  # event id of a command event -> its index in ``commands``
    activations = _Activations()
    completed = False
    workflow_type = workflow_id = ""
    index = -1
    for index, event in enumerate(events):
        try:
            if not isinstance(event, dict):
                raise _Malformed(f"expected an event object, got {_type(event)}")
            kind = _event_type(event)
            attrs = _attributes(event)
            event_id = _id(event, "eventId")
            if event_id is None:
                raise _Malformed("no eventId")
            if index == 0:
                if kind != "WORKFLOW_EXECUTION_STARTED":
                    raise InputError(f"{where}a Temporal history must start with WorkflowExecutionStarted", source)
                workflow_type = _str(attrs, "workflowType", "name")
                workflow_id = _str(attrs, "workflowId")
            # a task's commands follow its WorkflowTaskCompleted, so the next one closes the task
            if kind == "WORKFLOW_TASK_COMPLETED":
                if commands and (not ends or ends[-1] != len(commands) - 1):
                    ends.append(len(commands) - 1)
                activations.task_completed(len(commands))
            command = _command(kind, attrs)
            if command is not None:
                if command.kind == UPDATE_ACCEPTED:
                    if not activations.done:
                        raise _Malformed("an update accepted before any workflow task completed")
                    activations.done[-1]["deliveries"].append(Delivery("update", command.name))
                if command.kind == UPDATE_COMPLETED:
                    accepted = by_id.get(_id(attrs, "acceptedEventId"))
                    name = commands[accepted].name if accepted is not None else ""
                    command = TemporalEvent(UPDATE_COMPLETED, name)
                by_id[event_id] = len(commands)
                commands.append(command)
                ids.append(event_id)
                activations.command(len(commands))
            elif kind == "WORKFLOW_EXECUTION_SIGNALED":
                activations.pending["deliveries"].append(Delivery("signal", _str(attrs, "signalName")))
            elif kind in _RESOLVING:
                target = by_id.get(_id(attrs, _RESOLVING[kind]))
                if target is not None:
                    activations.pending["resolved"].append(target)
            elif kind in _OTHER_JOBS:
                activations.pending["other_jobs"] = True
                if kind == "CHILD_WORKFLOW_EXECUTION_STARTED":
                    target = by_id.get(_id(attrs, "initiatedEventId"))
                    if target is not None:
                        activations.pending["started"].append(target)
            if kind in _CLOSED:
                completed = True
                if command is None:
                    ids.append(event_id)
        except _Malformed as exc:
            raise InputError(f"{where}events[{index}]: {exc}", source) from None
    if index < 0:
        raise InputError(f"{where}a Temporal history must start with WorkflowExecutionStarted (no events)", source)
    history = TemporalHistory(
        workflow_type=workflow_type,
        events=tuple(commands),
        completed=completed,
        workflow_task_ends=tuple(ends),
        event_ids=tuple(ids),
        activations=activations.freeze(),
    )
    return LoadedHistory(source, workflow_id, workflow_type, history, tuple(ids))


def temporal_history_document(document, source: str, where: str = "") -> list[LoadedHistory]:
    """One ``{"events": [...]}`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise InputError(f'{where}not a Temporal history (no "events" list)', source)
    return [temporal_history(document["events"], source, where)]


def load_temporal_json(text: str, source: str) -> list[LoadedHistory]:
    """Histories in JSON text: one ``{"events": [...]}`` object, a list of them, or JSON lines."""
    return _load_stream(io.BytesIO(text.encode("utf-8")), source)


# -------------------------------------------------------------------------------------------- DBOS

_DONE = {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}


def dbos_history(status: dict, rows: list[dict]) -> DbosHistory:
    """One workflow's history from its ``workflow_status`` row and ``operation_outputs`` rows."""
    ordered = sorted(rows, key=lambda r: int(r["function_id"]))
    return DbosHistory(
        workflow_name=status.get("name") or "",
        rows=tuple(DbosRow(int(r["function_id"]), r["function_name"]) for r in ordered),
        completed=status.get("status") in _DONE,
    )


def _rows(tables: dict, table: str, required: dict[str, type], source: str) -> list[dict]:
    """The rows of one exported table, each checked to have the ``required`` columns."""
    rows = tables.get(table, [])
    if not isinstance(rows, list):
        raise InputError(f"{table}: expected a list of rows, got {_type(rows)}", source)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{table}[{index}]: expected a row object, got {_type(row)}", source)
        for column, kind in required.items():
            value = row.get(column)
            if value is None:
                raise InputError(f"{table}[{index}]: no {column}", source)
            if not isinstance(value, kind) or isinstance(value, bool):
                expected = "an integer" if kind is int else "a string"
                raise InputError(f"{table}[{index}]: {column}: expected {expected}, got {_short(value)}", source)
        for column in ("name", "status", "parent_workflow_id", "child_workflow_id"):
            if row.get(column) is not None and not isinstance(row[column], str):
                raise InputError(f"{table}[{index}]: {column}: expected a string, got {_short(row[column])}", source)
    return rows


def load_dbos_export(data: dict, source: str) -> list[LoadedHistory]:
    """Histories from ``{"tables": {"workflow_status": [...], "operation_outputs": [...]}}``.

    Every workflow in the export is returned except children (recorded as a parent's row), which
    recovery never replays on their own.
    """
    tables = data.get("tables", data)
    if not isinstance(tables, dict):
        raise InputError(f"tables: expected an object of tables, got {_type(tables)}", source)
    if not isinstance(tables.get("workflow_status"), list):
        raise InputError("not a DBOS export (no workflow_status rows)", source)
    statuses = _rows(tables, "workflow_status", {"workflow_uuid": str}, source)
    outputs = _rows(
        tables, "operation_outputs", {"workflow_uuid": str, "function_id": int, "function_name": str}, source
    )
    children = {r.get("child_workflow_id") for r in outputs if r.get("child_workflow_id")}
    by_workflow: dict[str, list[dict]] = {}
    for row in outputs:
        by_workflow.setdefault(row["workflow_uuid"], []).append(row)
    loaded = []
    for status in statuses:
        wid = status["workflow_uuid"]
        if wid in children or status.get("parent_workflow_id"):
            continue
        history = dbos_history(status, by_workflow.get(wid, []))
        ids = tuple(r.function_id for r in history.rows)
        loaded.append(LoadedHistory(source, wid, status.get("name") or "", history, ids))
    return loaded


_PENDING = ("PENDING", "ENQUEUED")


def load_dbos_url(url: str, timeout: float | None = None) -> list[LoadedHistory]:
    """Pending workflows of a DBOS system database (``sqlite:///path`` or ``postgresql://…``), opened
    read-only and never created, each wait bounded by ``timeout`` seconds (``live_sources``)."""
    from patchlint.integrations import live_sources as live

    database = live.open_database(url, live.DEFAULT_TIMEOUT if timeout is None else timeout)
    try:
        return _read_pending(database.connection, database.schema, database.mark, database.shown)
    except live.database_errors() as exc:
        raise live.database_error(exc, url) from None
    finally:
        database.close()


def _read_pending(con, schema: str, mark: str, source: str) -> list[LoadedHistory]:
    statuses = [
        dict(r)
        for r in con.execute(
            f"select workflow_uuid, name, status from {schema}workflow_status "
            f"where status in ({mark}, {mark}) and parent_workflow_id is null order by created_at",
            _PENDING,
        ).fetchall()
    ]
    loaded = []
    for status in statuses:
        rows = [
            dict(r)
            for r in con.execute(
                f"select function_id, function_name from {schema}operation_outputs where workflow_uuid = {mark}",
                (status["workflow_uuid"],),
            ).fetchall()
        ]
        history = dbos_history(status, rows)
        ids = tuple(r.function_id for r in history.rows)
        loaded.append(LoadedHistory(source, status["workflow_uuid"], status["name"] or "", history, ids))
    return loaded


def load_history_file(path: str) -> list[LoadedHistory]:
    """A history file of either engine, told apart by its shape, read as a stream (a Temporal
    history's events one at a time: memory grows with the commands kept, not the file)."""
    with open_input(path) as handle:
        return _load_stream(handle, path)


# ------------------------------------------------------------------------------ streaming reader

_OPEN = {"start_map", "start_array"}
_CLOSE = {"end_map", "end_array"}


class _Stream:
    """The parse events of a JSON file (one value, a list of them, or several: JSON lines),
    turned into histories without building the ``events`` lists: each event is built alone and
    handed to ``temporal_history``, then dropped."""

    def __init__(self, handle: BinaryIO, source: str):
        self.source = source
        self.parser = ijson.parse(handle, multiple_values=True, use_float=True)

    def next(self) -> tuple[str, object] | None:
        try:
            _, event, value = next(self.parser)
        except StopIteration:
            return None
        except ijson.JSONError as exc:
            raise InputError(f"not JSON ({_first_line(exc)})", self.source) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", self.source) from None
        return event, value

    def must_next(self) -> tuple[str, object]:
        found = self.next()
        if found is None:
            raise InputError("not JSON (premature end of file)", self.source)
        return found

    def value(self, event: str, value):
        """The whole value that starts with ``event``."""
        if event not in _OPEN:
            return value
        builder = ijson.ObjectBuilder()
        build, parser = builder.event, self.parser  # the hot loop: one pass per JSON token
        build(event, value)
        depth = 1
        try:
            while depth:
                _, event, value = next(parser)
                build(event, value)
                if event in _OPEN:
                    depth += 1
                elif event in _CLOSE:
                    depth -= 1
        except StopIteration:
            raise InputError("not JSON (premature end of file)", self.source) from None
        except ijson.JSONError as exc:
            raise InputError(f"not JSON ({_first_line(exc)})", self.source) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", self.source) from None
        return builder.value

    def items(self):
        """The values of the array just opened, built one at a time."""
        while True:
            event, value = self.must_next()
            if event == "end_array":
                return
            yield self.value(event, value)

    def document(self, event: str, value, where: str) -> list[LoadedHistory]:
        """One top-level object: a Temporal history or a DBOS export."""
        if event != "start_map":
            raise InputError(
                f'{where}not a Temporal history (expected an object with an "events" list, got '
                f"{_type(self.value(event, value))})",
                self.source,
            )
        found: list[LoadedHistory] = []
        other: dict = {}
        while True:
            event, key = self.must_next()
            if event == "end_map":
                break
            event, value = self.must_next()
            if key == "events" and event == "start_array" and not found:
                events = self.items()
                found.append(temporal_history(events, self.source, where))
                for _ in events:  # the rest, when the history was refused early
                    pass
            else:
                other[key] = self.value(event, value)
        if found:
            return found
        if "tables" in other or "workflow_status" in other:
            return load_dbos_export(other, self.source)
        return temporal_history_document(other, self.source, where)

    def load(self) -> list[LoadedHistory]:
        loaded: list[LoadedHistory] = []
        count = 0
        while (first := self.next()) is not None:
            event, value = first
            if event == "start_array":
                for index, document in enumerate(self._documents()):
                    loaded += self.document(*document, where=f"[{index}]: ")
            else:
                loaded += self.document(event, value, f"document {count + 1}: " if count else "")
            count += 1
        return loaded

    def _documents(self):
        while True:
            event, value = self.must_next()
            if event == "end_array":
                return
            yield event, value


def _first_line(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0] if str(text).strip() else exc.__class__.__name__


class _NotOneDocument(Exception):
    """More JSON follows the first document: read the file again the general way."""


def _one_document_events(handle: BinaryIO, source: str):
    """The events of a file that is one ``{"events": [...]}`` object (``temporal workflow show``
    writes that), built by ijson's C backend: ~3x faster than the general reader."""
    try:
        yield from ijson.items(handle, "events.item", use_float=True)
    except ijson.JSONError as exc:
        if "trailing garbage" in _first_line(exc):
            raise _NotOneDocument from None
        raise InputError(f"not JSON ({_first_line(exc)})", source) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source) from None


def _load_stream(handle: BinaryIO, source: str) -> list[LoadedHistory]:
    head = handle.read(4096)
    if not head.strip() and not handle.read(1):
        raise InputError("empty file, no history in it", source)
    handle.seek(0)
    try:
        opening = [
            event
            for _, event, value in itertools.islice(ijson.parse(handle), 3)
            for event in ([event, value] if event == "map_key" else [event])
        ]
    except (ijson.JSONError, UnicodeDecodeError):
        opening = []
    handle.seek(0)
    if opening == ["start_map", "map_key", "events", "start_array"]:
        try:
            return [temporal_history(_one_document_events(handle, source), source)]
        except _NotOneDocument:
            handle.seek(0)
    return _Stream(handle, source).load()


def fetch_temporal(
    address: str, namespace: str, query: str | None, timeout: float | None = None
) -> list[LoadedHistory]:
    """List executions on a live cluster and fetch each history (needs ``patchlint[temporal]``); every
    wait is bounded by ``timeout`` seconds (``live_sources``)."""
    from datetime import timedelta

    from patchlint.integrations import live_sources as live

    try:
        import asyncio

        from temporalio.client import Client
    except ImportError:
        raise InputError("--temporal-address needs temporalio (pip install 'patchlint[temporal]')") from None
    timeout = live.DEFAULT_TIMEOUT if timeout is None else timeout
    rpc = {"rpc_timeout": timedelta(seconds=timeout)}

    async def fetch() -> list[LoadedHistory]:
        client = await asyncio.wait_for(
            Client.connect(address, namespace=namespace, **live.temporal_client_options(timeout)),
            live.backstop(timeout),
        )
        loaded = []
        async for execution in client.list_workflows(query, **rpc):
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            history = await asyncio.wait_for(handle.fetch_history(**rpc), live.backstop(timeout))
            source = f"temporal://{address}/{namespace}/{execution.id}/{execution.run_id}"
            loaded += temporal_history_document(json.loads(history.to_json()), source)
        return loaded

    return live.run_temporal(fetch, address, timeout)
