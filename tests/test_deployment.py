"""Deployment models: read from the code where it says, else from [tool.patchlint] and --deployment,
and the verdicts that follow (PAT112 info, PAT113 warning, PAT1xx errors where open runs replay)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.api import analyze_revisions, analyze_texts
from patchlint.config import from_table
from patchlint.deployment import MODELS, Declared, Fact, resolve
from patchlint.integrations.cli import main

TEMPORAL = """from temporalio import workflow
from temporalio.common import VersioningBehavior as VB, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig

@workflow.defn{defn}
class Order:
    @workflow.run
    async def run(self):
        await workflow.execute_activity("reserve")
{extra}        await workflow.execute_activity("charge")

async def main(client):
    await Worker(client, task_queue="q", workflows=[Order]{worker}).run()
"""
INSERT = '        await workflow.execute_activity("check_fraud")\n'
PINNED_WORKER = (
    ", deployment_config=WorkerDeploymentConfig(version=WorkerDeploymentVersion('orders', '1'), "
    "use_worker_versioning=True, default_versioning_behavior=VB.PINNED)"
)


def temporal(defn="", worker="", extra=""):
    return TEMPORAL.format(defn=defn, worker=worker, extra=extra)


def codes(report):
    return sorted((f.code, f.severity.value) for f in report.findings)


def change(defn="", worker="", config=None, old_defn=None):
    old = temporal(defn if old_defn is None else old_defn, worker)
    return analyze_texts(old, temporal(defn, worker, INSERT), config=config)


@pytest.mark.parametrize(
    "defn, worker, config, expected, model",
    [
        ("", "", None, [("PAT101", "error")], "temporal:replace"),
        ("(versioning_behavior=VB.PINNED)", "", None, [("PAT112", "info")], "temporal:pinned"),
        ("(versioning_behavior=VB.AUTO_UPGRADE)", "", None, [("PAT101", "error")], "temporal:auto-upgrade"),
        ("", PINNED_WORKER, None, [("PAT112", "info")], "temporal:pinned"),
        # the workflow's own behaviour wins over the worker's default
        ("(versioning_behavior=VB.AUTO_UPGRADE)", PINNED_WORKER, None, [("PAT101", "error")], "temporal:auto-upgrade"),
        # a Build ID: the code cannot say which set; compatible unless the configuration says
        ("", ", build_id='1', use_worker_versioning=True", None, [("PAT101", "error")], "temporal:build-id-compatible"),
        (
            "",
            ", build_id='1', use_worker_versioning=True",
            {"deployment": {"temporal": "build-id-new-set"}},
            [("PAT112", "info")],
            "temporal:build-id-new-set",
        ),
        ("", "", {"deployment": {"temporal": "pinned"}}, [("PAT112", "info")], "temporal:pinned"),
        ("", "", {"per-workflow-deployment": {"Order": "pinned"}}, [("PAT112", "info")], "temporal:pinned"),
        ("", "", {"per-path-deployment": {"*.py": {"temporal": "pinned"}}}, [("PAT112", "info")], "temporal:pinned"),
        # what the code declares wins over the configuration
        (
            "(versioning_behavior=VB.AUTO_UPGRADE)",
            "",
            {"deployment": {"temporal": "pinned"}},
            [("PAT101", "error")],
            "temporal:auto-upgrade",
        ),
    ],
)
def test_temporal_models(defn, worker, config, expected, model):
    report = change(defn, worker, from_table(config) if config else None)
    assert codes(report) == expected
    assert report.deployments[("temporal", "Order")].label == model


def test_runs_keep_the_behaviour_they_started_with():
    """Old runs were started AUTO_UPGRADE: declaring PINNED in the same change does not pin them."""
    report = change("(versioning_behavior=VB.PINNED)", old_defn="(versioning_behavior=VB.AUTO_UPGRADE)")
    assert codes(report) == [("PAT101", "error")]


def test_pat112_names_the_model_and_what_must_stay_true():
    (finding,) = change("(versioning_behavior=VB.PINNED)").findings
    assert finding.line == 6 and finding.workflow == "Order"  # the class, once per workflow
    assert "safe under PINNED versioning" in finding.message and "keep the old version's workers" in finding.message
    assert "versioning_behavior=PINNED at workflow.py:5" in finding.engine_message
    assert len(finding.message) <= 120


def test_behaviour_through_a_module_constant():
    source = temporal("(versioning_behavior=BEHAVIOR)").replace(
        "from temporalio.worker", "BEHAVIOR = VB.PINNED\nfrom temporalio.worker"
    )
    report = analyze_texts(source, source.replace('execute_activity("charge")', 'execute_activity("pay")'))
    assert codes(report) == [("PAT112", "info")]


def test_a_removed_pinned_workflow_is_safe_too():
    old = temporal("(versioning_behavior=VB.PINNED)")
    new = "from temporalio import workflow\n"
    report = analyze_revisions({"workflow.py": old}, {"workflow.py": new})
    assert codes(report) == [("PAT112", "info")]


DBOS = """from dbos import DBOS, DBOSConfig

