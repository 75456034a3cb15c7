"""The flake8 plugin, run as editors run it: real ``flake8`` subprocesses in real git repositories.

Every testdata case is linted by path and through stdin with ``--stdin-display-name`` (relative and
absolute, as pylsp and Neovim send it); all must report the same PAT findings, and those must be
the case's ``expected.txt``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libcst
import pytest

from casedata import all_cases
from patchlint.api import analyze_texts

CASES = [pytest.param(c, id=c.name) for c in all_cases()]
# Date-driven lifecycle advice depends on the age of the temporary repo's base commit, not on the
# change (as in test_testdata.py); tests/test_lifecycle_* cover those rules.
AGE_ADVICE = {"PAT204", "PAT205"}
YEAR_AGO = "2025-01-01T12:00:00+00:00"
LIFECYCLE_CONFIG = '[tool.patchlint]\nmax-workflow-lifetime = "30d"\nretention = "7d"\n'

OLD = '''\
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def charge() -> str:
    return "charged"


@activity.defn
async def notify() -> str:
    return "notified"


@activity.defn
async def ship() -> str:
    return "shipped"


@workflow.defn
class Order:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(charge, start_to_close_timeout=timedelta(seconds=5))
        await workflow.execute_activity(ship, start_to_close_timeout=timedelta(seconds=5))
'''
INSERTED_LINE = 26  # the notify call in NEW
NEW = OLD.replace(
    "        await workflow.execute_activity(ship",
    "        await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n"
    "        await workflow.execute_activity(ship",
)


# --- helpers -------------------------------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": YEAR_AGO, "GIT_COMMITTER_DATE": YEAR_AGO}
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True, text=True, env=env,
    ).stdout


def make_repo(root: Path, old: str | None, new: str, siblings: dict[str, str] | None = None,
              rel: str = "app/workflow.py") -> Path:
    """A repository whose HEAD holds ``old`` at ``rel`` and whose working tree holds ``new``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    for name, text in (siblings or {}).items():
        (target.parent / name).write_text(text, encoding="utf-8")
    if old is not None:
        target.write_text(old, encoding="utf-8")
    (root / "pyproject.toml").write_text(LIFECYCLE_CONFIG, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    target.write_text(new, encoding="utf-8")
    return target


def flake8(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> list[tuple[str, int, int]]:
    """Run real flake8 and return its PAT findings as (code, line, col); fail on any stderr output."""
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=PAT", "--format=%(code)s %(row)d %(col)d %(text)s", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, env={**os.environ, **(env or {})},
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == "", proc.stderr
    assert "Traceback" not in proc.stdout
    findings = []
    for line in proc.stdout.splitlines():
        code, row, col, text = line.split(" ", 3)
        assert code.startswith("PAT") and text and "\n" not in text
        findings.append((code, int(row), int(col)))
    assert (proc.returncode == 1) == bool(findings)
    return sorted(findings)


def codes_lines(findings) -> list[tuple[str, int]]:
    return sorted((code, line) for code, line, _ in findings if code not in AGE_ADVICE)


# --- every testdata case ---------------------------------------------------------------------------

def test_testdata_cases_exist():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_case_by_path_and_by_stdin_agree_and_match_expected(case, tmp_path: Path):
    repo = tmp_path / "repo"
    new = case.new
    old_modules = {n: t for n, t in case.files("old").items() if n != "workflow.py"}
    target = make_repo(repo, case.old, new, old_modules)
    new_modules = {n: t for n, t in case.files("new").items() if n != "workflow.py"}
    for name, text in new_modules.items():
        (repo / "app" / name).write_text(text, encoding="utf-8")
    for name, text in new_modules.items():  # a changed module: its own findings, by path
        if old_modules.get(name) != text:
            here = [(c, ln) for c, ln, _, path in case.expected_at() if path == name]
            assert codes_lines(flake8(f"app/{name}", cwd=repo)) == sorted(here), name
    by_path = flake8("app/workflow.py", cwd=repo)
    runs = {
        "absolute path": flake8(str(target), cwd=tmp_path),
        "stdin, relative display name": flake8("--stdin-display-name", "app/workflow.py", "-", cwd=repo, stdin=new),
        "stdin, absolute display name": flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=new),
        "stdin, name relative to a subdirectory": flake8(
            "--stdin-display-name", "workflow.py", "-", cwd=repo / "app", stdin=new),
    }
    for how, findings in runs.items():
        assert findings == by_path, how
    assert codes_lines(by_path) == sorted((c, ln) for c, ln, _, path in case.expected_at() if path == "workflow.py")


@pytest.mark.parametrize("case", CASES)
def test_bare_stdin_runs_single_revision_rules_only(case, tmp_path: Path):
    new = case.new
    single = analyze_texts(None, new, "stdin.py").findings
    assert flake8("-", cwd=tmp_path, stdin=new) == sorted((f.code, f.line, f.column) for f in single)


# --- behaviour on one small, known-breaking change ------------------------------------------------

def test_inline_example_reports_the_inserted_step(tmp_path: Path):
    make_repo(tmp_path, OLD, NEW)
    assert codes_lines(flake8("app/workflow.py", cwd=tmp_path)) == [("PAT101", INSERTED_LINE)]


def test_the_buffer_is_analysed_not_the_file_on_disk(tmp_path: Path):
    target = make_repo(tmp_path, OLD, OLD)  # the file on disk is unchanged...
    assert flake8("app/workflow.py", cwd=tmp_path) == []
    # ...but the editor's buffer holds the breaking edit.
    findings = flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=NEW)
    assert codes_lines(findings) == [("PAT101", INSERTED_LINE)]


