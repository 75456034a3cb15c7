"""``patchlint check`` follows imports to any depth: an unchanged workflow that reaches a changed
module through other modules (the workflow imports ``h1``, ``h1`` imports ``h2``, only ``h2``
changes) is analysed — one ``git grep`` per link of the chain, none for unrelated modules.
``patchlint diff OLD NEW`` resolves the same chains from each side's own folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint import check as check_mod
from patchlint import git as git_mod
from patchlint.check import check_repo
from patchlint.integrations.cli import main

WORKFLOW = """\
from temporalio import workflow
from h1 import fulfil

@workflow.defn
class Order:
    @workflow.run
    async def run(self):
        await workflow.execute_activity("reserve")
        await fulfil("o1")
        await workflow.execute_activity("ship")
"""
H1 = """\
import h2

async def fulfil(order):
    await h2.pack(order)
"""
H2 = """\
from temporalio import workflow

async def pack(order):
    await workflow.execute_activity("pack", order)
"""
H2_CHANGED = H2.replace('"pack", order)', '"weigh", order)\n    await workflow.execute_activity("pack", order)')
UNRELATED = "import os\n\nVALUE = 1\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


@pytest.fixture
def counted_greps(monkeypatch):
    calls: list[tuple[str, ...]] = []
    real = git_mod.run_git

    def run_git(root, *args, **kwargs):
        if args and args[0] == "grep" and "-w" in args:  # an importer search (not the deployment scan)
            calls.append(args)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(check_mod.git, "run_git", run_git)
    return calls


def test_change_two_imports_away_reaches_the_workflow(tmp_path, counted_greps):
    repo = make_repo(tmp_path, {"wf.py": WORKFLOW, "h1.py": H1, "h2.py": H2, "other.py": UNRELATED})
    (repo / "h2.py").write_text(H2_CHANGED)
    report, _ = check_repo(repo)
    assert report.workflows == 1
    [finding] = report.findings
    assert (finding.code, finding.path, finding.workflow) == ("PAT101", "h2.py", "Order")
    # h2's importers (h1), h1's importers (wf), wf's importers (none: another module's workflow
    # could subclass Order or call a helper wf defines)
    assert len(counted_greps) == 3


def test_chains_of_any_depth_in_packages(tmp_path, counted_greps):
    files = {
        "app/__init__.py": "",
        "app/wf.py": WORKFLOW.replace("from h1 import fulfil", "from app.h1 import fulfil"),
        "app/h1.py": "from app import h3\n\nasync def fulfil(order):\n    await h3.go(order)\n",
        "app/h3.py": "from app.h4 import go\n",
        "app/h4.py": "from app import h2\n\nasync def go(order):\n    await h2.pack(order)\n",
        "app/h2.py": H2,
    }
    repo = make_repo(tmp_path, files)
    (repo / "app/h2.py").write_text(H2_CHANGED)
    report, _ = check_repo(repo)
    assert [(f.code, f.path, f.workflow) for f in report.findings] == [("PAT101", "app/h2.py", "Order")]
    assert len(counted_greps) == 5  # h2 <- h4 <- h3 <- h1 <- wf <- (nothing)


@pytest.mark.parametrize(
    ("folder", "statement"),
    [
        # the old line-by-line filter never saw ``h2`` on the ``import`` line and dropped the workflow
        ("app", "from app import (\n    h2,\n)"),
        # a src layout: ``app`` lives in ``src/`` (pip installs the package from there)
        ("src/app", "from app import h2"),
    ],
    ids=["import-over-several-lines", "src-layout"],
)
def test_a_helper_change_reaches_the_workflow_that_imports_it(tmp_path, counted_greps, folder, statement):
    files = {
        "pyproject.toml": "[project]\nname = 'app'\n",
        f"{folder}/__init__.py": "",
        f"{folder}/wf.py": WORKFLOW.replace("from h1 import fulfil", statement).replace(
            'await fulfil("o1")', 'await h2.pack("o1")'
        ),
        f"{folder}/h2.py": H2,
    }
    repo = make_repo(tmp_path, files)
    (repo / folder / "h2.py").write_text(H2_CHANGED)
    report, _ = check_repo(repo)
    assert [(f.code, f.path, f.workflow) for f in report.findings] == [("PAT101", f"{folder}/h2.py", "Order")]


# A workflow module that is also a base class or a library: what imports it runs its code too.
ONBOARDING = """\
from temporalio import workflow

@workflow.defn
class Onboarding:
    @workflow.run
    async def run(self, customer):
        await workflow.execute_activity("open_account", customer)
        await workflow.execute_activity("send_welcome_pack", customer)

async def notify(customer):
    await workflow.execute_activity("email", customer)