{config}

@DBOS.step()
def reserve(): ...

@DBOS.step()
def charge(): ...

@DBOS.workflow()
def order():
    reserve()
{extra}    charge()
"""


def dbos(config="", extra=""):
    return DBOS.format(config=config, extra=extra)


@pytest.mark.parametrize(
    "config, expected, model",
    [
        ("", [("PAT101", "error")], "dbos:pinned-version"),  # nothing read says: assumed pinned, and said so
        (
            'config: DBOSConfig = {"name": "app"}\nDBOS(config=config)',
            [("PAT113", "warning")],
            "dbos:per-deploy-version",
        ),
        (
            'DBOS(config={"name": "app", "application_version": "2026.12"})',
            [("PAT101", "error")],
            "dbos:pinned-version",
        ),
        ('config = DBOSConfig(name="app", enable_patching=True)', [("PAT101", "error")], "dbos:pinned-version"),
        ('config: DBOSConfig = {"name": "app", "auto_upgrade": True}', [("PAT101", "error")], "dbos:auto-upgrade"),
        (
            'VERSION = "1." + "2"\nconfig: DBOSConfig = {"name": "app", "application_version": VERSION}',
            [("PAT101", "error")],
            "dbos:pinned-version",
        ),
    ],
)
def test_dbos_models(config, expected, model):
    report = analyze_texts(dbos(config), dbos(config, "    reserve()\n"))
    assert codes(report) == expected
    assert report.deployments[("dbos", "order")].label == model


def test_dbos_default_is_named_as_an_assumption():
    report = analyze_texts(dbos(), dbos("", "    reserve()\n"))
    assert "assumed" in report.deployments[("dbos", "order")].source
    assert "per-deploy-version" in report.deployments[("dbos", "order")].source


def test_a_changed_application_version_strands_the_old_runs():
    old = dbos('config: DBOSConfig = {"name": "app", "application_version": "1"}')
    new = dbos('config: DBOSConfig = {"name": "app", "application_version": "2"}', "    reserve()\n")
    (finding,) = analyze_texts(old, new).findings
    assert (finding.code, finding.severity.value) == ("PAT113", "warning")
    assert "old-version workflows are not recovered" in finding.message
    assert "application_version '1' -> '2'" in finding.engine_message
    assert "pin application_version and patch" in finding.engine_message


def test_version_imported_from_another_module_of_the_repository(tmp_path):
    """Constants resolve through the repository (extract/values.py), never by importing it."""
    settings = 'VERSION = "2026.12"\nraise SystemExit("never imported")\n'
    text = dbos('from settings import VERSION\nconfig: DBOSConfig = {"name": "app", "application_version": VERSION}')
    report = analyze_revisions(
        {"workflow.py": text},
        {"workflow.py": text.replace("    charge()", "    reserve()\n    charge()")},
        context_files={"old": {"settings.py": settings}, "new": {"settings.py": settings}},
    )
    assert codes(report) == [("PAT101", "error")]


def test_a_worker_module_that_the_change_touches_sets_the_model():
    workflow = temporal().split("\nasync def main")[0]
    worker = (
        "from temporalio.worker import Worker, WorkerDeploymentConfig\nfrom temporalio.common import "
        "VersioningBehavior, WorkerDeploymentVersion\nfrom workflow import Order\n\nasync def main(client):\n"
        "    await Worker(client, task_queue='q', workflows=[Order], deployment_config=WorkerDeploymentConfig("
        "WorkerDeploymentVersion('d', '1'), True, VersioningBehavior.PINNED)).run()\n"
    )
    new = workflow.replace(
        '        await workflow.execute_activity("charge")',
        INSERT + '        await workflow.execute_activity("charge")',
    )
    report = analyze_revisions(
        {"workflow.py": workflow, "worker.py": worker}, {"workflow.py": new, "worker.py": worker + "\n"}
    )
    assert codes(report) == [("PAT112", "info")]


def _repo_with(tmp_path, shared: dict[str, str], old: str, new: str):
    """A repository whose base commit holds ``shared`` and ``old`` as workflow.py; ``new`` in the
    working tree: ``check`` compares workflow.py alone, the rest is context."""
    from patchlint.testing import DatedRepo

    repo = DatedRepo.init(tmp_path / "repo")
    repo.commit({**shared, "workflow.py": old}, "2025-01-01", "base")
    repo.write({"workflow.py": new})
    return repo.root


def _check(root, monkeypatch, *paths: str) -> list[tuple[str, str]]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--format", "json", *paths])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["code"], f["severity"]) for f in json.loads(result.output)["findings"])


WORKER_MODULE = (
    "from temporalio.worker import Worker, WorkerDeploymentConfig\nfrom temporalio.common import "
    "VersioningBehavior, WorkerDeploymentVersion\nfrom workflow import Order\n\nasync def main(client):\n"
    "    await Worker(client, task_queue='q', workflows=[Order], deployment_config=WorkerDeploymentConfig("
    "WorkerDeploymentVersion('d', '1'), use_worker_versioning=True, "
    "default_versioning_behavior=VersioningBehavior.PINNED)).run()\n"
)


def test_a_worker_module_the_change_does_not_touch_sets_the_model(tmp_path, monkeypatch):
    workflow = temporal().split("\nasync def main")[0]
    new = workflow.replace(
        '        await workflow.execute_activity("charge")',
        INSERT + '        await workflow.execute_activity("charge")',
    )
    root = _repo_with(tmp_path, {"deploy/worker.py": WORKER_MODULE}, workflow, new)
    assert _check(root, monkeypatch) == [("PAT112", "info")]


def test_a_worker_in_a_test_module_is_a_fixture_not_the_deployment(tmp_path, monkeypatch):
    workflow = temporal().split("\nasync def main")[0]
    new = workflow.replace(
        '        await workflow.execute_activity("charge")',
        INSERT + '        await workflow.execute_activity("charge")',
    )
    root = _repo_with(tmp_path, {"tests/test_worker.py": WORKER_MODULE, "test_order.py": WORKER_MODULE}, workflow, new)
    assert _check(root, monkeypatch) == [("PAT101", "error")]


@pytest.mark.parametrize(
    "main_module, expected",
    [
        ('from dbos import DBOS, DBOSConfig\nconfig: DBOSConfig = {"name": "app"}\nDBOS(config=config)\n', "PAT113"),
        ('from dbos import DBOS\nDBOS(config={"name": "app", "application_version": "7"})\n', "PAT101"),
        ("from dbos import DBOS\n", "PAT101"),  # nothing pins or unpins: assumed pinned, as without the module
    ],
)
def test_a_dbos_configuration_the_change_does_not_touch_sets_the_model(tmp_path, monkeypatch, main_module, expected):
    root = _repo_with(tmp_path, {"app/main.py": main_module}, dbos(), dbos("", "    reserve()\n"))
    assert [code for code, _ in _check(root, monkeypatch)] == [expected]


def test_the_compared_modules_configuration_wins_over_one_elsewhere(tmp_path, monkeypatch):
    pinned = 'config: DBOSConfig = {"name": "app", "application_version": "1"}'
    elsewhere = 'from dbos import DBOS, DBOSConfig\nconfig: DBOSConfig = {"name": "other"}\n'
    root = _repo_with(tmp_path, {"other/main.py": elsewhere}, dbos(pinned), dbos(pinned, "    reserve()\n"))
    assert _check(root, monkeypatch) == [("PAT101", "error")]


def test_configuration_elsewhere_is_found_without_reading_unrelated_files(tmp_path, monkeypatch):
    """Only files holding a configuration word are read: a latin-1 module elsewhere is no error."""
    workflow = temporal().split("\nasync def main")[0]
    new = workflow.replace(
        '        await workflow.execute_activity("charge")',
        INSERT + '        await workflow.execute_activity("charge")',
    )
    root = _repo_with(tmp_path, {"deploy/worker.py": WORKER_MODULE}, workflow, new)
    (root / "legacy.py").write_bytes("# caf\xe9 Worker temporalio\n".encode("latin-1"))
    (root / "broken.py").write_bytes("# caf\xe9 temporalio Worker(use_worker_versioning=True)\n".encode("latin-1"))
    from patchlint.testing import DatedRepo

    DatedRepo(root).git("add", "legacy.py", "broken.py")
    DatedRepo(root).git("commit", "-q", "-m", "old modules", date="2025-01-02")
    assert _check(root, monkeypatch) == [("PAT112", "info")]


def _worker_edited_since(tmp_path, monkeypatch) -> tuple:
    """A repository whose base runs under a PINNED worker in ``deploy/worker.py``, edited since to
    drop versioning, with an activity inserted in ``workflow.py``; and the configuration greps
    (``git grep`` without ``-w``) every later call makes. Returns (root, new workflow text, greps)."""
    from patchlint import git as git_mod

    greps: list[tuple[str, ...]] = []
    real = git_mod.run_git

    def run_git(root, *args, **kwargs):
        if args and args[0] == "grep" and "-w" not in args:
            greps.append(args)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(git_mod, "run_git", run_git)
    workflow = temporal().split("\nasync def main")[0]
    new = workflow.replace(
        '        await workflow.execute_activity("charge")',
        INSERT + '        await workflow.execute_activity("charge")',
    )
    root = _repo_with(tmp_path, {"deploy/worker.py": WORKER_MODULE}, workflow, new)
    (root / "deploy" / "worker.py").write_text(WORKER_MODULE.replace("use_worker_versioning=True, ", ""))
    return root, new, greps


def test_the_base_revision_is_searched_through_the_working_tree(tmp_path, monkeypatch):
    """A commit's git grep inflates every blob; the working tree's does not. Files that differ
    between the two are added by name, so the base's PINNED worker (edited since) still counts."""
    root, _, greps = _worker_edited_since(tmp_path, monkeypatch)
    # only workflow.py is compared: the old worker.py (PINNED, runs started under it) is context
    assert _check(root, monkeypatch, "workflow.py") == [("PAT112", "info")]
    assert greps and all("--untracked" in g for g in greps)


