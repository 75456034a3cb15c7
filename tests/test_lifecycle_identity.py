"""Workflow identity in the patch lifecycle: a workflow is its type name *in the module that defines it*.

Temporal's own patching sample (temporalio/samples-python, ``patching/``) keeps the four stages of
``MyWorkflow`` in four files, and other samples define a ``MyWorkflow`` of their own. These tests
build such repositories for real (dated commits) and run ``patchlint check`` on them: lifecycle
rules must date a patch from the history of the same workflow, follow a move only when it is
unambiguous, and single-revision rules must not re-report calls a change did not touch.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from patchlint.check import check_repo

LIFETIME = '[tool.patchlint]\nmax-workflow-lifetime = "30d"\n'

_STAGE = """from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from patching.activities import post_patch, pre_patch


@workflow.defn
class MyWorkflow:
    @workflow.run
    async def run(self) -> str:
{body}
"""
_ACT = "await workflow.execute_activity({}, start_to_close_timeout=timedelta(minutes=5))"
PRE, POST = _ACT.format("pre_patch"), _ACT.format("post_patch")


def stage(*lines: str) -> str:
    return _STAGE.format(body="\n".join(f"        {line}" for line in lines))


INITIAL = stage(f"return {PRE}")
PATCHED = stage('if workflow.patched("my-patch"):', f"    return {POST}", f"return {PRE}")
DEPRECATED = stage('workflow.deprecate_patch("my-patch")', f"return {POST}")
COMPLETE = stage(f"return {POST}")
BODY_LINE = 13  # first line of the run method's body in ``stage(...)``

ACTIVITIES = """from temporalio import activity


@activity.defn
async def pre_patch() -> str:
    return "pre"


@activity.defn
async def post_patch() -> str:
    return "post"
