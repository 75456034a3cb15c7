"""`# noqa` (flake8's syntax and meaning) and rule selection (ruff's `select` / `extend-select` /
`ignore` / `per-file-ignores`, config then flags), applied once in the api: check, diff,
pre-commit and the Action agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flake8.violation import Violation
from test_action import clone, origin_with_pull_request, pull_request_event, run_action
from test_flake8_plugin import INSERTED_LINE, NEW, OLD

from patchlint.api import analyze_revisions, analyze_texts
from patchlint.config import Config, flag_layer, from_table
from patchlint.rules import all_rules
from patchlint.suppression import Layer, noqa_suppresses, selected

# NEW inserts notify (PAT101 at INSERTED_LINE); NEW2 also appends it after ship (PAT110);
# REMOVED drops ship (PAT102).
NOTIFY = "        await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n"
NEW2 = NEW + NOTIFY
REMOVED = OLD.replace(
    "        await workflow.execute_activity(ship, start_to_close_timeout=timedelta(seconds=5))\n", ""
)


def with_comment(text: str, line: int, comment: str) -> str:
    lines = text.splitlines()
    lines[line - 1] += "  " + comment
    return "\n".join(lines) + "\n"


def codes(report) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in report.findings]


# --- noqa comments: flake8's syntax, checked against flake8 itself --------------------------------

SILENCING = [
    "# noqa",
    "# noqa: PAT101",
    "# NOQA: PAT101",
    "# NoQA:PAT101",
    "# noqa: PAT",
    "# noqa: PAT1",
    "# noqa: PAT10",
    "# noqa: PAT101, PAT103",
    "# noqa:E501,PAT101",
    "# noqa: E501 PAT101",
    "# type: ignore # noqa",
    "# noqa : PAT102",
]
NOT_SILENCING = [
    "# noqa: PAT102",
    "# noqa: E501",
    "# noqa: PAT2",
    "# noqa: PAT1011",
    "# noqa: pat101",
    "# no qa",
    "#noqa",
    "# noqa: PAT102,PAT103",
]


@pytest.mark.parametrize("comment", SILENCING + NOT_SILENCING)
def test_noqa_means_what_flake8_means(comment):
    line = f"        await workflow.execute_activity(notify)  {comment}\n"
    flake8_says = Violation("PAT101", "wf.py", 1, 1, "x", line).is_inline_ignored(disable_noqa=False)
    assert noqa_suppresses(line, "PAT101") is flake8_says is (comment in SILENCING)


@pytest.mark.parametrize("comment", SILENCING)
def test_noqa_silences_the_finding_on_its_line(comment):
    assert codes(analyze_texts(OLD, NEW)) == [("PAT101", INSERTED_LINE)]
    assert codes(analyze_texts(OLD, with_comment(NEW, INSERTED_LINE, comment))) == []


@pytest.mark.parametrize("comment", NOT_SILENCING)
def test_noqa_for_other_codes_keeps_the_finding(comment):
    assert codes(analyze_texts(OLD, with_comment(NEW, INSERTED_LINE, comment))) == [("PAT101", INSERTED_LINE)]


def test_noqa_on_another_line_keeps_the_finding():
    assert codes(analyze_texts(OLD, with_comment(NEW, INSERTED_LINE + 1, "# noqa"))) == [("PAT101", INSERTED_LINE)]


def test_noqa_on_a_removed_step_is_read_in_the_new_revision():
    ((code, line),) = codes(analyze_texts(OLD, REMOVED))
    assert code == "PAT102" and line <= len(REMOVED.splitlines())
    assert codes(analyze_texts(OLD, with_comment(REMOVED, line, "# noqa: PAT102"))) == []


def test_noqa_at_the_end_of_a_backslash_continued_statement():
    continued = NEW.replace(
        "        await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n",
        "        await workflow.execute_activity(notify, \\\n            start_to_close_timeout=timedelta(seconds=5))\n",
    )
    assert codes(analyze_texts(OLD, continued)) == [("PAT101", INSERTED_LINE)]
    assert codes(analyze_texts(OLD, with_comment(continued, INSERTED_LINE + 1, "# noqa: PAT101"))) == []
    # an ordinary bracketed continuation is read line by line, as flake8 does
    bracketed = continued.replace(" \\\n", "\n")
    assert codes(analyze_texts(OLD, with_comment(bracketed, INSERTED_LINE + 1, "# noqa: PAT101"))) == [
        ("PAT101", INSERTED_LINE)
    ]


def test_noqa_can_be_left_to_the_caller():
    noqa = with_comment(NEW, INSERTED_LINE, "# noqa")
    kept = analyze_revisions({"wf.py": OLD}, {"wf.py": noqa}, noqa=False)
    assert codes(kept) == [("PAT101", INSERTED_LINE)]
    assert codes(analyze_texts(OLD, noqa, "wf.py", noqa=False)) == [("PAT101", INSERTED_LINE)]


def _example_params():
    for rule in all_rules():
        for n, example in enumerate(rule.INVALID):
            if not example.options and example.expect:
                yield pytest.param(rule.code, example, id=f"{rule.code}-{n}")


@pytest.mark.parametrize("code, example", list(_example_params()))
def test_every_rule_example_is_silenced_by_noqa_at_its_line(code, example):
    """Whatever the rule (a removal, a reorder, a renamed type), its finding is silenced by a
    `# noqa: CODE` on the line it is reported at, and only that finding."""
    report = analyze_texts(example.old, example.new)
    mine = [f for f in report.findings if f.code == code]
    assert mine, codes(report)
    line = mine[0].line
    text = example.new.splitlines()[line - 1]
    if text.rstrip().endswith("\\") or '"""' in text or "'''" in text:
        pytest.skip("a comment cannot end this line")
    quiet = analyze_texts(example.old, with_comment(example.new, line, f"# noqa: {code}"))
    assert (code, line) not in codes(quiet)
    assert [c for c in codes(quiet) if c[1] != line] == [c for c in codes(report) if c[1] != line]


