"""Live evidence: the runs that would still break if a patch moved on, counted on the real engines.

Temporal: for a ``patched`` id, the runs of the workflow type without the id in their
``TemporalChangeVersion`` search attribute (started before the patch, or not past it yet); for a
``deprecated`` id, the runs carrying it whose history holds a *non-deprecated* ``core_patch`` marker
for it (fetched, since the search attribute does not tell deprecated markers apart). Open runs
only, unless ``include_closed`` (closed runs within retention replay on query).
DBOS: PENDING/ENQUEUED workflows of that name without (``patched``) or with (``deprecated``) a
``DBOS.patch-<id>`` row in the system database (SQLite or Postgres).
The engines' clients are optional extras, imported only here and only when asked for.
"""

from __future__ import annotations

import asyncio
import json

from patchlint.errors import InputError
from patchlint.lifecycle.calls import PATCHED

MARKER = "core_patch"
MARKER_KEY = "patch-data"


def _require(module: str, extra: str):
    try:
        return __import__(module)
    except ImportError:
        raise InputError(f"{module} is not installed: pip install 'patchlint[{extra}]' to read live evidence") from None


class TemporalEvidence:
    def __init__(self, address: str, namespace: str = "default", include_closed: bool = False):
        _require("temporalio", "temporal")
        self.address, self.namespace, self.include_closed = address, namespace, include_closed
        self.loop = asyncio.new_event_loop()
        self.client = self.loop.run_until_complete(self._connect())

    async def _connect(self):
        from temporalio.client import Client

        try:
            return await asyncio.wait_for(Client.connect(self.address, namespace=self.namespace), 10)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is the same input error
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot reach the Temporal server at {self.address}: {first}") from None

    def label(self) -> str:
        scope = "open and closed" if self.include_closed else "open"
        return f"temporal {self.address}/{self.namespace} ({scope} executions)"

    def _query(self, workflow: str, extra: str = "") -> str:
        status = "" if self.include_closed else " AND ExecutionStatus = 'Running'"
        return f"WorkflowType = '{_quote(workflow)}'{status}{extra}"

    def count(self, workflow: str, patch_id: str, stage: str) -> int:
        return self.loop.run_until_complete(self._count(workflow, patch_id, stage))

    async def _count(self, workflow: str, patch_id: str, stage: str) -> int:
        marked = f" AND TemporalChangeVersion = '{_quote(patch_id)}'"
        if stage == PATCHED:
            total = (await self.client.count_workflows(self._query(workflow))).count
            return total - (await self.client.count_workflows(self._query(workflow, marked))).count
        count = 0
        async for execution in self.client.list_workflows(self._query(workflow, marked)):
            handle = self.client.get_workflow_handle(execution.id, run_id=execution.run_id)
            if _live_marker(await handle.fetch_history(), patch_id):
                count += 1
        return count

    def close(self):
        self.loop.close()


def _live_marker(history, patch_id: str) -> bool:
    """True when the history holds a non-deprecated ``core_patch`` marker for ``patch_id``."""
    for event in history.events:
        if not event.HasField("marker_recorded_event_attributes"):
            continue
        attrs = event.marker_recorded_event_attributes
        if attrs.marker_name != MARKER or MARKER_KEY not in attrs.details:
            continue
        for payload in attrs.details[MARKER_KEY].payloads:
            data = json.loads(payload.data or b"{}")
            if data.get("id") == patch_id and not data.get("deprecated", False):
                return True
    return False


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


class DbosEvidence:
    """The DBOS system database: ``workflow_status`` and ``operation_outputs``."""

    def __init__(self, url: str):
        _require("dbos", "dbos")
        import sqlalchemy as sa

        self.url = url
        schema = "" if url.startswith("sqlite") else "dbos."
        self.status_table, self.outputs_table = f"{schema}workflow_status", f"{schema}operation_outputs"
        try:
            self.engine = sa.create_engine(url)
            with self.engine.connect() as conn:
                conn.execute(sa.text(f"SELECT 1 FROM {self.status_table} LIMIT 1"))
        except Exception as exc:  # noqa: BLE001
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot read the DBOS system database at {url}: {first}") from None

    def label(self) -> str:
        return f"dbos {self.url} (PENDING/ENQUEUED workflows)"

    def count(self, workflow: str, patch_id: str, stage: str) -> int:
        import sqlalchemy as sa

        has_row = (
            f"EXISTS (SELECT 1 FROM {self.outputs_table} o WHERE o.workflow_uuid = s.workflow_uuid "
            f"AND o.function_name = :marker)"
        )
        condition = f"NOT {has_row}" if stage == PATCHED else has_row
        sql = (
            f"SELECT COUNT(*) FROM {self.status_table} s WHERE s.name = :name "
            f"AND s.status IN ('PENDING', 'ENQUEUED') AND {condition}"
        )
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(sql), {"name": workflow, "marker": f"DBOS.patch-{patch_id}"}).scalar())

    def close(self):
        self.engine.dispose()


class Evidence:
    """The live sources asked for on the command line, by engine."""

    def __init__(self, temporal: TemporalEvidence | None = None, dbos: DbosEvidence | None = None):
        self.sources = {"temporal": temporal, "dbos": dbos}

    def covers(self, engine: str) -> bool:
        return self.sources.get(engine) is not None

    def count(self, engine: str, workflow: str, patch_id: str, stage: str) -> tuple[int, str]:
        source = self.sources[engine]
        return source.count(workflow, patch_id, stage), source.label()

    def close(self):
        for source in self.sources.values():
            if source is not None:
                source.close()