def test_resolution_order():
    declared = Declared(
        engines={"temporal": "replace"},
        per_path=(("svc/*", {"temporal": "build-id-new-set"}),),
        per_workflow={"A": "pinned"},
        flags={"temporal": "auto-upgrade"},
    )
    own, app, weak = Fact("auto-upgrade", "defn"), Fact("pinned", "worker"), Fact("build-id-compatible", "w", False)
    assert resolve("temporal", "A", "svc/a.py", declared, own, app).source == "defn"
    assert resolve("temporal", "A", "svc/a.py", declared, None, app).source == "worker"
    assert resolve("temporal", "A", "svc/a.py", declared, None, weak).model.name == "pinned"
    assert resolve("temporal", "B", "svc/a.py", declared, None, weak).model.name == "build-id-new-set"
    assert resolve("temporal", "B", "app/a.py", declared, None, weak).model.name == "auto-upgrade"
    assert (
        resolve("temporal", "B", "app/a.py", Declared(engines={"temporal": "replace"}), None, weak).model.name
        == "replace"
    )
    assert resolve("temporal", "B", "app/a.py", Declared(), None, weak).model.name == "build-id-compatible"
    assert resolve("temporal", "B", "app/a.py", Declared()).model.name == "replace"
    # a per-workflow model of the other engine does not apply
    assert resolve("dbos", "A", "a.py", Declared(per_workflow={"A": "pinned"})).model.name == "pinned-version"


