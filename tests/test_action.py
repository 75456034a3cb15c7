"""The GitHub Action's scripts, run locally the way a runner runs them.

A temporary "GitHub" repository gets a real pull-request merge commit; the job's checkout is a
clone of it, full or shallow (``actions/checkout``'s default depth 1). The script is run as
``action.yml`` runs it, with ``GITHUB_EVENT_PATH``, ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_flake8_plugin import INSERTED_LINE, NEW, OLD
from test_sarif import validate

from patchlint.findings import Finding, Report, Severity
from patchlint.integrations.action import revisions as action_base
from patchlint.integrations.action.run import check_args
from patchlint.model.program import Seq, Span, Step, Workflow
from patchlint.report.summary import diverging_index, render_summary

# Each test runs the Action in a subprocess over real git clones: not in the fast tier.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
GUARDED = OLD.replace(
    "        await workflow.execute_activity(ship",
    '        if workflow.patched("add-notify"):\n'
    "            await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n"
    "        await workflow.execute_activity(ship",
)
APPENDED = OLD + "        await workflow.execute_activity(notify, start_to_close_timeout=timedelta(seconds=5))\n"
COMMAND = re.compile(r"^::(error|warning|notice) ((?:[A-Za-z]+=[^,:]*)(?:,[A-Za-z]+=[^,:]*)*)::(.*)$")


# --- a GitHub-like origin with a pull request merge commit ----------------------------------------


def git(cwd: Path, *args: str, check: bool = True) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "protocol.file.allow=always",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def origin_with_pull_request(
    tmp: Path, new_text: str, extra: dict[str, str] | None = None
) -> tuple[Path, dict[str, str]]:
    """main: A → A2 (unrelated); feature: A → B (``new_text``, and the ``extra`` files); M = merge of B
    into A2 (``pr-merge``)."""
    origin = tmp / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    shas = {"A": commit(origin, {"app/workflow.py": OLD, "README.md": "demo\n"}, "base")}
    git(origin, "checkout", "-q", "-b", "feature")
    shas["B"] = commit(origin, {"app/workflow.py": new_text, **(extra or {})}, "change the workflow")
    git(origin, "checkout", "-q", "main")
    shas["A2"] = commit(origin, {"docs.txt": "unrelated\n"}, "unrelated change on main")
    git(origin, "checkout", "-q", "--detach")
    git(origin, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    shas["M"] = git(origin, "rev-parse", "HEAD")
    git(origin, "branch", "pr-merge", shas["M"])
    git(origin, "update-ref", "refs/pull/1/merge", shas["M"])
    git(origin, "checkout", "-q", "main")
    return origin, shas


def clone(origin: Path, dest: Path, ref: str, shallow: bool) -> Path:
    depth = ["--depth=1"] if shallow else []
    git(origin.parent, "clone", "-q", *depth, "--branch", ref, f"file://{origin}", str(dest))
    return dest


def pull_request_event(tmp: Path, shas: dict[str, str]) -> Path:
    event = {
        "action": "synchronize",
        "number": 1,
        "pull_request": {
            "number": 1,
            "base": {"ref": "main", "sha": shas["A2"]},
            "head": {"ref": "feature", "sha": shas["B"]},
        },
    }
    path = tmp / "event.json"
    path.write_text(json.dumps(event))
    return path


def action_run_script() -> str:
    """The ``run`` script of action.yml's last step, verbatim: the tests run what a runner runs."""
    return yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"][-1]["run"]


def run_action(
    workdir: Path,
    tmp: Path,
    event_name: str,
    event_path: Path,
    env_extra: dict[str, str] | None = None,
    command: list[str] | None = None,
    **inputs: str,
):
    """Run the Action's step exactly as action.yml does (bash, the checkout as working directory; or
    ``command``) with the environment a runner sets (and ``env_extra``); returns (process, summary
    file, outputs)."""
    summary, output = tmp / "step_summary.md", tmp / "github_output"
    summary.write_text("")
    output.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GITHUB_", "PATCHLINT_"))}
    env.update(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_WORKSPACE": str(workdir),
            "RUNNER_TEMP": str(tmp),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_ALLOW_PROTOCOL": "file",
        }
    )
    env.update({f"PATCHLINT_{k.upper()}": v for k, v in inputs.items()})
    env["PATCHLINT_PY"] = sys.executable  # what the install step outputs: the Action's own interpreter
    env.update(env_extra or {})
    proc = subprocess.run(
        command or ["bash", "-c", action_run_script()],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, summary, outputs


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match.group(2).split(","))
        found.append((match.group(1), {k: unescape(v) for k, v in props.items()}, unescape(match.group(3))))
    return found


