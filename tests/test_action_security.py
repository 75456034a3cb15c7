"""The GitHub Action under attack: a pull request controls the checkout, branch names and event fields.

- **No repository code runs.** The Action's step runs with the checkout as its working directory, and
  ``python -m`` alone puts that directory first on ``sys.path``: a pull request adding
  ``patchlint/__init__.py``, a root ``patchlint.py`` or a ``click.py``/``json.py`` would run under the
  job's token and could print a fake pass. The Action runs isolated (``python -I``); these tests build
  such a repository, run the step exactly as ``action.yml`` does, and check that nothing of it ran and
  the real findings came out, and that the same repository does run its code under plain ``-m``.
- **No option injection into git.** A ``base`` (input or event field) such as
  ``--upload-pack=touch FILE`` made ``git fetch`` run a command; it is refused with one ``::error``
  line and exit 2, and git never runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from test_action import ROOT, annotations, clone, origin_with_pull_request, pull_request_event, push_event, run_action
from test_flake8_plugin import INSERTED_LINE, NEW

from patchlint.integrations.action import revisions as action_base

HOSTILE_CODE = """\
import pathlib
import sys

with open({marker!r}, "a") as fh:
    fh.write("ran " + __file__ + "\\n")
print("::notice::PASS: patchlint found nothing")
sys.exit(0)
"""

LAYOUTS = {
    # the package itself, and what it imports: a dependency and a standard-library module
    "package": ["patchlint/__init__.py", "patchlint/__main__.py", "click.py", "libcst/__init__.py", "json.py"],
    "root-module": ["patchlint.py"],
}


def hostile_files(marker: Path, names: list[str]) -> dict[str, str]:
    return {name: HOSTILE_CODE.format(marker=str(marker)) for name in names}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_pull_request_that_ships_its_own_patchlint_runs_none_of_it(tmp_path: Path, layout: str):
    marker = tmp_path / "hostile-code-ran"
    origin, shas = origin_with_pull_request(tmp_path, NEW, extra=hostile_files(marker, LAYOUTS[layout]))
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    event = pull_request_event(tmp_path, shas)
    # PYTHONPATH pointing at the workspace must not help either.
    env = {"PYTHONPATH": str(work)}

    proc, summary, outputs = run_action(work, tmp_path, "pull_request", event, env_extra=env)
    assert not marker.exists(), marker.read_text()
    assert "PASS" not in proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = annotations(proc.stdout)
    assert [(kind, props["title"], props["file"], props["line"]) for kind, props, _ in found] == [
        ("error", "PAT101", "app/workflow.py", str(INSERTED_LINE))
    ]
    assert outputs["errors"] == "1" and "PAT101" in summary.read_text()

    # Control: the same checkout does run its own code under a plain `python -m` (what action.yml ran).
    proc, _, _ = run_action(
        work,
        tmp_path,
        "pull_request",
        event,
        env_extra=env,
        command=[sys.executable, "-m", "patchlint.integrations.action.run"],
    )
    assert marker.exists() and "PASS" in proc.stdout


def test_action_yml_runs_python_isolated_in_every_step():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    python_lines = [line for step in steps for line in step["run"].splitlines() if " -m " in line]
    assert len(python_lines) == 3  # venv, pip, the Action's module
    assert all(" -I -m " in line for line in python_lines), python_lines


def _wheel(tmp: Path) -> Path:
    """A tiny pure-Python wheel standing in for the Action's package: pip installs it offline."""
    path = tmp / "probe_pkg-0.1-py3-none-any.whl"
    files = {
        "probe_pkg.py": "VALUE = 42\n",
        "probe_pkg-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: probe-pkg\nVersion: 0.1\n",
        "probe_pkg-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr(
            "probe_pkg-0.1.dist-info/RECORD", "".join(f"{n},,\n" for n in [*files, "probe_pkg-0.1.dist-info/RECORD"])
        )
    return path