def test_every_model_that_does_not_replay_says_what_must_stay_true():
    for model in MODELS.values():
        assert bool(model.keep) != model.replays, model


def test_verify_reports_no_missed_break_for_a_pinned_workflow():
    old, new = temporal("(versioning_behavior=VB.PINNED)"), temporal("(versioning_behavior=VB.PINNED)", extra=INSERT)
    report = analyze_revisions({"workflow.py": old}, {"workflow.py": new}, verify=True)
    assert codes(report) == [("PAT112", "info")]
    plain = analyze_revisions({"workflow.py": temporal()}, {"workflow.py": temporal(extra=INSERT)}, verify=True)
    assert codes(plain) == [("PAT101", "error")]


def _write(folder: Path, old: str, new: str) -> None:
    (folder / "old.py").write_text(old, encoding="utf-8")
    (folder / "new.py").write_text(new, encoding="utf-8")


def test_cli_deployment_option(tmp_path, monkeypatch):
    _write(tmp_path, temporal(), temporal(extra=INSERT))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plain = runner.invoke(main, ["diff", "--format", "json", "old.py", "new.py"])
    assert plain.exit_code == 1
    pinned = runner.invoke(main, ["diff", "--format", "json", "--deployment", "temporal=pinned", "old.py", "new.py"])
    assert pinned.exit_code == 0, pinned.output
    assert [f["code"] for f in json.loads(pinned.output)["findings"]] == ["PAT112"]
    (tmp_path / "pyproject.toml").write_text('[tool.patchlint]\ndeployment = {temporal = "pinned"}\n')
    assert runner.invoke(main, ["diff", "old.py", "new.py"]).exit_code == 0
    # the flag is over the configuration
    assert runner.invoke(main, ["diff", "--deployment", "temporal=replace", "old.py", "new.py"]).exit_code == 1