def test_noqa_keeps_the_verified_error_from_becoming_pat199():
    """--verify sees the suppressed error: the runtime's break is known, not a PAT199 'missed break'."""
    report = analyze_revisions({"wf.py": OLD}, {"wf.py": with_comment(NEW, INSERTED_LINE, "# noqa")}, verify=True)
    assert codes(report) == []
    ignored = analyze_revisions(
        {"wf.py": OLD}, {"wf.py": NEW}, verify=True, config=Config().with_flags(flag_layer(ignore=("PAT101",)))
    )
    assert codes(ignored) == []


# --- selection: ruff's resolution ---------------------------------------------------------------


@pytest.mark.parametrize(
    "layers, code, expected",
    [
        ((), "PAT101", True),  # default: every rule
        ((Layer(select=("PAT1",)),), "PAT101", True),
        ((Layer(select=("PAT1",)),), "PAT201", False),
        ((Layer(select=("PAT1",), ignore=("PAT101",)),), "PAT101", False),
        ((Layer(select=("PAT1",), ignore=("PAT101",)),), "PAT102", True),
        ((Layer(select=("PAT101",), ignore=("PAT1",)),), "PAT101", True),  # more specific wins
        ((Layer(select=("PAT101",), ignore=("PAT1",)),), "PAT102", False),
        ((Layer(select=("PAT1",), ignore=("PAT1",)),), "PAT101", False),  # equal: ignore wins
        ((Layer(select=("ALL",), ignore=("PAT2",)),), "PAT201", False),
        ((Layer(select=("ALL",), ignore=("PAT2",)),), "PAT199", True),
        ((Layer(ignore=("PAT2",)),), "PAT101", True),
        ((Layer(ignore=("ALL",), extend_select=("PAT110",)),), "PAT110", True),
        ((Layer(ignore=("ALL",), extend_select=("PAT110",)),), "PAT111", False),
        # ruff's example: select E,F ignore F401 in the file; --select F401 enforces F401 only
        ((Layer(select=("PAT1", "PAT2"), ignore=("PAT101",)), Layer(select=("PAT101",))), "PAT101", True),
        ((Layer(select=("PAT1", "PAT2"), ignore=("PAT101",)), Layer(select=("PAT101",))), "PAT102", False),
        # ...and --extend-select adds to the file's selection, keeping its ignore
        ((Layer(select=("PAT1",), ignore=("PAT101",)), Layer(extend_select=("PAT2",))), "PAT201", True),
        ((Layer(select=("PAT1",), ignore=("PAT101",)), Layer(extend_select=("PAT2",))), "PAT101", False),
        ((Layer(ignore=("PAT101",)), Layer(extend_select=("PAT101",))), "PAT101", True),
        ((Layer(select=("PAT1",)), Layer(ignore=("PAT102",))), "PAT102", False),
    ],
)
def test_selection_resolves_as_ruff_does(layers, code, expected):
    assert selected(layers, code) is expected


