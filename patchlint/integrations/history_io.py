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
import json
import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlparse

from patchlint.errors import InputError
from patchlint.model import program as m
from patchlint.semantics.history import (
    CANCEL_TIMER,
    MARKER,
    UPDATE_ACCEPTED,
    UPDATE_COMPLETED,
    Activation,
    Delivery,
    DbosHistory,
    DbosRow,
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


def _event_type(event: dict) -> str:
    """``WORKFLOW_TASK_COMPLETED`` from either spelling of the event type."""
    raw = str(event.get("eventType", ""))
    if raw.startswith("EVENT_TYPE_"):
        return raw[len("EVENT_TYPE_"):]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", raw).upper()


def _attributes(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventAttributes") and isinstance(value, dict):
            return value
    return {}


def _payload_json(payloads: dict | None):
    """Decode the first ``json/plain`` payload of a ``{"payloads": [...]}`` object."""
    try:
        data = (payloads or {})["payloads"][0]["data"]
        return json.loads(base64.b64decode(data))
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def _command(kind: str, attrs: dict) -> TemporalEvent | None:
    """The runtime event for one command event type, or None when replay does not compare it."""
    if kind == "ACTIVITY_TASK_SCHEDULED":
        return TemporalEvent(m.ACTIVITY, attrs.get("activityType", {}).get("name", ""))
    if kind == "TIMER_STARTED":
        return TemporalEvent(m.TIMER, "timer")
    if kind == "TIMER_CANCELED":
        return TemporalEvent(CANCEL_TIMER, "timer")
    if kind == "START_CHILD_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.CHILD_WORKFLOW, attrs.get("workflowType", {}).get("name", ""))
    if kind == "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.SIGNAL_EXTERNAL, "signal")
    if kind == "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED":
        return TemporalEvent(m.CANCEL_EXTERNAL, "cancel")
    if kind == "WORKFLOW_EXECUTION_CONTINUED_AS_NEW":
        return TemporalEvent(m.CONTINUE_AS_NEW, "continue_as_new")
    if kind == "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES":
        fields = set(attrs.get("searchAttributes", {}).get("indexedFields", {}))
        if fields and fields <= _SDK_SEARCH_ATTRIBUTES:
            return None
        return TemporalEvent(m.UPSERT_SEARCH_ATTRIBUTES, "upsert_search_attributes")
    if kind == "WORKFLOW_PROPERTIES_MODIFIED":
        return TemporalEvent(m.UPSERT_MEMO, m.UPSERT_MEMO)
    if kind == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
        return TemporalEvent(UPDATE_ACCEPTED, attrs.get("acceptedRequest", {}).get("input", {}).get("name", ""))
    if kind == "WORKFLOW_EXECUTION_UPDATE_COMPLETED":
        return TemporalEvent(UPDATE_COMPLETED, "")  # named after its accepted event below
    if kind == "MARKER_RECORDED":
        return _marker(attrs)
    return None


def _marker(attrs: dict) -> TemporalEvent | None:
    details = attrs.get("details", {})
    if attrs.get("markerName") == "core_patch":
        data = _payload_json(details.get("patch-data") or details.get("patch_data")) or {}
        patch_id = data.get("id")
        return TemporalEvent(MARKER, patch_id or "", patch_id, bool(data.get("deprecated")))
    if attrs.get("markerName") == "core_local_activity":
        data = _payload_json(details.get("data")) or {}
        return TemporalEvent(m.LOCAL_ACTIVITY, data.get("activity_type", ""))
    return None


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
            Activation(tuple(a["deliveries"]), tuple(a["resolved"]), a["other_jobs"], a["start"], a["stop"],
                       tuple(a["started"]))
            for a in self.done
        )


def temporal_history(events: list[dict], source: str = "<history>") -> LoadedHistory:
    """The history in proto-JSON events, cut or complete."""
    if not events or _event_type(events[0]) != "WORKFLOW_EXECUTION_STARTED":
        raise InputError("a Temporal history must start with WorkflowExecutionStarted", source)
    started = _attributes(events[0])
    workflow_type = started.get("workflowType", {}).get("name", "")
    workflow_id = started.get("workflowId", "")
    commands: list[TemporalEvent] = []
    ids: list[int] = []
    ends: list[int] = []
    by_id: dict[int, int] = {}  # event id of a command event -> its index in ``commands``
    activations = _Activations()
    completed = False
    for event in events:
        kind = _event_type(event)
        attrs = _attributes(event)
        event_id = _int(event.get("eventId"))
        # a task's commands follow its WorkflowTaskCompleted, so the next one closes the task
        if kind == "WORKFLOW_TASK_COMPLETED":
            if commands and (not ends or ends[-1] != len(commands) - 1):
                ends.append(len(commands) - 1)
            activations.task_completed(len(commands))
        command = _command(kind, attrs)
        if command is not None:
            if command.kind == UPDATE_ACCEPTED:
                activations.done[-1]["deliveries"].append(Delivery("update", command.name))
            if command.kind == UPDATE_COMPLETED:
                accepted = by_id.get(_int(attrs.get("acceptedEventId")))
                name = commands[accepted].name if accepted is not None else ""
                command = TemporalEvent(UPDATE_COMPLETED, name)
            by_id[event_id] = len(commands)
            commands.append(command)
            ids.append(event_id)
            activations.command(len(commands))
        elif kind == "WORKFLOW_EXECUTION_SIGNALED":
            activations.pending["deliveries"].append(Delivery("signal", attrs.get("signalName", "")))
        elif kind in _RESOLVING:
            target = by_id.get(_int(attrs.get(_RESOLVING[kind])))
            if target is not None:
                activations.pending["resolved"].append(target)
        elif kind in _OTHER_JOBS:
            activations.pending["other_jobs"] = True
            if kind == "CHILD_WORKFLOW_EXECUTION_STARTED":
                target = by_id.get(_int(attrs.get("initiatedEventId")))
                if target is not None:
                    activations.pending["started"].append(target)
        if kind in _CLOSED:
            completed = True
            if command is None:
                ids.append(event_id)
    history = TemporalHistory(
        workflow_type=workflow_type,
        events=tuple(commands),
        completed=completed,
        workflow_task_ends=tuple(ends),
        event_ids=tuple(ids),
        activations=activations.freeze(),
    )
    return LoadedHistory(source, workflow_id, workflow_type, history, tuple(ids))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def temporal_history_document(document, source: str) -> list[LoadedHistory]:
    """One ``{"events": [...]}`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise InputError('not a Temporal history (no "events" list)', source)
    return [temporal_history(document["events"], source)]


def load_temporal_json(text: str, source: str) -> list[LoadedHistory]:
    """Histories in a JSON file: one ``{"events": [...]}`` object, a list of them, or JSON lines."""
    try:
        documents = [json.loads(text)]
    except ValueError:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise InputError(f"not JSON ({exc})", source) from None
    if len(documents) == 1 and isinstance(documents[0], list):
        documents = documents[0]
    loaded = []
    for document in documents:
        loaded += temporal_history_document(document, source)
    return loaded


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


def load_dbos_export(data: dict, source: str) -> list[LoadedHistory]:
    """Histories from ``{"tables": {"workflow_status": [...], "operation_outputs": [...]}}``.

    Every workflow in the export is returned except children (recorded as a parent's row), which
    recovery never replays on their own.
    """
    tables = data.get("tables", data)
    statuses = tables.get("workflow_status")
    outputs = tables.get("operation_outputs", [])
    if not isinstance(statuses, list):
        raise InputError("not a DBOS export (no workflow_status rows)", source)
    children = {r.get("child_workflow_id") for r in outputs if r.get("child_workflow_id")}
    loaded = []
    for status in statuses:
        wid = status["workflow_uuid"]
        if wid in children or status.get("parent_workflow_id"):
            continue
        rows = [r for r in outputs if r["workflow_uuid"] == wid]
        history = dbos_history(status, rows)
        ids = tuple(r.function_id for r in history.rows)
        loaded.append(LoadedHistory(source, wid, status.get("name") or "", history, ids))
    return loaded


_PENDING = ("PENDING", "ENQUEUED")


def load_dbos_url(url: str) -> list[LoadedHistory]:
    """Pending workflows of a DBOS system database (``sqlite:///path`` or ``postgresql://…``)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            con.row_factory = sqlite3.Row
            return _read_pending(con, "", "?", url)
        except sqlite3.Error as exc:
            raise InputError(f"{url}: cannot read DBOS system database ({exc})") from None
    if parsed.scheme.startswith("postgres"):
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise InputError("reading a Postgres DBOS database needs psycopg (pip install psycopg)") from None
        try:
            with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), row_factory=dict_row) as con:
                return _read_pending(con, "dbos.", "%s", url)
        except psycopg.Error as exc:
            raise InputError(f"{url}: cannot read DBOS system database ({exc})") from None
    raise InputError(f"{url}: unsupported DBOS database URL (use sqlite:///… or postgresql://…)")


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
                f"select function_id, function_name from {schema}operation_outputs "
                f"where workflow_uuid = {mark}",
                (status["workflow_uuid"],),
            ).fetchall()
        ]
        history = dbos_history(status, rows)
        ids = tuple(r.function_id for r in history.rows)
        loaded.append(LoadedHistory(source, status["workflow_uuid"], status["name"] or "", history, ids))
    return loaded


def load_history_file(path: str) -> list[LoadedHistory]:
    """A history file of either engine, told apart by its shape."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read history ({exc.__class__.__name__})", path) from None
    try:
        data = json.loads(text)
    except ValueError:
        return load_temporal_json(text, path)
    if isinstance(data, dict) and ("tables" in data or "workflow_status" in data):
        return load_dbos_export(data, path)
    return load_temporal_json(text, path)