@pytest.mark.parametrize(
    "value, words",
    [
        ("temporal", "expected ENGINE=MODEL"),
        ("temporal=pin", "--deployment temporal = 'pin': expected one of replace,"),
        ("cadence=replace", "unknown engine 'cadence'"),
        ("dbos=pinned", "expected one of pinned-version, per-deploy-version, auto-upgrade"),
    ],
)
def test_cli_bad_deployment_is_one_line_exit_2(tmp_path, monkeypatch, value, words):
    _write(tmp_path, temporal(), temporal(extra=INSERT))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["diff", "--deployment", value, "old.py", "new.py"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("patchlint: error: ") and words in lines[0], result.output


def test_readme_deployment_example_is_valid(tmp_path):
    from patchlint.config import load

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deployment models", 1)[1].split("\n## ", 1)[0]
    (tmp_path / "pyproject.toml").write_text(section.split("```toml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    declared = load(tmp_path).deployment
    assert declared.engines == {"temporal": "pinned", "dbos": "per-deploy-version"}
    assert declared.per_path == (("services/legacy/*", {"temporal": "replace"}),)
    assert declared.per_workflow == {"OrderWorkflow": "auto-upgrade"}
    for engine, name in MODELS:  # the table names every model
        assert f"| {engine} `{name}`" in section, name


def test_patches_shows_the_model_each_verdict_assumes(tmp_path, monkeypatch):
    from patchlint.testing import DatedRepo

    guarded = temporal("(versioning_behavior=VB.PINNED)").replace(
        '        await workflow.execute_activity("charge")',
        '        if workflow.patched("add-charge"):\n            await workflow.execute_activity("charge")',
    )
    plain = (
        guarded.replace("(versioning_behavior=VB.PINNED)", "")
        .replace("class Order", "class Refund")
        .replace("workflows=[Order]", "workflows=[Refund]")
    )
    repo = DatedRepo.init(tmp_path / "repo")
    repo.commit({"pinned.py": guarded, "plain.py": plain}, "2025-01-01", "base")
    monkeypatch.chdir(repo.root)
    runner = CliRunner()
    entries = {
        e["workflow"]: e for e in json.loads(runner.invoke(main, ["patches", "--format", "json"]).output)["patches"]
    }
    assert entries["Order"]["deployment"] == "temporal:pinned" and entries["Order"]["verdict"] == "unneeded"
    assert "versioning_behavior=PINNED" in entries["Order"]["evidence"]
    assert entries["Refund"]["deployment"] == "temporal:replace" and entries["Refund"]["verdict"] != "unneeded"
    table = runner.invoke(main, ["patches"]).output.splitlines()
    assert table[0].split()[-1] == "MODEL"
    assert table[1].split()[-2:] == ["unneeded", "pinned"] and table[2].split()[-1] == "replace"


def test_pat114_reports_a_patch_in_a_pinned_workflow_in_check():
    guarded = temporal("(versioning_behavior=VB.PINNED)").replace(
        '        await workflow.execute_activity("charge")',
        '        if workflow.patched("add-charge"):\n            await workflow.execute_activity("charge")',
    )
    report = analyze_texts(None, guarded)
    assert [(f.code, f.severity.value, f.line) for f in report.findings] == [("PAT114", "info", 10)]
    assert analyze_texts(None, guarded.replace("(versioning_behavior=VB.PINNED)", "")).findings == []


def test_removing_the_old_type_in_the_change_that_adds_its_successor():
    old = temporal()
    new = (
        old.replace("class Order:", "class OrderV2:")
        .replace("workflows=[Order]", "workflows=[OrderV2]")
        .replace(
            '        await workflow.execute_activity("charge")',
            INSERT + '        await workflow.execute_activity("charge")',
        )
    )
    (finding,) = analyze_texts(old, new).findings
    assert finding.code == "PAT106" and finding.severity.value == "error"
    assert finding.message.startswith("workflow type Order (temporal) removed in the change that adds OrderV2")


def test_a_workflow_moved_to_a_new_task_queue():
    """H3 measured it: a worker on `<queue>-v2` never sees the open run's task on the old queue."""
    moved = temporal(extra=INSERT).replace('task_queue="q"', 'task_queue="q-v2"')
    report = analyze_texts(temporal(), moved)
    assert codes(report) == [("PAT112", "info")]
    assert "keep the old queue's workers" in report.findings[0].message
    assert "task_queue 'q' -> 'q-v2'" in report.findings[0].engine_message
    # a new worker still polling the old queue takes the old runs' tasks and replays them
    both = moved.replace(
        "    await Worker(", '    await Worker(client, task_queue="q", workflows=[Order]).run()\n    await Worker('
    )
    assert codes(analyze_texts(temporal(), both)) == [("PAT101", "error")]
    assert codes(analyze_texts(temporal(), temporal(extra=INSERT))) == [("PAT101", "error")]


def test_the_flake8_plugin_searches_the_base_revision_through_the_working_tree_too(tmp_path, monkeypatch):
    """As ``check`` does: one flake8 run greps the working tree, and the base's PINNED worker
    (edited since) still counts; the warm analyser keeps the base's own grep across runs."""
    from patchlint.integrations import flake8_plugin as plugin

    root, new, greps = _worker_edited_since(tmp_path, monkeypatch)
    monkeypatch.chdir(root)
    for run in (plugin.Run(), plugin.Run({})):  # one flake8 run; the warm analyser's
        greps.clear()
        found = plugin.results("workflow.py", new, "HEAD", False, True, run)
        assert [message.split()[0] for _, _, message in found] == ["PAT112"]
        assert greps and all("--untracked" in g for g in greps) == (not run.kept)
