"""Run a testdata case's workflow module on real DBOS (SQLite system database). Always a subprocess:

    python -m tests.engines.dbos_driver record CASE_DIR WORKDIR OUT_JSON
    python -m tests.engines.dbos_driver replay CASE_DIR WORKDIR EXPORT_JSON   (prints JSON verdicts)

``record`` runs the first ``@DBOS.workflow()`` of ``old.py`` to completion and exports its rows
(every system table row of the workflow and its children). ``replay`` starts DBOS with ``new.py``
on a fresh database, writes one PENDING copy of the workflow per cut — exactly the state a crash
at that point leaves behind — and lets DBOS's own recovery run each copy under the new code.
"""

from __future__ import annotations

from tests.engines.sqlite_compat import use_recent_sqlite

use_recent_sqlite()  # before sqlite3, sqlalchemy or dbos are imported

import importlib
import json
import logging
import re
import sqlite3  # noqa: E402
import sys
import threading
import time
from pathlib import Path

from tests.engines.cases import case_folders
from tests.engines.dbos_cuts import cuts_of

VERSION = "pinned"
ROOT_ID = "patchlint-recorded"
RESULT_TIMEOUT = 60.0


def load_revision(case_dir: Path, revision: str):
    """Import ``old``/``new`` (its own modules in ``old/``/``new/`` first on ``sys.path``); return its
    first DBOS workflow function (definition order)."""
    from dbos._dbos import _get_or_create_dbos_registry

    sys.path[:0] = [str(f) for f in case_folders(case_dir, revision)]
    module = importlib.import_module(revision)
    registered = _get_or_create_dbos_registry().workflow_info_map
    for value in vars(module).values():
        name = getattr(value, "dbos_function_name", None)
        if isinstance(name, str) and registered.get(name) is value:
            return value
    raise SystemExit(f"{case_dir / revision}.py defines no @DBOS.workflow() function")


def launch(workdir: Path, name: str):
    from dbos import DBOS

    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "name": name,
        "system_database_url": f"sqlite:///{workdir / 'sys.db'}",
        "enable_patching": True,
        "application_version": VERSION,
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    return DBOS


def export_rows(db_path: Path, root_id: str) -> dict:
    """Every row of every table keyed by workflow id, for the root workflow and its children."""
    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    ids, frontier = {root_id}, [root_id]
    while frontier:
        rows = con.execute(
            "select child_workflow_id from operation_outputs where workflow_uuid = ?",
            (frontier.pop(),),
        ).fetchall()
        for (child,) in rows:
            if child and child not in ids:
                ids.add(child)
                frontier.append(child)
    export: dict = {"root": root_id, "tables": {}}
    for table in tables:
        columns = [c[1] for c in con.execute(f"pragma table_info({table})")]
        if "workflow_uuid" not in columns:
            continue
        marks = ",".join("?" * len(ids))
        rows = con.execute(f"select * from {table} where workflow_uuid in ({marks})", sorted(ids)).fetchall()
        if rows or table == "operation_outputs":  # a run of no step still has (no) operations
            export["tables"][table] = [dict(row) for row in rows]
    con.close()
    return export


def record(case_dir: Path, workdir: Path, out: Path) -> None:
    from dbos import SetWorkflowID

    workflow_fn = load_revision(case_dir, "old")
    dbos = launch(workdir, case_dir.name.replace("_", "-"))
    with SetWorkflowID(ROOT_ID):
        handle = dbos.start_workflow(workflow_fn)
    handle.get_result()
    dbos.destroy()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(export_rows(workdir / "sys.db", ROOT_ID), indent=1) + "\n")


def _insert(con: sqlite3.Connection, table: str, row: dict) -> None:
    columns = ",".join(row)
    con.execute(f"insert into {table} ({columns}) values ({','.join('?' * len(row))})", list(row.values()))


def plant(db_path: Path, export: dict, cuts: list[dict]) -> list[str]:
    """Write the children as recorded and one PENDING copy of the root per cut; return their ids."""
    root = export["root"]
    con = sqlite3.connect(db_path)
    for table, rows in export["tables"].items():
        for row in rows:
            if row["workflow_uuid"] != root:
                _insert(con, table, row)
    status = next(r for r in export["tables"]["workflow_status"] if r["workflow_uuid"] == root)
    inputs = [r for r in export["tables"].get("workflow_input", []) if r["workflow_uuid"] == root]
    steps = [r for r in export["tables"]["operation_outputs"] if r["workflow_uuid"] == root]
    ids = []
    for cut in cuts:
        wid = f"{root}-{cut['label']}"
        pending = dict(
            status,
            workflow_uuid=wid,
            status="PENDING",
            output=None,
            error=None,
            completed_at=None,
            owner_xid=None,
            executor_id="local",
            application_version=VERSION,
            recovery_attempts=0,
            queue_name=None,
        )
        _insert(con, "workflow_status", pending)
        for row in inputs:
            _insert(con, "workflow_input", dict(row, workflow_uuid=wid))
        keep = set(cut["function_ids"])
        for row in steps:
            if row["function_id"] in keep:
                _insert(con, "operation_outputs", dict(row, workflow_uuid=wid))
        ids.append(wid)
    con.commit()
    con.close()
    return ids


class _DispatchErrors(logging.Handler):
    """DBOS reports a recovered workflow it cannot run (e.g. its function is no longer registered)
    only in its log: "Error executing workflow <id>: <error>". Keep those as verdicts."""

    PATTERN = re.compile(r"Error executing workflow (\S+): (.*)", re.DOTALL)

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        found = self.PATTERN.match(record.getMessage())
        if found:
            self.errors.setdefault(found.group(1), found.group(2))


DISPATCH_ERRORS = _DispatchErrors()


def _result(dbos, workflow_id: str) -> dict:
    """Wait for one recovered workflow; the engine's exception text is the verdict."""
    outcome: dict = {}

    def wait() -> None:
        try:
            dbos.retrieve_workflow(workflow_id).get_result()
            outcome.update(ok=True, error=None)
        except BaseException as exc:  # the workflow's own failure, reported as data
            outcome.update(ok=False, error=f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    deadline = time.monotonic() + RESULT_TIMEOUT
    while thread.is_alive() and time.monotonic() < deadline:
        if workflow_id in DISPATCH_ERRORS.errors:
            return {"ok": False, "error": DISPATCH_ERRORS.errors[workflow_id]}
        thread.join(0.1)
    return outcome or {"ok": False, "error": f"timeout after {RESULT_TIMEOUT}s"}


def replay(case_dir: Path, workdir: Path, export_path: Path) -> list[dict]:
    load_revision(case_dir, "new")
    export = json.loads(export_path.read_text())
    cuts = cuts_of(export["tables"]["operation_outputs"], export["root"])
    dbos = launch(workdir, case_dir.name.replace("_", "-"))
    logging.getLogger("dbos").addHandler(DISPATCH_ERRORS)
    ids = plant(workdir / "sys.db", export, cuts)
    dbos._recover_pending_workflows()
    verdicts = [dict(cut, **_result(dbos, wid)) for cut, wid in zip(cuts, ids)]
    dbos.destroy()
    return verdicts


def main(argv: list[str]) -> None:
    command, case_dir, workdir = argv[0], Path(argv[1]).resolve(), Path(argv[2])
    if command == "record":
        record(case_dir, workdir, Path(argv[3]))
    elif command == "replay":
        print(json.dumps(replay(case_dir, workdir, Path(argv[3]))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