def test_config_selection_filters_findings():
    both = analyze_texts(OLD, NEW2)
    assert {f.code for f in both.findings} == {"PAT101", "PAT110"}, codes(both)

    def kept(table, flags=None, path="wf.py"):
        config = from_table(table).with_flags(flags)
        report = analyze_revisions({path: OLD}, {path: NEW2}, config=config)
        return {f.code for f in report.findings}

    assert kept({"select": ["PAT110"]}) == {"PAT110"}
    assert kept({"ignore": ["PAT101"]}) == {"PAT110"}
    assert kept({"disable": ["PAT101"]}) == {"PAT110"}  # the older name
    assert kept({"select": ["PAT110"]}, flag_layer(extend_select=("PAT101",))) == {"PAT101", "PAT110"}
    assert kept({"select": ["PAT110"]}, flag_layer(select=("PAT101",))) == {"PAT101"}
    assert kept({"select": ["PAT1"], "ignore": ["PAT11"]}) == {"PAT101"}
    assert kept({"per-file-ignores": {"tests/*": ["PAT1"]}}, path="tests/a/wf.py") == set()
    assert kept({"per-file-ignores": {"tests/*": ["PAT1"]}}, path="app/wf.py") == {"PAT101", "PAT110"}
    assert kept({"per-file-ignores": {"wf.py": ["PAT101"]}}, path="app/wf.py") == {"PAT110"}
    assert kept({"per-file-ignores": {"!app/*": ["PAT101"]}}, path="app/wf.py") == {"PAT101", "PAT110"}
    assert kept({"per-file-ignores": {"!app/*": ["PAT101"]}}, path="lib/wf.py") == {"PAT110"}
    assert kept({"severity": {"PAT1": "info", "PAT110": "error"}}) == {"PAT101", "PAT110"}


def test_severity_prefixes_most_specific_wins():
    config = from_table({"severity": {"PAT1": "info", "PAT110": "error"}})
    report = analyze_revisions({"wf.py": OLD}, {"wf.py": NEW2}, config=config)
    assert {(f.code, f.severity.value) for f in report.findings} == {("PAT101", "info"), ("PAT110", "error")}


# --- the edges: check, diff, pre-commit, the Action ----------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def patchlint(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patchlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "wf.py").write_text(OLD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def json_codes(proc: subprocess.CompletedProcess) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return [f["code"] for f in json.loads(proc.stdout)["findings"]]


@pytest.mark.slow
def test_check_and_pre_commit_honour_noqa(repo):
    (repo / "wf.py").write_text(NEW)
    assert json_codes(patchlint(repo, "check", "--format", "json")) == ["PAT101"]
    (repo / "wf.py").write_text(with_comment(NEW, INSERTED_LINE, "# noqa: PAT101"))
    for fmt in ("text", "json", "github"):
        proc = patchlint(repo, "check", "--format", fmt)
        assert proc.returncode == 0 and "PAT101" not in proc.stdout, proc.stdout + proc.stderr
    sarif = patchlint(repo, "check", "--format", "sarif")
    assert sarif.returncode == 0 and json.loads(sarif.stdout)["runs"][0]["results"] == []
    git(repo, "add", "wf.py")
    assert patchlint(repo, "check", env={"PRE_COMMIT": "1"}).returncode == 0