def json_findings(workdir: Path, base: str) -> list[dict]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from patchlint.integrations.cli import main; main()",
            "check",
            "--base",
            base,
            "--head",
            "HEAD",
            "--format",
            "json",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def assert_breaking_pr_reported(workdir: Path, tmp: Path, shas: dict[str, str], proc, summary: Path, outputs: dict):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = annotations(proc.stdout)
    assert [(kind, props["title"], props["file"], props["line"]) for kind, props, _ in found] == [
        ("error", "PAT101", "app/workflow.py", str(INSERTED_LINE))
    ]
    # Escaping round-trips: what GitHub decodes is exactly the finding's message (then engine:/fix: lines).
    assert [message.split("\n")[0] for *_, message in found] == [
        f["message"] for f in json_findings(workdir, shas["A2"])
    ]
    text = summary.read_text()
    assert "| Severity |" in text and "PAT101" in text and "```mermaid" in text
    assert "class old1 diverge" in text and "class new1 diverge" in text
    assert re.search(r'new1\[".*notify"\]', text) and re.search(r'old1\[".*ship"\]', text)
    assert outputs["base"] == shas["A2"] and outputs["errors"] == "1" and outputs["warnings"] == "0"
    sarif = json.loads((workdir / "patchlint.sarif").read_text())
    validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "PAT101"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/workflow.py"


# --- pull requests ---------------------------------------------------------------------------------


def test_pull_request_full_clone_base_is_first_parent_of_merge(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=False)
    proc, summary, outputs = run_action(
        work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), sarif_file="patchlint.sarif"
    )
    assert_breaking_pr_reported(work, tmp_path, shas, proc, summary, outputs)


def test_pull_request_shallow_clone_fetches_the_base(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    assert git(work, "rev-parse", "--is-shallow-repository") == "true"
    assert subprocess.run(["git", "cat-file", "-e", shas["A2"]], cwd=work, check=False).returncode != 0
    proc, summary, outputs = run_action(
        work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), sarif_file="patchlint.sarif"
    )
    assert subprocess.run(["git", "cat-file", "-e", shas["A2"]], cwd=work, check=False).returncode == 0
    assert_breaking_pr_reported(work, tmp_path, shas, proc, summary, outputs)


def test_shallow_clone_that_cannot_fetch_fails_clearly(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    git(work, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")
    proc, summary, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas))
    assert proc.returncode == 2
    (line,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("::error")]
    assert shas["A2"] in line and "fetch-depth" in line and "git fetch --no-tags --depth=1 origin" in line
    assert summary.read_text() == "" and outputs == {}


def test_guarded_change_passes(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, GUARDED)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    proc, summary, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [a for a in annotations(proc.stdout) if a[0] == "error"]
    assert "```mermaid" not in summary.read_text()
    assert outputs["errors"] == "0"


@pytest.mark.parametrize("fail_on, status", [("error", 0), ("warning", 1)])
def test_fail_on_decides_whether_warnings_fail(tmp_path: Path, fail_on: str, status: int):
    origin, shas = origin_with_pull_request(tmp_path, APPENDED)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    event = pull_request_event(tmp_path, shas)
    proc, summary, outputs = run_action(work, tmp_path, "pull_request", event, fail_on=fail_on)
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert [(kind, props["title"]) for kind, props, _ in annotations(proc.stdout)] == [("warning", "PAT110")]
    assert outputs["warnings"] == "1" and "PAT110" in summary.read_text()


def test_invalid_fail_on_is_an_error(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=False)
    proc, _, _ = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), fail_on="sometimes")
    assert proc.returncode == 2 and proc.stdout.startswith("::error ") and "fail-on" in proc.stdout


def test_explicit_base_branch_name_is_fetched_in_a_shallow_clone(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    proc, _, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), base="main")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outputs["base"] == shas["A2"]


# --- push ------------------------------------------------------------------------------------------


def push_event(tmp: Path, before: str, after: str) -> Path:
    path = tmp / "push.json"
    path.write_text(json.dumps({"ref": "refs/heads/feature", "before": before, "after": after}))
    return path