@pytest.mark.parametrize("comment", ["# noqa: PAT101", "# noqa: PAT", "# noqa", "# noqa:PAT101,E501"])
def test_noqa_silences_the_finding(tmp_path: Path, comment: str):
    lines = NEW.splitlines()
    lines[INSERTED_LINE - 1] += "  " + comment
    make_repo(tmp_path, OLD, "\n".join(lines) + "\n")
    assert flake8("app/workflow.py", cwd=tmp_path) == []


@pytest.mark.parametrize("comment", ["# noqa: E501", "# noqa: PAT102"])
def test_noqa_for_other_codes_keeps_the_finding(tmp_path: Path, comment: str):
    lines = NEW.splitlines()
    lines[INSERTED_LINE - 1] += "  " + comment
    make_repo(tmp_path, OLD, "\n".join(lines) + "\n")
    assert codes_lines(flake8("app/workflow.py", cwd=tmp_path)) == [("PAT101", INSERTED_LINE)]


def test_base_revision_option_and_config(tmp_path: Path):
    target = make_repo(tmp_path, OLD, NEW)
    git(tmp_path, "commit", "-q", "-am", "insert notify")  # now HEAD == working tree
    assert flake8("app/workflow.py", cwd=tmp_path) == []
    by_option = flake8("--patchlint-base", "HEAD~1", "app/workflow.py", cwd=tmp_path)
    assert codes_lines(by_option) == [("PAT101", INSERTED_LINE)]
    (tmp_path / ".flake8").write_text("[flake8]\npatchlint-base = HEAD~1\n")
    assert flake8("app/workflow.py", cwd=tmp_path) == by_option
    assert flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=NEW) == by_option


def test_file_new_in_this_revision_gets_single_revision_rules(tmp_path: Path):
    make_repo(tmp_path, None, NEW)  # never committed
    single = analyze_texts(None, NEW, "app/workflow.py").findings
    assert flake8("app/workflow.py", cwd=tmp_path) == sorted((f.code, f.line, f.column) for f in single)
    assert all(f.code != "PAT101" for f in single)


def test_outside_a_git_repository(tmp_path: Path):
    (tmp_path / "workflow.py").write_text(NEW)
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    single = analyze_texts(None, NEW, "workflow.py").findings
    expected = sorted((f.code, f.line, f.column) for f in single)
    assert flake8("workflow.py", cwd=tmp_path, env=env) == expected
    assert flake8("--stdin-display-name", "workflow.py", "-", cwd=tmp_path, stdin=NEW, env=env) == expected


def test_unknown_base_revision_is_no_crash(tmp_path: Path):
    make_repo(tmp_path, OLD, NEW)
    single = analyze_texts(None, NEW, "app/workflow.py").findings
    findings = flake8("--patchlint-base", "no-such-branch", "app/workflow.py", cwd=tmp_path)
    assert findings == sorted((f.code, f.line, f.column) for f in single)


def unparsable_by_libcst() -> str:
    """Valid Python (``ast`` parses it, so flake8 runs AST plugins) that libcst 1.x rejects."""
    strings = " ".join(["'a'"] * 5000)
    return NEW + f"\n\nBANNER = {strings}\n"


def test_libcst_parse_failure_yields_nothing_and_no_traceback(tmp_path: Path):
    source = unparsable_by_libcst()
    compile(source, "workflow.py", "exec")  # flake8 will hand it to the plugin
    with pytest.raises(Exception):
        libcst.parse_module(source)
    target = make_repo(tmp_path, OLD, source)
    assert flake8("app/workflow.py", cwd=tmp_path) == []
    assert flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=source) == []
    assert flake8("-", cwd=tmp_path, stdin=source) == []
