"""Live evidence: the runs that would still break if a patch moved on, counted on the real engines.

Temporal: for a ``patched`` id, the runs of the workflow type without the id in their
``TemporalChangeVersion`` search attribute (started before the patch, or not past it yet); for a
``deprecated`` id, the runs carrying it whose history holds a *non-deprecated* ``core_patch`` marker
for it (fetched, since the search attribute does not tell deprecated markers apart). Open runs
only, unless ``include_closed`` (closed runs within retention replay on query).
DBOS: PENDING/ENQUEUED workflows of that name without (``patched``) or with (``deprecated``) a
``DBOS.patch-<id>`` row in the system database (SQLite or Postgres).
The engines' clients are optional extras, imported only here and only when asked for. Databases are
read-only, waits bounded, passwords never shown: ``patchlint.integrations.live_sources``.
"""

from __future__ import annotations

import asyncio
import gc
import json
from datetime import timedelta

from patchlint.errors import InputError
from patchlint.integrations import live_sources
from patchlint.lifecycle.calls import PATCHED
from patchlint.semantics.history import PATCH_MARKER_NAME, PATCH_ROW_PREFIX

MARKER_KEY = "patch-data"


def _require(module: str, extra: str):
    try:
        return __import__(module)
    except ImportError:
        raise InputError(f"{module} is not installed: pip install 'patchlint[{extra}]' to read live evidence") from None


class TemporalEvidence:
    def __init__(
        self,
        address: str,
        namespace: str = "default",
        include_closed: bool = False,
        timeout: float = live_sources.DEFAULT_TIMEOUT,
    ):
        _require("temporalio", "temporal")
        self.address, self.namespace, self.include_closed = address, namespace, include_closed
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.client = None
        try:
            self.client = self._run(self._connect)
        except InputError:
            self.close()
            raise

    def _run(self, make_coroutine):
        """One call on the client: bounded, one line on failure (``live_sources.run_temporal``)."""
        return live_sources.run_temporal(make_coroutine, self.address, self.timeout, self.loop)

    async def _connect(self):
        from temporalio.client import Client

        options = live_sources.temporal_client_options(self.timeout)
        return await asyncio.wait_for(
            Client.connect(self.address, namespace=self.namespace, **options), live_sources.backstop(self.timeout)
        )

    def _rpc(self) -> dict:
        return {"rpc_timeout": timedelta(seconds=self.timeout)}

    def label(self) -> str:
        scope = "open and closed" if self.include_closed else "open"
        return f"temporal {self.address}/{self.namespace} ({scope} executions)"

    def _query(self, workflow: str, extra: str = "") -> str:
        status = "" if self.include_closed else " AND ExecutionStatus = 'Running'"
        return f"WorkflowType = '{_quote(workflow)}'{status}{extra}"

    def count(self, workflow: str, patch_id: str, stage: str) -> int:
        return self._run(lambda: self._count(workflow, patch_id, stage))

    def open_runs(self, workflow: str) -> int:
        """Runs of the type ``workflow`` (open ones, unless ``include_closed``)."""

        async def count():
            query = self.client.count_workflows(self._query(workflow), **self._rpc())
            return (await asyncio.wait_for(query, live_sources.backstop(self.timeout))).count

        return self._run(count)

    async def _count(self, workflow: str, patch_id: str, stage: str) -> int:
        marked = f" AND TemporalChangeVersion = '{_quote(patch_id)}'"
        rpc, limit = self._rpc(), live_sources.backstop(self.timeout)
        if stage == PATCHED:
            total = (await asyncio.wait_for(self.client.count_workflows(self._query(workflow), **rpc), limit)).count
            marked_runs = await asyncio.wait_for(
                self.client.count_workflows(self._query(workflow, marked), **rpc), limit
            )
            return total - marked_runs.count
        count = 0
        async for execution in self.client.list_workflows(self._query(workflow, marked), **rpc):
            handle = self.client.get_workflow_handle(execution.id, run_id=execution.run_id)
            if _live_marker(await asyncio.wait_for(handle.fetch_history(**rpc), limit), patch_id):
                count += 1
        return count

    def close(self):
        self.client = None  # collected before the interpreter exits (see live_sources)
        self.loop.close()
        gc.collect()