@pytest.mark.parametrize("shallow", [False, True])
def test_push_compares_with_event_before(tmp_path: Path, shallow: bool):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "feature", shallow=shallow)
    proc, _, outputs = run_action(work, tmp_path, "push", push_event(tmp_path, shas["A"], shas["B"]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outputs["base"] == shas["A"]
    assert [props["title"] for _, props, _ in annotations(proc.stdout)] == ["PAT101"]


def test_push_whose_before_commit_cannot_be_fetched_fails_clearly(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "feature", shallow=True)
    missing = "1234567890abcdef1234567890abcdef12345678"
    proc, _, _ = run_action(work, tmp_path, "push", push_event(tmp_path, missing, shas["B"]))
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error ") and missing in proc.stdout


def test_push_of_a_new_branch_compares_with_the_parent(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "feature", shallow=True)
    proc, _, outputs = run_action(work, tmp_path, "push", push_event(tmp_path, "0" * 40, shas["B"]))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outputs["base"] == shas["A"]


# --- base finding, unit level ----------------------------------------------------------------------


def test_automatic_base_for_other_events(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    assert action_base.automatic_base("merge_group", {"merge_group": {"base_sha": shas["A"]}}, origin)[0] == shas["A"]
    with pytest.raises(action_base.ActionError, match="set the `base` input"):
        action_base.automatic_base("workflow_dispatch", {}, origin)
    with pytest.raises(action_base.ActionError, match="merge commit"):
        action_base.automatic_base("pull_request", {}, origin)  # origin's HEAD (main) is no merge
    git(origin, "checkout", "-q", "--orphan", "fresh")
    git(origin, "rm", "-rfq", ".")
    commit(origin, {"a.py": "x = 1\n"}, "root")
    with pytest.raises(action_base.NothingToCompare):
        action_base.automatic_base("push", {"before": "0" * 40}, origin)


def test_check_args_pass_inputs_as_arguments_never_through_a_shell():
    env = {"PATCHLINT_PATHS": "app/workflow.py 'dir with space/x.py' $(rm -rf ~)", "PATCHLINT_VERIFY": "true"}
    assert check_args(env, "abc123", "github") == [
        "check",
        "--base",
        "abc123",
        "--head",
        "HEAD",
        "--format",
        "github",
        "--verify",
        "--",
        "app/workflow.py",
        "dir with space/x.py",
        "$(rm",
        "-rf",
        "~)",
    ]
    assert "--verify" not in check_args({"PATCHLINT_VERIFY": "false"}, "abc123", "sarif")


def test_action_yml_passes_inputs_through_env():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"base", "paths", "fail-on", "sarif-file", "verify"}
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step["run"], f"expression inside a script: {step['run']}"
    env = steps[-1]["env"]
    for name in ("base", "paths", "fail-on", "sarif-file", "verify"):
        assert env[f"PATCHLINT_{name.upper().replace('-', '_')}"] == f"${{{{ inputs.{name} }}}}"
    assert "patchlint.integrations.action.run" in steps[-1]["run"]
    assert steps[0]["env"]["PATCHLINT_ACTION_PATH"] == "${{ github.action_path }}"


# --- the job summary, unit level -------------------------------------------------------------------


def _finding(
    code="PAT101", severity=Severity.ERROR, workflow="Order", old=("a", "b"), new=("a", "x", "b"), message="m"
):
    return Finding(
        code=code,
        severity=severity,
        path="app/w.py",
        line=3,
        column=0,
        end_line=3,
        end_column=5,
        workflow=workflow,
        engine="temporal",
        message=message,
        old_steps=old,
        new_steps=new,
    )


def test_diverging_index():
    assert diverging_index(("a", "b"), ("a", "x", "b")) == 1
    assert diverging_index(("a", "b"), ("a", "b", "c")) == 2
    assert diverging_index(("a", "b", "c"), ("a", "c", "b")) == 1
    assert diverging_index((), ("a",)) == 0


def test_summary_tables_every_finding_and_draws_only_broken_workflows():
    report = Report(
        findings=[
            _finding(message="first | line\nsecond line"),
            _finding(code="PAT110", severity=Severity.WARNING, workflow="Shipping", old=("a",), new=("a", "b")),
        ],
        files=1,
        workflows=2,
    )
    text = render_summary(report)
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "`PAT" in ln]
    assert len(rows) == 2 and "first \\| line" in rows[0] and "second line" not in text
    assert text.count("```mermaid") == 1 and "### `Order`" in text and "### `Shipping`" not in text
    assert 'old1["2. b"]' in text and 'new1["2. x"]' in text
    assert "class old1 diverge" in text and "class new1 diverge" in text and "classDef diverge" in text


def test_summary_draws_from_report_pairs_when_a_finding_has_no_sequences():
    def wf(*names):
        return Workflow(
            "temporal", "Order", "app/w.py", Span(1, 0, 1, 5), Seq(tuple(Step("activity", n) for n in names))
        )

    report = Report(findings=[_finding(old=(), new=())], pairs=[(wf("charge", "ship"), wf("charge", "ship", "refund"))])
    text = render_summary(report)
    assert 'new2["3. activity refund"]' in text and "class new2 diverge" in text and "class old2" not in text


def test_summary_escapes_mermaid_labels():
    text = render_summary(Report(findings=[_finding(old=('say "hi"',), new=("#x",))]))
    assert 'old0["1. say #quot;hi#quot;"]' in text and 'new0["1. #35;x"]' in text


def test_summary_without_findings():
    assert "No findings" in render_summary(Report(files=2, workflows=3))


# --- shallow clones and the lifecycle --------------------------------------------------------------


def dated_commit(repo: Path, files: dict[str, str], message: str, days_ago: int) -> str:
    from datetime import datetime, timedelta, timezone

    stamp = (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_CONFIG_GLOBAL": os.devnull}
    for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return git(repo, "rev-parse", "HEAD")


def bare_origin_deprecating_a_young_patch(tmp: Path) -> tuple[Path, dict[str, str]]:
    """main: R0, R (a year ago) → P (20 days ago: ``patched``) → A2 (5 days ago, unrelated); the pull
    request deprecates the patch; max-workflow-lifetime 30d, so the deprecation is premature (PAT202)
    and only the history back to P shows it. Served from a bare repository."""
    from patchlint.lifecycle import samples

    work = tmp / "dev"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    config = {"pyproject.toml": '[tool.patchlint]\nmax-workflow-lifetime = "30d"\n'}
    shas = {"R0": dated_commit(work, {**config, "app/workflow.py": samples.TEMPORAL_INITIAL}, "root", 400)}
    shas["R"] = dated_commit(work, {"docs.txt": "old\n"}, "a year ago", 365)
    shas["P"] = dated_commit(work, {"app/workflow.py": samples.TEMPORAL_PATCHED}, "patch it", 20)
    shas["A2"] = dated_commit(work, {"docs.txt": "unrelated\n"}, "unrelated", 5)
    git(work, "checkout", "-q", "-b", "feature")
    shas["B"] = dated_commit(work, {"app/workflow.py": samples.TEMPORAL_DEPRECATED}, "deprecate", 1)
    git(work, "checkout", "-q", "--detach", "main")
    git(work, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "feature")
    shas["M"] = git(work, "rev-parse", "HEAD")
    git(work, "update-ref", "refs/heads/pr-merge", shas["M"])
    origin = tmp / "origin.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(origin))
    return origin, shas


def has(repo: Path, sha: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo, check=False).returncode == 0


def test_shallow_pull_request_fetches_the_lifecycle_window_and_no_more(tmp_path: Path):
    origin, shas = bare_origin_deprecating_a_young_patch(tmp_path)
    full = clone(origin, tmp_path / "full", "pr-merge", shallow=False)
    expected = [(f["code"], f["severity"]) for f in json_findings(full, shas["A2"])]
    assert expected == [("PAT202", "warning")]  # the patch is 20 days old, the lifetime 30 days

    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    proc, _, outputs = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [(kind, props["title"]) for kind, props, _ in annotations(proc.stdout)] == [("warning", "PAT202")]
    assert outputs["warnings"] == "1"
    assert has(work, shas["P"]) and has(work, shas["A2"])  # the window: back to the patch…
    assert has(work, shas["R"])  # …and one commit past it, which proves the rest is older…
    assert not has(work, shas["R0"]) and git(work, "rev-parse", "--is-shallow-repository") == "true"  # …bounded
    assert "fetched the history since" in proc.stderr and "fetch --unshallow" not in proc.stderr


def test_shallow_pull_request_without_a_lifetime_says_the_lifecycle_is_unknown(tmp_path: Path):
    origin, shas = bare_origin_deprecating_a_young_patch(tmp_path)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    (work / "pyproject.toml").write_text("[tool.patchlint]\n")  # no max-workflow-lifetime: no window to fetch
    proc, _, _ = run_action(work, tmp_path, "pull_request", pull_request_event(tmp_path, shas))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert annotations(proc.stdout) == []  # no date: PAT202 cannot judge, and does not guess
    assert not has(work, shas["P"])
    assert sum("fetch --unshallow" in line for line in proc.stderr.splitlines()) == 1