@pytest.mark.slow
def test_install_step_runs_no_repository_code(tmp_path: Path):
    """The install step's ``python -m venv`` and ``python -m pip`` would import a ``venv/`` or ``pip/``
    of the checkout (its working directory, or PYTHONPATH)."""
    marker = tmp_path / "hostile-code-ran"
    work = tmp_path / "work"
    for name in (
        "venv/__init__.py",
        "venv/__main__.py",
        "pip/__init__.py",
        "pip/__main__.py",
        "ensurepip/__init__.py",
        "ensurepip/__main__.py",
    ):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(HOSTILE_CODE.format(marker=str(marker)))
    runner_temp, output = tmp_path / "runner", tmp_path / "github_output"
    runner_temp.mkdir()
    output.write_text("")
    step = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"][0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PATCHLINT_", "PIP_", "VIRTUAL_ENV"))}
    env.update(
        {
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(output),
            "PATCHLINT_PYTHON": sys.executable,
            "PATCHLINT_ACTION_PATH": str(_wheel(tmp_path)),
            "PYTHONPATH": str(work),
            "PIP_NO_INDEX": "1",
        }
    )
    proc = subprocess.run(["bash", "-c", step["run"]], cwd=work, capture_output=True, text=True, env=env)
    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    python = dict(line.split("=", 1) for line in output.read_text().splitlines())["python"]
    probe = subprocess.run(
        [python, "-I", "-c", "import probe_pkg; print(probe_pkg.VALUE)"], capture_output=True, text=True
    )
    assert probe.stdout.strip() == "42", probe.stderr

    # Control: in that directory a plain `python -m venv` runs the checkout's code.
    subprocess.run([sys.executable, "-m", "venv", "--help"], cwd=work, capture_output=True, env=env)
    assert marker.exists()


# --- git option injection --------------------------------------------------------------------------


def _injected(marker: Path) -> str:
    return f"--upload-pack=touch {marker}"


def _assert_refused(proc, marker: Path) -> None:
    assert not marker.exists(), "git ran the injected upload-pack command"
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = proc.stdout.splitlines()
    assert line.startswith("::error title=patchlint::") and "starts with '-'" in line
    assert not marker.exists()


def test_base_input_that_looks_like_an_option_is_refused(tmp_path: Path):
    marker = tmp_path / "pwned"
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)  # a missing base is fetched
    proc, summary, outputs = run_action(
        work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), base=_injected(marker)
    )
    _assert_refused(proc, marker)
    assert summary.read_text() == "" and outputs == {}


def test_push_event_before_that_looks_like_an_option_is_refused(tmp_path: Path):
    marker = tmp_path / "pwned"
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "feature", shallow=True)
    proc, _, _ = run_action(work, tmp_path, "push", push_event(tmp_path, _injected(marker), shas["B"]))
    _assert_refused(proc, marker)


def test_merge_group_base_that_looks_like_an_option_is_refused(tmp_path: Path):
    marker = tmp_path / "pwned"
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    event = tmp_path / "merge_group.json"
    event.write_text(json.dumps({"merge_group": {"base_sha": _injected(marker), "head_sha": shas["M"]}}))
    proc, _, _ = run_action(work, tmp_path, "merge_group", event)
    _assert_refused(proc, marker)


def test_ensure_commit_refuses_options_and_control_characters(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    for rev in (f"--upload-pack=touch {tmp_path / 'pwned'}", "-", "main\n--upload-pack=x", ""):
        with pytest.raises(action_base.ActionError):
            action_base.ensure_commit(work, rev)
    assert not (tmp_path / "pwned").exists()
    assert action_base.ensure_commit(work, "main") == shas["A2"]  # fetched by name, as before


def test_paths_input_that_looks_like_an_option_stays_a_path(tmp_path: Path):
    marker = tmp_path / "written"
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    proc, _, _ = run_action(
        work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), paths=f"--output={marker} app/workflow.py"
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no such file or directory" in proc.stdout and not marker.exists()


def test_sarif_file_input_cannot_add_step_outputs(tmp_path: Path):
    origin, shas = origin_with_pull_request(tmp_path, NEW)
    work = clone(origin, tmp_path / "work", "pr-merge", shallow=True)
    proc, _, outputs = run_action(
        work, tmp_path, "pull_request", pull_request_event(tmp_path, shas), sarif_file="x.sarif\nerrors=0"
    )
    assert proc.returncode == 2 and "sarif-file" in proc.stdout
    assert outputs == {}