def _live_marker(history, patch_id: str) -> bool:
    """True when the history holds a non-deprecated ``core_patch`` marker for ``patch_id``."""
    for event in history.events:
        if not event.HasField("marker_recorded_event_attributes"):
            continue
        attrs = event.marker_recorded_event_attributes
        if attrs.marker_name != PATCH_MARKER_NAME or MARKER_KEY not in attrs.details:
            continue
        for payload in attrs.details[MARKER_KEY].payloads:
            data = json.loads(payload.data or b"{}")
            if data.get("id") == patch_id and not data.get("deprecated", False):
                return True
    return False


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


class DbosEvidence:
    """The DBOS system database: ``workflow_status`` and ``operation_outputs``, opened read-only
    (``live_sources.open_database``: never created or changed, bounded waits, no password shown)."""

    def __init__(self, url: str, timeout: float = live_sources.DEFAULT_TIMEOUT):
        self.url = url
        self.database = live_sources.open_database(url, timeout)
        schema = self.database.schema
        self.status_table, self.outputs_table = f"{schema}workflow_status", f"{schema}operation_outputs"
        try:
            self.database.connection.execute(f"SELECT 1 FROM {self.status_table} LIMIT 1").fetchall()
        except live_sources.database_errors() as exc:
            self.close()
            raise live_sources.database_error(exc, url) from None

    def label(self) -> str:
        return f"dbos {self.database.shown} (PENDING/ENQUEUED workflows)"

    def count(self, workflow: str, patch_id: str, stage: str) -> int:
        mark = self.database.mark
        has_row = (
            f"EXISTS (SELECT 1 FROM {self.outputs_table} o WHERE o.workflow_uuid = s.workflow_uuid "
            f"AND o.function_name = {mark})"
        )
        condition = f"NOT {has_row}" if stage == PATCHED else has_row
        sql = (
            f"SELECT COUNT(*) AS n FROM {self.status_table} s WHERE s.name = {mark} "
            f"AND s.status IN ('PENDING', 'ENQUEUED') AND {condition}"
        )
        return self._count(sql, (workflow, PATCH_ROW_PREFIX + patch_id))

    def open_runs(self, workflow: str) -> int:
        """PENDING/ENQUEUED workflows named ``workflow``."""
        sql = (
            f"SELECT COUNT(*) AS n FROM {self.status_table} s WHERE s.name = {self.database.mark} "
            "AND s.status IN ('PENDING', 'ENQUEUED')"
        )
        return self._count(sql, (workflow,))

    def _count(self, sql: str, params: tuple) -> int:
        try:
            row = self.database.connection.execute(sql, params).fetchone()
        except live_sources.database_errors() as exc:
            raise live_sources.database_error(exc, self.url) from None
        return int(row["n"])

    def close(self):
        self.database.close()


class Evidence:
    """The live sources asked for on the command line, by engine."""

    def __init__(self, temporal: TemporalEvidence | None = None, dbos: DbosEvidence | None = None):
        self.sources = {"temporal": temporal, "dbos": dbos}

    def covers(self, engine: str) -> bool:
        return self.sources.get(engine) is not None

    def count(self, engine: str, workflow: str, patch_id: str, stage: str) -> tuple[int, str]:
        source = self.sources[engine]
        return source.count(workflow, patch_id, stage), source.label()

    def open_runs(self, engine: str, workflow: str) -> tuple[int, str] | None:
        """``(runs of the type, where counted)``, or None without a source for ``engine``."""
        source = self.sources.get(engine)
        return None if source is None else (source.open_runs(workflow), source.label())

    def close(self):
        for source in self.sources.values():
            if source is not None:
                source.close()
