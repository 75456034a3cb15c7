"""Deploy a DBOS app (SQLite system database) the way a user does, for the deployment-model tests.
Always a subprocess, one process per deploy:

    python -m tests.engines.deploy_dbos_driver start   APP_FILE WORKDIR CONFIG_JSON
    python -m tests.engines.deploy_dbos_driver recover APP_FILE WORKDIR CONFIG_JSON
    python -m tests.engines.deploy_dbos_driver run     APP_FILE WORKDIR CONFIG_JSON
    python -m tests.engines.deploy_dbos_driver version APP_FILE WORKDIR CONFIG_JSON

``start`` launches DBOS with the app, starts ``order`` as ``RUN_ID`` and, once its first step is
recorded and its second (``hold``) is running, dies on the spot (``os._exit``): the crash a deploy
is. ``recover`` launches the next deploy on the same database (DBOS recovers at launch: it says how
many runs, of which version, in its log), asks DBOS to recover once more, waits for the run if DBOS
took it (bounded) and prints JSON: the version DBOS computed, DBOS's recovery lines, the run's
outcome and its ``workflow_status`` row and steps as DBOS left them. ``run`` runs a fresh ``order`` (``NEW_RUN_ID``) to completion and prints the same
report; ``version`` only launches and prints the version DBOS chose, or the error DBOS raised.
CONFIG_JSON is merged into the DBOSConfig (``application_version``, ``enable_patching``);
``DBOS__APPVERSION`` comes from the environment, as DBOS reads it.
"""

from __future__ import annotations

from tests.engines.sqlite_compat import use_recent_sqlite

use_recent_sqlite()  # before sqlite3, sqlalchemy or dbos are imported

import importlib.util
import json
import logging
import os
import re
import sqlite3
import sys
import threading
import time
from pathlib import Path

RUN_ID = "deploy-1-run"
NEW_RUN_ID = "deploy-2-run"
APP_NAME = "patchlint-deploy"
WAIT = 60.0  # every wait in here is bounded by this
SETTLE = 2.0  # > one poll of DBOS's queues (1 s)
LAUNCH_COUNT = re.compile(r"Recovering (\d+) workflows from application version ")


def load_app(path: Path):
    spec = importlib.util.spec_from_file_location("deploy_app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["deploy_app"] = module
    spec.loader.exec_module(module)
    return module


def launch(workdir: Path, extra: dict, handler: logging.Handler | None = None):
    from dbos import DBOS

    config = {
        "name": APP_NAME,
        "system_database_url": f"sqlite:///{workdir / 'sys.db'}",
        "run_admin_server": False,
        **extra,
    }
    DBOS(config=config)
    if handler is not None:  # after DBOS() has set up its logger, before launch recovers
        logging.getLogger("dbos").addHandler(handler)
    DBOS.launch()
    return DBOS


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{path.name} never appeared")
        time.sleep(0.05)


def start(app: Path, workdir: Path, extra: dict) -> None:
    from dbos import SetWorkflowID

    module = load_app(app)
    dbos = launch(workdir, extra)
    print(json.dumps({"app_version": dbos.application_version}), flush=True)
    with SetWorkflowID(RUN_ID):
        dbos.start_workflow(module.order)
    _wait_for(workdir / "held")
    os._exit(0)  # the deploy ends mid-run: no destroy, no cleanup, as a killed process


def rows(workdir: Path, workflow_id: str) -> dict:
    con = sqlite3.connect(workdir / "sys.db")
    con.row_factory = sqlite3.Row
    status = con.execute(
        "select status, application_version, recovery_attempts, executor_id from workflow_status"
        " where workflow_uuid = ?",
        (workflow_id,),
    ).fetchone()
    steps = con.execute(
        "select function_id, function_name from operation_outputs where workflow_uuid = ? order by function_id",
        (workflow_id,),
    ).fetchall()
    con.close()
    return {"status": dict(status) if status else None, "steps": [dict(s) for s in steps]}


def _outcome(dbos, workflow_id: str) -> dict:
    outcome: dict = {}

    def wait() -> None:
        try:
            outcome.update(ok=True, result=dbos.retrieve_workflow(workflow_id).get_result())
        except BaseException as exc:  # noqa: BLE001 -- the run's own failure, reported as data
            outcome.update(ok=False, error=f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    thread.join(WAIT)
    return outcome or {"ok": False, "error": f"timeout after {WAIT}s"}


class _RecoveryLines(logging.Handler):
    """DBOS's own account of recovery: "Recovering N workflows from application version V" or
    "No workflows to recover from application version V" (at launch), "Recovering N workflows for
    executor E from version V" (on request)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "to recover from" in message or message.startswith("Recovering "):
            self.lines.append(message)


def recover(app: Path, workdir: Path, extra: dict) -> dict:
    load_app(app)
    (workdir / "release").touch()  # a recovered hold step returns at once
    lines = _RecoveryLines()
    dbos = launch(workdir, extra, lines)
    requested = sorted(h.get_workflow_id() for h in dbos._recover_pending_workflows())
    at_launch = [int(m.group(1)) for m in map(LAUNCH_COUNT.match, lines.lines) if m]
    taken = RUN_ID in requested or any(at_launch)
    outcome = _outcome(dbos, RUN_ID) if taken else None
    if not taken:
        time.sleep(SETTLE)  # let anything DBOS might still do to the run show in its rows
    report = {
        "app_version": dbos.application_version,
        "recovery_log": lines.lines,
        "recovered_on_request": requested,
        "outcome": outcome,
    }
    dbos.destroy()
    report.update(rows(workdir, RUN_ID))
    return report


def run(app: Path, workdir: Path, extra: dict) -> dict:
    from dbos import SetWorkflowID

    module = load_app(app)
    (workdir / "release").touch()
    dbos = launch(workdir, extra)
    with SetWorkflowID(NEW_RUN_ID):
        dbos.start_workflow(module.order)
    report = {"app_version": dbos.application_version, "outcome": _outcome(dbos, NEW_RUN_ID)}
    dbos.destroy()
    report.update(rows(workdir, NEW_RUN_ID))
    return report


def version(app: Path, workdir: Path, extra: dict) -> dict:
    from dbos._error import DBOSException

    load_app(app)
    try:
        dbos = launch(workdir, extra)
    except DBOSException as exc:  # the engine's refusal, reported as data
        return {"app_version": None, "error": f"{type(exc).__name__}: {exc}"}
    report = {"app_version": dbos.application_version, "error": None}
    dbos.destroy()
    return report


def main(argv: list[str]) -> None:
    command, app, workdir, extra = argv[0], Path(argv[1]), Path(argv[2]), json.loads(argv[3])
    os.environ["PATCHLINT_DEPLOY_DIR"] = str(workdir)
    os.environ["PATCHLINT_DEPLOY_PHASE"] = command
    if command == "start":
        start(app, workdir, extra)
    elif command in ("recover", "run", "version"):
        report = {"recover": recover, "run": run, "version": version}[command](app, workdir, extra)
        print(json.dumps(report), flush=True)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