@pytest.mark.slow
def test_check_flags(repo):
    def found(*args):
        return json_codes(patchlint(repo, "check", "--format", "json", *args))

    (repo / "wf.py").write_text(NEW2)
    assert found() == ["PAT101", "PAT110"]
    assert found("--select", "PAT110") == ["PAT110"]
    assert found("--select", "PAT110,PAT101") == found("--select", "PAT110", "--select", "PAT101") == found()
    assert found("--ignore", "PAT101") == ["PAT110"]
    assert found("--select", "ALL", "--ignore", "PAT11") == ["PAT101"]
    (repo / "pyproject.toml").write_text('[tool.patchlint]\nselect = ["PAT110"]\n')
    assert found() == ["PAT110"]
    assert found("--extend-select", "PAT101") == ["PAT101", "PAT110"]
    assert found("--select", "PAT101") == ["PAT101"]
    assert patchlint(repo, "check").returncode == 0  # a warning only
    assert patchlint(repo, "check", "--select", "PAT1").returncode == 1
    proc = patchlint(repo, "check", "--select", "PAT1", "--exit-zero")
    assert proc.returncode == 0 and "PAT101" in proc.stdout


@pytest.mark.slow
def test_diff_flags_and_noqa(tmp_path):
    (tmp_path / "old.py").write_text(OLD)
    (tmp_path / "new.py").write_text(NEW)
    assert patchlint(tmp_path, "diff", "old.py", "new.py").returncode == 1
    assert patchlint(tmp_path, "diff", "--ignore", "PAT1", "old.py", "new.py").returncode == 0
    assert patchlint(tmp_path, "diff", "--exit-zero", "old.py", "new.py").returncode == 0
    (tmp_path / "new.py").write_text(with_comment(NEW, INSERTED_LINE, "# noqa"))
    assert patchlint(tmp_path, "diff", "old.py", "new.py").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, needle",
    [
        (("--select", "PAT999"), "--select: unknown rule code 'PAT999'"),
        (("--ignore", "PAT101,E501"), "--ignore: unknown rule code 'E501'"),
        (("--extend-select", "PAT3"), "--extend-select: unknown rule code 'PAT3'"),
        (("--select", "PA"), "--select: unknown rule code 'PA'"),
    ],
)
def test_unknown_code_in_a_flag_is_one_line(repo, args, needle):
    for command in (("check",), ("diff", "wf.py", "wf.py")):
        proc = patchlint(repo, *command, *args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines() == [f"patchlint: error: {needle} (`patchlint rules` lists them)"]


@pytest.mark.slow
def test_the_action_honours_noqa_and_config(tmp_path: Path):
    quiet = with_comment(NEW, INSERTED_LINE, "# noqa: PAT101")
    origin, shas = origin_with_pull_request(tmp_path, quiet)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=False)
    proc, _, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["errors"] == "0" and "PAT101" not in proc.stdout


def test_action_selection_inputs_are_flags():
    import yaml

    from patchlint.integrations.action.run import check_args

    env = {"PATCHLINT_SELECT": "--base=HEAD~9", "PATCHLINT_IGNORE": "PAT101, PAT2", "PATCHLINT_PATHS": "a.py"}
    assert check_args(env, "abc", "github") == [
        "check",
        "--base",
        "abc",
        "--head",
        "HEAD",
        "--format",
        "github",
        "--select=--base=HEAD~9",
        "--ignore=PAT101, PAT2",
        "--",
        "a.py",
    ]
    action = yaml.safe_load((Path(__file__).parent.parent / "action.yml").read_text())
    env = action["runs"]["steps"][-1]["env"]
    for name in ("select", "extend-select", "ignore"):
        assert action["inputs"][name]["default"] == ""
        assert env[f"PATCHLINT_{name.upper().replace('-', '_')}"] == f"${{{{ inputs.{name} }}}}"


@pytest.mark.slow
def test_the_action_passes_selection_inputs(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=False)
    proc, _, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), ignore="PAT101")
    assert proc.returncode == 0 and outputs["errors"] == "0", proc.stdout + proc.stderr
    proc, _, _ = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), select="PAT999")
    assert proc.returncode == 2
    assert "--select: unknown rule code 'PAT999'" in proc.stdout, proc.stdout