"""

# The four stages of the sample, each in its own file, all defining MyWorkflow.
SAMPLE = {
    "patching/__init__.py": "",
    "patching/activities.py": ACTIVITIES,
    "patching/workflow_1_initial.py": INITIAL,
    "patching/workflow_2_patched.py": PATCHED,
    "patching/workflow_3_patch_deprecated.py": DEPRECATED,
    "patching/workflow_4_patch_complete.py": COMPLETE,
}
# Other modules that define a MyWorkflow of their own, with patches of their own.
NAMESAKES = {
    "hello/__init__.py": "",
    "hello/hello_other.py": stage('if workflow.patched("other-patch"):', f"    return {POST}", f"return {PRE}"),
    "loops/__init__.py": "",
    "loops/signals.py": stage(
        "while True:",
        '    if workflow.patched("in-loop"):',
        f"        {POST}",
        "    else:",
        f"        {PRE}",
    ),
}


def _git(root: Path, *args: str, env=None) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout.strip()


def commit(root: Path, date: str, files: dict[str, str | None], message: str = "change") -> str:
    """Write (``None``: delete) ``files`` and commit them at ``date``; returns the commit id."""
    if not (root / ".git").exists():
        _git(root, "init", "-q", "-b", "main")
    for path, text in files.items():
        file = root / path
        if text is None:
            file.unlink()
        else:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
    stamp = f"{date}T12:00:00+00:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    _git(root, "add", "-A", env=env)
    _git(root, "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message, env=env)
    return _git(root, "rev-parse", "HEAD")


def check(root: Path, base: str, head: str) -> list[str]:
    """The lifecycle findings (PAT2xx) of ``patchlint check --base base --head head``."""
    report, _ = check_repo(root, base, head)
    found = [f for f in report.findings if f.code.startswith("PAT2")]
    return sorted(f"{f.path}:{f.line} {f.code} {f.severity.value}" for f in found)


def touched(files: dict[str, str]) -> dict[str, str]:
    return {path: text + "# touched\n" for path, text in files.items() if path.endswith(".py") and text}


def sample_repo(root: Path) -> str:
    return commit(root, "2023-03-29", {"pyproject.toml": LIFETIME, **SAMPLE, **NAMESAKES}, "samples")


def test_comment_on_the_four_stage_files_is_not_a_lifecycle_change(tmp_path):
    base = sample_repo(tmp_path)
    head = commit(tmp_path, "2023-04-10", touched({**SAMPLE, **NAMESAKES}))
    # Before: stage 3 was compared with stage 1's MyWorkflow (PAT202 error: "the base revision never
    # called workflow.patched") and stage 1 with stage 3's (PAT203).
    assert check(tmp_path, base, head) == []


def test_one_stage_file_touched_alone(tmp_path):
    base = sample_repo(tmp_path)
    head = commit(tmp_path, "2023-04-10", touched({"patching/workflow_3_patch_deprecated.py": DEPRECATED}))
    # deprecate_patch("my-patch") was already there at base: no PAT208 "typo?" for an untouched call.
    assert check(tmp_path, base, head) == []


def test_unchanged_importers_get_no_single_revision_findings(tmp_path):
    """A changed activities module brings every stage file into the check, unchanged: the patch
    calls they already had are not news (PAT208 on stage 3, PAT209 on the signal loop)."""
    base = sample_repo(tmp_path)
    head = commit(tmp_path, "2023-04-10", {"patching/activities.py": ACTIVITIES + "\n# touched\n"})
    assert check(tmp_path, base, head) == []


def test_new_patch_in_a_loop_is_still_reported(tmp_path):
    base = sample_repo(tmp_path)
    looped = stage(
        "for _ in range(3):",
        '    if workflow.patched("second"):',
        f"        {POST}",
        "    else:",
        f"        {PRE}",
        f"return {PRE}",
    )
    head = commit(tmp_path, "2023-04-10", {"patching/workflow_1_initial.py": looped})
    assert check(tmp_path, base, head) == [f"patching/workflow_1_initial.py:{BODY_LINE + 1} PAT209 warning"]


def test_a_namesake_in_another_module_lends_no_history(tmp_path):
    """b.py's MyWorkflow deprecates "my-patch" it never patched; a.py's MyWorkflow has patched it
    for months. That is a premature deprecation of b's runs (error), whatever a.py did."""
    base = commit(
        tmp_path,
        "2024-01-01",
        {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/a.py": PATCHED, "flows/b.py": INITIAL},
    )
    head = commit(tmp_path, "2024-06-01", {"flows/a.py": PATCHED + "# touched\n", "flows/b.py": DEPRECATED})
    assert check(tmp_path, base, head) == [
        f"flows/a.py:{BODY_LINE} PAT205 info",  # a's own patch is five months old: ready to deprecate
        f"flows/b.py:{BODY_LINE} PAT202 error",
    ]


def test_a_namesake_keeps_its_own_patch(tmp_path):
    """b.py removes its patch without deprecating it (PAT201); a.py, same type name, still patches
    the same id: a's call is not b's."""
    base = commit(
        tmp_path,
        "2024-01-01",
        {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/a.py": PATCHED, "flows/b.py": PATCHED},
    )
    head = commit(tmp_path, "2024-06-01", {"flows/a.py": PATCHED + "# touched\n", "flows/b.py": COMPLETE})
    assert check(tmp_path, base, head) == [f"flows/a.py:{BODY_LINE} PAT205 info", "flows/b.py:10 PAT201 error"]


def test_a_move_is_followed_beside_a_namesake(tmp_path):
    """a.py moves to c.py (git mv) and deprecates a patch it shipped 15 days earlier, while b.py
    defines another MyWorkflow: the move is unambiguous, the dates come from a.py's history."""
    commit(
        tmp_path,
        "2024-01-01",
        {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/a.py": INITIAL, "flows/b.py": INITIAL},
    )
    base = commit(tmp_path, "2024-01-10", {"flows/a.py": PATCHED})
    _git(tmp_path, "mv", "flows/a.py", "flows/c.py")
    head = commit(tmp_path, "2024-01-25", {"flows/c.py": DEPRECATED, "flows/b.py": INITIAL + "# touched\n"})
    assert check(tmp_path, base, head) == [f"flows/c.py:{BODY_LINE} PAT202 warning"]


def test_an_ambiguous_move_is_not_followed(tmp_path):
    """Two MyWorkflow modules (one patched, one not) are both replaced by one new module that
    deprecates the patch: which one it continues is unknowable, so no history is borrowed from
    either (no PAT202 "too young" from a.py's dates, no PAT202 error from b.py's absence)."""
    base = commit(
        tmp_path,
        "2024-01-10",
        {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/a.py": PATCHED, "flows/b.py": INITIAL},
    )
    head = commit(tmp_path, "2024-01-25", {"flows/a.py": None, "flows/b.py": None, "flows/c.py": DEPRECATED})
    assert check(tmp_path, base, head) == []


def test_untouched_patch_in_a_loop_is_not_reported_again(tmp_path):
    """The signal loop's patch shipped long ago (like samples-python's worker_versioning); a
    comment elsewhere in its file is no reason to warn about it again."""
    base = sample_repo(tmp_path)
    head = commit(tmp_path, "2023-04-10", touched({"loops/signals.py": NAMESAKES["loops/signals.py"]}))
    assert check(tmp_path, base, head) == []
    # without a base (a new file, bare stdin in an editor) it is reported
    from patchlint.api import analyze_texts

    fresh = analyze_texts(None, NAMESAKES["loops/signals.py"], "loops/signals.py")
    assert [(f.code, f.line) for f in fresh.findings] == [("PAT209", BODY_LINE + 1)]


def test_one_module_registering_a_type_name_twice(tmp_path):
    """samples-python's hello_patch.py keeps V1 and V2 of "patch-workflow" side by side (two
    classes, one type name, for two workers). Touching the file must not read as V2's patch
    being removed (PAT201): each class is paired with itself."""
    v1 = stage(f"return {PRE}").replace(
        "@workflow.defn\nclass MyWorkflow:", '@workflow.defn(name="patch-workflow")\nclass MyWorkflowV1:'
    )
    v2 = PATCHED.split("@workflow.defn", 1)[1].replace(
        "\nclass MyWorkflow:", '(name="patch-workflow")\nclass MyWorkflowV2:'
    )
    both = v1 + "\n\n@workflow.defn" + v2
    assert both.count('name="patch-workflow"') == 2 and "MyWorkflowV2" in both
    base = commit(
        tmp_path, "2024-01-01", {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/hello.py": both}
    )
    head = commit(tmp_path, "2024-01-05", touched({"flows/hello.py": both}))
    assert check(tmp_path, base, head) == []


def _two_workflows_one_module() -> str:
    """V2 (patched) and V3 (deprecated) of a patch as two workflow types in one module."""
    v2 = PATCHED.replace("@workflow.defn\nclass MyWorkflow:", '@workflow.defn(name="patch-workflow")\nclass V2:')
    v3 = DEPRECATED.split("@workflow.defn", 1)[1].replace(
        "\nclass MyWorkflow:", '(name="patch-workflow-v3")\nclass V3:'
    )
    return v2 + "\n\n@workflow.defn" + v3


def test_two_workflows_of_one_module_keep_their_own_patch_history(tmp_path):
    """The file's text holds both `patched("my-patch")` (V2) and `deprecate_patch("my-patch")` (V3):
    each workflow is dated from its own definition, so V3's deprecation is seen (PAT204) and
    `patchlint patches` dates it, instead of reading the file as forever "patched"."""
    from patchlint.config import load
    from patchlint.lifecycle.inventory import inventory

    text = _two_workflows_one_module()
    base = commit(
        tmp_path, "2023-03-01", {"pyproject.toml": LIFETIME, **SAMPLE, "flows/__init__.py": "", "flows/hello.py": text}
    )
    head = commit(tmp_path, "2024-01-01", touched({"flows/hello.py": text}))
    v3_line = text.splitlines().index('        workflow.deprecate_patch("my-patch")') + 1
    assert check(tmp_path, base, head) == [
        f"flows/hello.py:{BODY_LINE} PAT205 info",  # V2: patched since 2023-03-01
        f"flows/hello.py:{v3_line} PAT204 info",  # V3: deprecated since 2023-03-01
    ]
    entries = inventory(tmp_path, load(tmp_path), ("flows",))
    assert [(e.workflow, e.stage, e.since, e.verdict) for e in entries] == [
        ("patch-workflow", "patched", "2023-03-01", "ready-to-deprecate"),
        ("patch-workflow-v3", "deprecated", "2023-03-01", "ready-to-remove"),
    ]


def test_definition_block_is_the_top_level_definition_only():
    from patchlint.lifecycle.calls import definition_block

    text = (
        "import x\n"  # 1
        "\n"  # 2
        "@workflow.defn\n"  # 3
        "class A:\n"  # 4
        "    def run(self):\n"  # 5
        "        patched('a')\n"  # 6
        "# a comment at column 0\n"  # 7
        "        patched('still-a')\n"  # 8
        "\n"  # 9
        "@workflow.defn\n"  # 10
        "class AB:\n"  # 11
        "    pass\n"  # 12
        "async def helper():\n"  # 13
        "    patched('h')\n"  # 14
    )
    first, last, block = definition_block(text, "A")
    assert (first, last) == (4, 9) and "still-a" in block and "AB" not in block
    assert definition_block(text, "helper")[:2] == (13, 14)
    assert definition_block(text, "run") is None  # not top level
    assert definition_block(text + "class A:\n    pass\n", "A") is None  # defined twice: unknowable