"""
ONBOARDING_CHANGED = ONBOARDING.replace(
    '        await workflow.execute_activity("send_welcome_pack"',
    '        await workflow.execute_activity("verify_identity", customer)\n'
    '        await workflow.execute_activity("send_welcome_pack"',
).replace('("email", customer)', '("sms", customer)\n    await workflow.execute_activity("email", customer)')
PARTNER = """\
from temporalio import workflow
from onboarding import Onboarding

@workflow.defn
class PartnerOnboarding(Onboarding):
    @workflow.run
    async def run(self, customer):
        return await super().run(customer)
"""
REMINDER = """\
from temporalio import workflow
from onboarding import notify

@workflow.defn
class Reminder:
    @workflow.run
    async def run(self, customer):
        await workflow.sleep(60)
        await notify(customer)
"""


def test_a_changed_workflow_module_reaches_the_workflows_that_extend_or_call_it(tmp_path, counted_greps):
    """``PartnerOnboarding`` runs ``Onboarding.run`` through ``super().run()`` (temporalio requires
    the override) and ``Reminder`` calls ``notify``: both break with ``onboarding.py``, which
    defines a workflow itself. The Replayer agrees on the super() shape: a partner run past
    open_account fails with [TMPRL1100] Activity type of scheduled event 'send_welcome_pack' does
    not match activity type of activity command 'verify_identity' (testdata's
    temporal-base-class-run-insert pins super().run() on the engine)."""
    repo = make_repo(tmp_path, {"onboarding.py": ONBOARDING, "partner.py": PARTNER, "reminder.py": REMINDER})
    (repo / "onboarding.py").write_text(ONBOARDING_CHANGED)
    report, _ = check_repo(repo)
    found = sorted((f.code, f.path, f.line, f.workflow) for f in report.findings)
    assert found == [
        ("PAT101", "onboarding.py", 8, "Onboarding"),
        ("PAT101", "onboarding.py", 8, "PartnerOnboarding"),
        ("PAT101", "onboarding.py", 12, "Reminder"),
    ]
    assert (report.files, report.workflows) == (1, 3)  # "3 workflow(s) across 1 changed file(s)"
    # the flake8 plugin on the changed buffer says the same (it analyses the importers as check does)
    from patchlint.integrations import flake8_plugin as plugin

    text = ONBOARDING_CHANGED
    results = plugin.results(str(repo / "onboarding.py"), text, "HEAD", False, True, plugin.Run())
    assert sorted((line, message.split()[0], message.split()[1]) for line, _, message in results) == [
        (8, "PAT101", "Onboarding:"),
        (8, "PAT101", "PartnerOnboarding:"),
        (12, "PAT101", "Reminder:"),
    ]


def test_the_engines_module_of_the_same_name_is_not_an_importer(tmp_path, counted_greps):
    """A changed helper ``app/workflow.py``: every Temporal module says ``from temporalio import
    workflow``, and none of them imports it."""
    files = {
        "app/__init__.py": "",
        "app/workflow.py": H2,
        "app/wf.py": WORKFLOW.replace("from h1 import fulfil\n", ""),
    }
    repo = make_repo(tmp_path, files)
    (repo / "app/workflow.py").write_text(H2_CHANGED)
    report, _ = check_repo(repo)
    assert report.findings == [] and report.workflows == 0


def test_a_change_nothing_imports_costs_one_grep(tmp_path, counted_greps):
    repo = make_repo(tmp_path, {"wf.py": WORKFLOW, "h1.py": H1, "h2.py": H2, "other.py": UNRELATED})
    (repo / "other.py").write_text(UNRELATED + "VALUE = 2\n")
    report, _ = check_repo(repo)
    assert report.findings == [] and report.workflows == 0
    assert len(counted_greps) == 1


def test_import_cycles_end(tmp_path, counted_greps):
    files = {"wf.py": WORKFLOW, "h1.py": "import h2\n" + H1, "h2.py": "import h1\n" + H2}
    repo = make_repo(tmp_path, files)
    (repo / "h2.py").write_text("import h1\n" + H2_CHANGED)
    report, _ = check_repo(repo)
    assert [(f.code, f.path) for f in report.findings] == [("PAT101", "h2.py")]
    assert len(counted_greps) <= 3


def test_diff_resolves_modules_two_imports_away_on_each_side(tmp_path, monkeypatch):
    for side, h2 in (("old", H2), ("new", H2_CHANGED)):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "wf.py").write_text(WORKFLOW)
        (folder / "h1.py").write_text(H1)
        (folder / "h2.py").write_text(h2)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["diff", "--format", "json", "old/wf.py", "new/wf.py"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("PAT101", "new/h2.py", 4)]


def test_diff_with_identical_sides_two_imports_away_is_quiet(tmp_path, monkeypatch):
    for side in ("old", "new"):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "wf.py").write_text(WORKFLOW)
        (folder / "h1.py").write_text(H1)
        (folder / "h2.py").write_text(H2)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["diff", "--format", "json", "old/wf.py", "new/wf.py"])
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []
