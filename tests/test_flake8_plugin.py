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
from typing import NamedTuple

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

OLD = """\
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
"""
INSERTED_LINE = 26  # the notify call in NEW
NEW = OLD.replace(
    "        await workflow.execute_activity(ship",
    "        await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n"
    "        await workflow.execute_activity(ship",
)


# --- helpers -------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": YEAR_AGO,
        "GIT_COMMITTER_DATE": YEAR_AGO,
    }
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout


def make_repo(
    root: Path, old: str | None, new: str, siblings: dict[str, str] | None = None, rel: str = "app/workflow.py"
) -> Path:
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
    found, _ = flake8_files(*args, cwd=cwd, stdin=stdin, env={**os.environ, **(env or {})})
    return sorted(finding for findings in found.values() for finding in findings)


def codes_lines(findings) -> list[tuple[str, int]]:
    return sorted((code, line) for code, line, _ in findings if code not in AGE_ADVICE)


# --- every testdata case ---------------------------------------------------------------------------
#
# Every case sits in its own repository and ONE flake8 process lints all their files by path (the
# plugin keeps what it learns per repository, so a batch must answer as single runs do; the sample
# below runs them singly). What an editor sends through stdin is checked for every case with the
# checker's own entry point in this process, and through real flake8 processes for a sample.

# A Temporal and a DBOS case each: a plain reorder, a change two imports away, a base class or
# mixin, a datasource step and a patch's lifecycle.
SAMPLE = {
    "temporal-reorder",
    "temporal-change-two-imports-away",
    "temporal-mixin-activities-swapped",
    "temporal-deprecate-patch",
    "dbos-change-two-imports-away",
    "dbos-datasource-step-insert",
}
SAMPLE_CASES = [p for p in CASES if p.id in SAMPLE]
FILE_FORMAT = "--format=%(path)s\t%(code)s %(row)d %(col)d %(text)s"


class CaseRepo(NamedTuple):
    """A case's repository: the workflow module's path and the names of the other modules its change
    edits (each linted on its own)."""

    repo: Path
    target: Path
    edited: list[str]

    def module(self, name: str) -> Path:
        return self.repo / "app" / name

    def paths(self) -> list[str]:
        """The files that get findings: the workflow module and the edited modules."""
        return [str(self.target), *(str(self.module(name)) for name in self.edited)]


def case_repo(case, repo: Path) -> CaseRepo:
    """``case``'s old revision committed in ``repo``, its new revision in the working tree."""
    old_modules = {n: t for n, t in case.files("old").items() if n != "workflow.py"}
    target = make_repo(repo, case.old, case.new, old_modules)
    new_modules = {n: t for n, t in case.files("new").items() if n != "workflow.py"}
    for name, text in new_modules.items():
        (repo / "app" / name).write_text(text, encoding="utf-8")
    return CaseRepo(repo, target, sorted(n for n, t in new_modules.items() if old_modules.get(n) != t))


def flake8_files(
    *args: str, cwd: Path, stdin: str | None = None, env: dict | None = None, importtime: bool = False
) -> tuple[dict[str, list[tuple[str, int, int]]], bool]:
    """Run real flake8 (once over many files): ``{path as flake8 printed it: sorted findings}``, and
    (with ``importtime``) whether the flake8 process imported libcst. Fails on any traceback, and on
    any stderr output unless ``importtime`` writes there."""
    proc = subprocess.run(
        [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "flake8", "--select=PAT", FILE_FORMAT]
        + list(args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env or os.environ,
        check=False,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    if not importtime:
        assert proc.stderr == "", proc.stderr
    found: dict[str, list[tuple[str, int, int]]] = {}
    for line in proc.stdout.splitlines():
        path, rest = line.split("\t", 1)
        code, row, col, text = rest.split(" ", 3)
        assert code.startswith("PAT") and text
        found.setdefault(path, []).append((code, int(row), int(col)))
    assert (proc.returncode == 1) == bool(found)
    imported = any(line.split("|")[-1].strip() == "libcst" for line in proc.stderr.splitlines())
    return {path: sorted(findings) for path, findings in found.items()}, imported


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """``(repos, findings)``: each case's ``CaseRepo`` by name, and what one flake8 process over all
    their files (by absolute path, from the folder that holds them) reported for each."""
    top = tmp_path_factory.mktemp("cases")
    repos = {param.values[0].name: case_repo(param.values[0], top / param.values[0].name) for param in CASES}
    return repos, flake8_files(*(path for case in repos.values() for path in case.paths()), cwd=top)[0]


def checker_findings(filename: str, text: str, cwd: Path, monkeypatch) -> list[tuple[str, int, int]]:
    """What the checker yields for a stdin buffer named ``filename`` in a flake8 run from ``cwd``
    (its own entry point, in this process; flake8 prints columns from 1)."""
    from patchlint.integrations.flake8_plugin import DEFAULT_BASE, Run, results

    monkeypatch.chdir(cwd)
    found = results(filename, text, DEFAULT_BASE, False, False, Run())
    return sorted((message.split(" ", 1)[0], line, column + 1) for line, column, message in found)


def test_testdata_cases_exist():
    assert len(CASES) >= 40 and len(SAMPLE_CASES) == len(SAMPLE)


@pytest.mark.parametrize("case", CASES)
def test_case_by_path_and_by_stdin_agree_and_match_expected(case, batch, monkeypatch):
    repos, found = batch
    entry = repos[case.name]
    repo, target = entry.repo, entry.target
    for name in entry.edited:  # a changed module: its own findings, by path
        here = [(c, ln) for c, ln, _, path in case.expected_at() if path == name]
        assert codes_lines(found.get(str(entry.module(name)), [])) == sorted(here), name
    by_path = found.get(str(target), [])
    assert codes_lines(by_path) == sorted((c, ln) for c, ln, _, path in case.expected_at() if path == "workflow.py")
    stdin = {  # the display names editors send (pylsp and Neovim: relative or absolute)
        "relative display name": checker_findings("app/workflow.py", case.new, repo, monkeypatch),
        "absolute display name": checker_findings(str(target), case.new, repo.parent, monkeypatch),
        "name relative to a subdirectory": checker_findings("workflow.py", case.new, repo / "app", monkeypatch),
    }
    for how, findings in stdin.items():
        assert findings == by_path, how


@pytest.mark.slow  # five flake8 processes per case
@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_real_flake8_by_path_and_by_stdin_agree_with_the_batch(case, batch, tmp_path: Path):
    repos, found = batch
    entry = repos[case.name]
    repo, target = entry.repo, entry.target
    for name in entry.edited:
        assert flake8(f"app/{name}", cwd=repo) == found.get(str(entry.module(name)), []), name
    by_path = flake8("app/workflow.py", cwd=repo)
    assert by_path == found.get(str(target), [])
    runs = {
        "absolute path": flake8(str(target), cwd=tmp_path),
        "stdin, relative display name": flake8(
            "--stdin-display-name", "app/workflow.py", "-", cwd=repo, stdin=case.new
        ),
        "stdin, absolute display name": flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=case.new),
        "stdin, name relative to a subdirectory": flake8(
            "--stdin-display-name", "workflow.py", "-", cwd=repo / "app", stdin=case.new
        ),
    }
    for how, findings in runs.items():
        assert findings == by_path, how


@pytest.mark.parametrize("case", CASES)
def test_bare_stdin_runs_single_revision_rules_only(case, tmp_path: Path, monkeypatch):
    single = sorted((f.code, f.line, f.column + 1) for f in analyze_texts(None, case.new, "stdin.py").findings)
    assert checker_findings("stdin", case.new, tmp_path, monkeypatch) == single


NOT_LITERAL = OLD.replace(
    "    async def run(self) -> None:\n",
    '    async def run(self) -> None:\n        if workflow.patched(PREFIX + "-notify"):\n            pass\n',
).replace("@workflow.defn\n", 'PREFIX = "order"\n\n\n@workflow.defn\n')


def test_bare_stdin_reports_single_revision_findings_where_flake8_counts_columns(tmp_path: Path):
    """A finding no base is needed for (PAT206: the id is not a literal) at flake8's 1-based column."""
    (finding,) = analyze_texts(None, NOT_LITERAL, "stdin.py").findings
    line = NOT_LITERAL.splitlines()[finding.line - 1]
    assert finding.code == "PAT206" and line.index("workflow.patched") == finding.column
    assert flake8("-", cwd=tmp_path, stdin=NOT_LITERAL) == [("PAT206", finding.line, finding.column + 1)]


@pytest.mark.slow
@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_bare_stdin_in_a_real_flake8_process(case, tmp_path: Path):
    single = analyze_texts(None, case.new, "stdin.py").findings
    assert flake8("-", cwd=tmp_path, stdin=case.new) == sorted((f.code, f.line, f.column + 1) for f in single)


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


def test_disable_noqa_brings_the_finding_back(tmp_path: Path):
    """flake8 owns noqa under flake8: the plugin reports everything, so --disable-noqa works."""
    lines = NEW.splitlines()
    lines[INSERTED_LINE - 1] += "  # noqa: PAT101"
    make_repo(tmp_path, OLD, "\n".join(lines) + "\n")
    findings = flake8("--disable-noqa", "app/workflow.py", cwd=tmp_path)
    assert codes_lines(findings) == [("PAT101", INSERTED_LINE)]


@pytest.mark.parametrize("comment", ["# noqa: E501", "# noqa: PAT102"])
def test_noqa_for_other_codes_keeps_the_finding(tmp_path: Path, comment: str):
    lines = NEW.splitlines()
    lines[INSERTED_LINE - 1] += "  " + comment
    make_repo(tmp_path, OLD, "\n".join(lines) + "\n")
    assert codes_lines(flake8("app/workflow.py", cwd=tmp_path)) == [("PAT101", INSERTED_LINE)]


@pytest.mark.slow
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
    assert flake8("app/workflow.py", cwd=tmp_path) == sorted((f.code, f.line, f.column + 1) for f in single)
    assert all(f.code != "PAT101" for f in single)


@pytest.mark.slow
def test_outside_a_git_repository(tmp_path: Path):
    (tmp_path / "workflow.py").write_text(NEW)
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    single = analyze_texts(None, NEW, "workflow.py").findings
    expected = sorted((f.code, f.line, f.column + 1) for f in single)
    assert flake8("workflow.py", cwd=tmp_path, env=env) == expected
    assert flake8("--stdin-display-name", "workflow.py", "-", cwd=tmp_path, stdin=NEW, env=env) == expected


def pat000(findings_text: str) -> str:
    """The text of the one PAT000 line of flake8's output."""
    lines = [line for line in findings_text.splitlines() if line.startswith("PAT000 ")]
    assert len(lines) == 1, findings_text
    return lines[0]


def flake8_text(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> str:
    """flake8's PAT output as text (after ``flake8`` has checked its shape)."""
    flake8(*args, cwd=cwd, stdin=stdin, env=env)
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select=PAT", "--format=%(code)s %(row)d %(col)d %(text)s", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    ).stdout


@pytest.mark.slow
def test_unknown_base_revision_is_one_pat000(tmp_path: Path):
    target = make_repo(tmp_path, OLD, NEW)
    args = ("--patchlint-base", "no-such-branch")
    assert flake8(*args, "app/workflow.py", cwd=tmp_path) == [("PAT000", 1, 1)]
    assert flake8(*args, "--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=NEW) == [("PAT000", 1, 1)]
    text = pat000(flake8_text(*args, "app/workflow.py", cwd=tmp_path))
    assert text == "PAT000 1 1 not analysed: unknown revision 'no-such-branch'"
    (tmp_path / ".flake8").write_text("[flake8]\npatchlint-base = --output=x\n")  # never an option to git
    assert "starts with '-'" in pat000(flake8_text("app/workflow.py", cwd=tmp_path))
    assert not (tmp_path / "x").exists()


def test_unknown_base_is_not_reported_on_modules_that_mention_no_engine(tmp_path: Path):
    make_repo(tmp_path, OLD, NEW, siblings={"util.py": "def f():\n    return 1\n"})
    (tmp_path / "app" / "util.py").write_text("def f():\n    return 2\n")
    assert flake8("--patchlint-base", "no-such-branch", "app/util.py", cwd=tmp_path) == []


@pytest.mark.parametrize(
    "pyproject, why",
    [
        ("[tool.patchlint]\nbogus = 1\n", "bogus"),
        ("[tool.patchlint\n", "invalid TOML"),
        ('[tool.patchlint]\nmax-workflow-lifetime = "999999999d"\n', "max-workflow-lifetime"),
    ],
)
def test_broken_config_is_one_pat000(tmp_path: Path, pyproject: str, why: str):
    target = make_repo(tmp_path, OLD, NEW)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert flake8("app/workflow.py", cwd=tmp_path) == [("PAT000", 1, 1)]
    text = pat000(flake8_text("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=NEW))
    assert why in text and " pyproject.toml: " in text and str(tmp_path) not in text


@pytest.mark.slow
def test_outside_a_git_repository_a_configured_base_is_one_pat000(tmp_path: Path):
    (tmp_path / "workflow.py").write_text(NEW)
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    args = ("--patchlint-base", "HEAD~1")
    assert flake8(*args, "workflow.py", cwd=tmp_path, env=env) == [("PAT000", 1, 1)]
    assert "not in a git repository" in pat000(flake8_text(*args, "workflow.py", cwd=tmp_path, env=env))
    assert "--stdin-display-name" in pat000(flake8_text(*args, "-", cwd=tmp_path, stdin=NEW))
    (tmp_path / "plain.py").write_text("x = 1\n")  # nothing to analyse: nothing to say
    assert flake8(*args, "plain.py", cwd=tmp_path, env=env) == []


def unparsable_by_libcst() -> str:
    """Valid Python (``ast`` parses it, so flake8 runs AST plugins) that libcst 1.x rejects."""
    strings = " ".join(["'a'"] * 5000)
    return NEW + f"\n\nBANNER = {strings}\n"


@pytest.mark.slow
def test_libcst_parse_failure_is_one_pat000_and_no_traceback(tmp_path: Path):
    source = unparsable_by_libcst()
    compile(source, "workflow.py", "exec")  # flake8 will hand it to the plugin
    with pytest.raises(libcst.ParserSyntaxError):
        libcst.parse_module(source)
    target = make_repo(tmp_path, OLD, source)
    assert flake8("app/workflow.py", cwd=tmp_path) == [("PAT000", 1, 1)]
    assert flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=source) == [("PAT000", 1, 1)]
    assert flake8("-", cwd=tmp_path, stdin=source) == [("PAT000", 1, 1)]
    text = pat000(flake8_text("app/workflow.py", cwd=tmp_path))
    assert "app/workflow.py" in text and "(at HEAD)" not in text


@pytest.mark.slow
def test_base_revision_libcst_cannot_parse_is_one_pat000_naming_the_base(tmp_path: Path):
    make_repo(tmp_path, unparsable_by_libcst(), NEW)
    assert flake8("app/workflow.py", cwd=tmp_path) == [("PAT000", 1, 1)]
    assert "app/workflow.py (at HEAD)" in pat000(flake8_text("app/workflow.py", cwd=tmp_path))


# --- single-revision rules on committed files (Temporal's patching sample) -----------------------

# The stages of Temporal's samples-python patching sample: the workflow as first deployed, with
# the patch, with deprecate_patch (stage 3), and with the patch gone.
SAMPLE_ACTIVITIES = OLD.split("@workflow.defn")[0].replace("charge", "pre_patch").replace("notify", "post_patch")
SAMPLE_DEPRECATED = (
    SAMPLE_ACTIVITIES
    + """
@workflow.defn
class MyWorkflow:
    @workflow.run
    async def run(self) -> None:
        workflow.deprecate_patch("my-patch")
        await workflow.execute_activity(post_patch, start_to_close_timeout=timedelta(minutes=5))
"""
)
SAMPLE_IN_LOOP = (
    SAMPLE_ACTIVITIES
    + """
@workflow.defn
class MyWorkflow:
    @workflow.run
    async def run(self) -> None:
        for _ in range(3):
            if workflow.patched("my-patch"):
                await workflow.execute_activity(post_patch, start_to_close_timeout=timedelta(minutes=5))
            else:
                await workflow.execute_activity(pre_patch, start_to_close_timeout=timedelta(minutes=5))
"""
)


@pytest.mark.parametrize("source, code", [(SAMPLE_DEPRECATED, "PAT208"), (SAMPLE_IN_LOOP, "PAT209")])
@pytest.mark.slow
def test_single_revision_rules_are_silent_on_a_committed_unchanged_file(tmp_path: Path, source: str, code: str):
    # Never committed (no base, no history), the rule fires: the sample is what it looks for.
    make_repo(tmp_path / "new", None, source)
    assert code in {c for c, _, _ in flake8("app/workflow.py", cwd=tmp_path / "new")}
    target = make_repo(tmp_path / "committed", source, source)
    tmp_path = tmp_path / "committed"
    # (date advice, PAT204/205, may fire: the commit is a year old)
    assert codes_lines(flake8("app/workflow.py", cwd=tmp_path)) == []
    assert codes_lines(flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=source)) == []
    edited = source.replace("class MyWorkflow:", "class MyWorkflow:  # edited elsewhere")
    assert codes_lines(flake8("--stdin-display-name", str(target), "-", cwd=tmp_path, stdin=edited)) == []


# --- cost: what cannot matter is not analysed ----------------------------------------------------

PLAIN = "import json\n\n\ndef render(value: int) -> str:\n    return json.dumps({{'v': value, 'n': {n}}})\n"


def git_logging_env(tmp_path: Path) -> tuple[dict, Path]:
    """An environment whose ``git`` logs each call to a file, then runs the real git."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    bin_dir, log = tmp_path / "bin", tmp_path / "git.log"
    bin_dir.mkdir(parents=True)
    (bin_dir / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (bin_dir / "git").chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, log


def make_tree(root: Path, plain: int) -> None:
    """``plain`` modules that mention no engine, two unchanged workflows and one changed one."""
    make_repo(
        root, OLD, NEW, siblings={"other.py": OLD.replace("Order", "Other"), "third.py": OLD.replace("Order", "Third")}
    )
    for n in range(plain):
        folder = root / f"pkg{n % 3}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{n}.py").write_text(PLAIN.format(n=n))
    git(root, "add", "-A", "--", "pkg0", "pkg1", "pkg2")
    git(root, "commit", "-q", "-m", "plain modules")


@pytest.mark.slow
def test_git_calls_do_not_grow_with_the_files_that_cannot_matter(tmp_path: Path):
    """What is per repository is asked once per flake8 process (each of ``--jobs``), never per file."""
    calls = {}
    for plain in (10, 40):
        root = tmp_path / f"repo{plain}"
        make_tree(root, plain)
        env, log = git_logging_env(tmp_path / f"log{plain}")
        for jobs in (1, 2):
            log.write_text("")
            assert codes_lines(flake8(f"--jobs={jobs}", ".", cwd=root, env=env)) == [("PAT101", INSERTED_LINE)]
            calls[plain, jobs] = len(log.read_text().splitlines())
    assert calls[10, 1] == calls[40, 1] <= 12, calls
    assert max(calls[10, 2], calls[40, 2]) <= 2 * calls[10, 1], calls


def imports_libcst(*args: str, cwd: Path, stdin: str | None = None) -> bool:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flake8", "--select=PAT", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in proc.stderr and "PAT000" not in proc.stdout, proc.stdout + proc.stderr
    return any(line.split("|")[-1].strip() == "libcst" for line in proc.stderr.splitlines())


@pytest.mark.slow
def test_libcst_is_not_imported_for_what_cannot_matter(tmp_path: Path):
    make_tree(tmp_path, 5)
    git(tmp_path, "commit", "-q", "-am", "insert notify")  # the working tree is clean again
    assert not imports_libcst(".", cwd=tmp_path)  # CI on a clean checkout
    (tmp_path / "pkg0" / "mod0.py").write_text(PLAIN.format(n=99))  # a change no workflow imports
    assert not imports_libcst(".", cwd=tmp_path)
    assert not imports_libcst("--stdin-display-name", "pkg0/mod0.py", "-", cwd=tmp_path, stdin="x = 2\n")
    assert not imports_libcst(
        "--stdin-display-name", "app/other.py", "-", cwd=tmp_path, stdin=(tmp_path / "app" / "other.py").read_text()
    )
    # what can matter is analysed: an edited workflow buffer
    assert imports_libcst("--stdin-display-name", "app/other.py", "-", cwd=tmp_path, stdin=NEW)


HELPER_OLD = "from app.steps import charge, reserve\n\n\ndef collect(order):\n    reserve(order)\n    charge(order)\n"
HELPER_NEW = "from app.steps import charge, reserve\n\n\ndef collect(order):\n    charge(order)\n    reserve(order)\n"
STEPS = (
    "from dbos import DBOS\n\n\n@DBOS.step()\ndef reserve(order):\n    return order\n\n\n"
    "@DBOS.step()\ndef charge(order):\n    return order\n"
)
DBOS_WORKFLOW = (
    "from dbos import DBOS\n\nfrom app.helper import collect\n\n\n@DBOS.workflow()\n"
    "def order_flow(order):\n    collect(order)\n    DBOS.recv('approval')\n    return order\n"
)


@pytest.mark.slow
def test_a_changed_helper_that_mentions_no_engine_is_analysed_in_its_importers(tmp_path: Path):
    make_repo(tmp_path, DBOS_WORKFLOW, DBOS_WORKFLOW, siblings={"helper.py": HELPER_OLD, "steps.py": STEPS})
    (tmp_path / "app" / "__init__.py").write_text("")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "package")
    (tmp_path / "app" / "helper.py").write_text(HELPER_NEW)
    expected = sorted((f.code, f.line) for f in check_findings(tmp_path) if f.path == "app/helper.py")
    assert expected and all(code.startswith("PAT1") for code, _ in expected)
    assert codes_lines(flake8("app/helper.py", cwd=tmp_path)) == expected
    assert codes_lines(flake8("--stdin-display-name", "app/helper.py", "-", cwd=tmp_path, stdin=HELPER_NEW)) == expected


def check_findings(root: Path):
    from patchlint.check import check_repo

    cwd = os.getcwd()
    os.chdir(root)
    try:
        return check_repo(".")[0].findings
    finally:
        os.chdir(cwd)


def test_engine_markers_are_the_extractors():
    from patchlint.extract.source import ENGINE_MARKERS
    from patchlint.integrations.flake8_plugin import ENGINE_MARKERS as PLUGIN_MARKERS

    assert PLUGIN_MARKERS == ENGINE_MARKERS


def test_patch_names_are_the_extractors():
    from patchlint.extract.apis import APIS, DEPRECATE, PATCH
    from patchlint.integrations.flake8_plugin import PATCH_NAMES, PATCH_WORD

    assert set(PATCH_NAMES) == {api.name for api in APIS if api.effect in (PATCH, DEPRECATE)}
    assert not PATCH_WORD.search("dispatch(x); patching = True; unpatched = 1")
    assert PATCH_WORD.search("if workflow.patched('x'):") and PATCH_WORD.search("DBOS.patch_async(")


@pytest.mark.parametrize(
    ("source", "may"),
    [
        ("if workflow.patched('x'):\n    pass\n", True),
        ("await DBOS.patch_async('x')\n", True),
        ("wf . deprecate_patch('x')\n", True),
        ("check = (workflow\n    .patched)\n", True),
        ("from temporalio.workflow import patched as p\nif p('x'):\n    pass\n", True),
        ("from temporalio.workflow import (\n    deprecate_patch as dp,\n)\ndp('x')\n", True),
        ("patched('x')\n", True),
        ("with mock.patch.object(tasks, 'go'):\n    pass\n", True),  # a superset: not an engine's, still read
        ("subject = 'Urgent: Security patch needed'\n", False),
        ("return 'pre-patch'\n", False),
        ("# apply the patch first\nx = 1\n", False),
        ("if args.workflow == 'patched':\n    pass\n", False),
        ("dispatch(x)\n", False),
    ],
)
def test_what_may_call_a_patch_api(source, may):
    from patchlint.integrations.flake8_plugin import may_call_patch

    assert may_call_patch(source) is may


def test_every_patch_call_in_the_testdata_passes_the_gate():
    """The lifecycle gate is a superset of what the extractor resolves: every fixture module with a
    patch or deprecate_patch call in its workflows passes it."""
    from patchlint.api import models_of
    from patchlint.integrations.flake8_plugin import may_call_patch
    from patchlint.model.program import DeprecatePatch, Patched, walk

    checked = 0
    for case in all_cases():
        for path in sorted(case.folder.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            calls = [
                node
                for model in models_of({path.name: text})
                for wf in model.workflows
                for node in walk(wf.program)
                if isinstance(node, (Patched, DeprecatePatch)) and node.src is not None and node.src.path == path.name
            ]
            if calls:
                checked += 1
                assert may_call_patch(text), path
    assert checked > 20


def test_an_internal_error_is_one_pat000_not_silence(monkeypatch):
    from patchlint.integrations import flake8_plugin as plugin

    def boom(*args, **kwargs):
        raise KeyError("no such workflow")

    monkeypatch.setattr(plugin, "pending_analysis", boom)
    out = list(plugin.PatchlintChecker(None, [NEW], "app/workflow.py").run())
    assert [(line, col) for line, col, _, _ in out] == [(1, 0)]
    text = out[0][2]
    assert text.startswith("PAT000 not analysed: internal error (KeyError: ") and "\n" not in text
