"""``[tool.patchlint]``: every key's wrong type or value, unknown rule codes wherever codes go, and
durations with absurd magnitudes are one line naming the key (exit 2 at the CLI), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from patchlint.config import MAX_DURATION_DAYS, Config, from_table, load
from patchlint.errors import InputError
from patchlint.lifecycle.stages import ready_at

BAD_TABLES = [
    # (table, words the one line must hold)
    ({"engines": "temporal"}, ["engines must be a list of strings"]),
    ({"engines": [1]}, ["engines must be a list of strings"]),
    ({"engines": ["cadence"]}, ["unknown engine 'cadence'"]),
    ({"step-decorators": "myapp.step"}, ["step-decorators must be a list of strings"]),
    ({"exclude": 1}, ["exclude must be a list of strings"]),
    ({"select": "PAT1"}, ["select must be a list of strings"]),
    ({"select": ["PAT999"]}, ["select: unknown rule code 'PAT999'"]),
    ({"select": ["PA"]}, ["select: unknown rule code 'PA'"]),
    ({"extend-select": [1]}, ["extend-select must be a list of strings"]),
    ({"extend-select": ["PAT3"]}, ["extend-select: unknown rule code 'PAT3'"]),
    ({"ignore": {"PAT101": True}}, ["ignore must be a list of strings"]),
    ({"ignore": ["E501"]}, ["ignore: unknown rule code 'E501'"]),
    ({"disable": True}, ["disable must be a list of strings"]),
    ({"disable": ["PAT1", "PAT9"]}, ["disable: unknown rule code 'PAT9'"]),
    ({"per-file-ignores": ["tests/*"]}, ["per-file-ignores must be a table"]),
    ({"per-file-ignores": {"tests/*": "PAT1"}}, ["per-file-ignores.'tests/*' must be a list of strings"]),
    ({"per-file-ignores": {"tests/*": ["PAT1000"]}}, ["per-file-ignores.'tests/*'", "unknown rule code 'PAT1000'"]),
    ({"severity": "error"}, ["severity must be a table"]),
    ({"severity": {"PAT101": 1}}, ["severity.PAT101 = 1", "expected error, warning or info"]),
    ({"severity": {"PAT101": "fatal"}}, ["expected error, warning or info"]),
    ({"severity": {"PAT999": "error"}}, ["severity: unknown rule code 'PAT999'"]),
    ({"max-workflow-lifetime": 30}, ["max-workflow-lifetime = 30", "expected a string"]),
    ({"max-workflow-lifetime": "soon"}, ["max-workflow-lifetime = 'soon'", "expected a duration"]),
    ({"max-workflow-lifetime": "999999999d"}, ["max-workflow-lifetime = '999999999d'", "longer than 100 years"]),
    ({"max-workflow-lifetime": "9" * 5000 + "d"}, ["longer than 100 years"]),
    ({"retention": True}, ["retention = True", "expected a string"]),
    ({"retention": "5219w"}, ["retention = '5219w'", "longer than 100 years"]),
    ({"retention": "-1d"}, ["expected a duration"]),
    ({"colour": True}, ["unknown key 'colour'"]),
    ({"deployment": "pinned"}, ["deployment must be a table of engine = model"]),
    ({"deployment": {"temporal": "pin"}}, ["deployment.temporal = 'pin'", "expected one of replace,"]),
    ({"deployment": {"dbos": "pinned"}}, ["deployment.dbos = 'pinned'", "pinned-version"]),
    ({"deployment": {"cadence": "replace"}}, ["deployment.cadence", "unknown engine 'cadence'"]),
    ({"per-path-deployment": ["a/*"]}, ["per-path-deployment must be a table"]),
    ({"per-path-deployment": {"a/*": "pinned"}}, ["per-path-deployment.'a/*' must be a table of engine = model"]),
    ({"per-workflow-deployment": {"Order": 1}}, ["per-workflow-deployment.Order = 1", "expected one of"]),
    ({"per-workflow-deployment": "Order"}, ["per-workflow-deployment must be a table"]),
]


@pytest.mark.parametrize("table, words", BAD_TABLES, ids=[repr(t)[:60] for t, _ in BAD_TABLES])
def test_bad_value_is_one_line_naming_it(table, words):
    with pytest.raises(InputError) as caught:
        from_table(table, "repo/pyproject.toml")
    line = str(caught.value)
    assert "\n" not in line and line.startswith("repo/pyproject.toml: ")
    for word in words:
        assert word in line, line


def test_good_values():
    config = from_table(
        {
            "select": ["pat1", "ALL"],
            "extend-select": ["PAT2"],
            "ignore": ["PAT111"],
            "disable": ["PAT110"],
            "per-file-ignores": {"tests/*": ["PAT"]},
            "severity": {"PAT1": "warning", "pat101": "info"},
            "max-workflow-lifetime": f"{MAX_DURATION_DAYS}d",
            "retention": "12h",
        }
    )
    assert config.max_workflow_lifetime_days == MAX_DURATION_DAYS and config.retention_days == 0.5
    assert config.rule_enabled("PAT101") and config.rule_enabled("PAT201")
    assert not config.rule_enabled("PAT111") and not config.rule_enabled("PAT110")  # disable: an alias of ignore
    assert config.rule_enabled_for("PAT101", "app/wf.py") and not config.rule_enabled_for("PAT101", "tests/wf.py")
    assert set(config.severity) == {"PAT1", "PAT101"}


def test_longest_lifetime_still_gives_a_date():
    """The bound is one the lifecycle's date arithmetic can take (999999999d overflowed it)."""
    config = from_table({"max-workflow-lifetime": f"{MAX_DURATION_DAYS}d", "retention": f"{MAX_DURATION_DAYS}d"})
    since = SimpleNamespace(when=datetime(2026, 1, 1, tzinfo=timezone.utc))
    era = SimpleNamespace(patched_since=since, deprecated_since=since)
    assert ready_at("patched", era, config, "temporal").year == 2126
    assert ready_at("deprecated", era, config, "temporal").year == 2226


@pytest.mark.parametrize(
    "toml, words",
    [
        ('tool = "x"\n', ["[tool] must be a table"]),
        ('[tool]\npatchlint = "x"\n', ["[tool.patchlint] must be a table"]),
        ("[tool]\npatchlint = 1\n", ["[tool.patchlint] must be a table"]),
        ("[tool.patchlint\n", ["invalid TOML"]),
        ('[tool.patchlint]\nmax-workflow-lifetime = "999999999d"\n', ["longer than 100 years"]),
    ],
)
def test_bad_pyproject_is_one_line(tmp_path: Path, toml, words):
    (tmp_path / "pyproject.toml").write_text(toml)
    with pytest.raises(InputError) as caught:
        load(tmp_path)
    assert "\n" not in str(caught.value) and str(tmp_path / "pyproject.toml") in str(caught.value)
    for word in words:
        assert word in str(caught.value)


def test_other_tools_and_no_pyproject_are_fine(tmp_path: Path):
    assert load(tmp_path) == Config()
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\nselect = ["E"]\n')
    assert load(tmp_path) == Config(source=str(tmp_path / "pyproject.toml"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "toml, needle",
    [
        ('tool = "x"\n', "[tool] must be a table"),
        ('[tool]\npatchlint = "x"\n', "[tool.patchlint] must be a table"),
        ('[tool.patchlint]\nmax-workflow-lifetime = "999999999d"\n', "longer than 100 years"),
        ('[tool.patchlint]\nselect = ["PAT999"]\n', "unknown rule code 'PAT999'"),
        ('[tool.patchlint.per-file-ignores]\n"tests/*" = ["PAT1000"]\n', "unknown rule code 'PAT1000'"),
        ('[tool.patchlint.severity]\nPAT999 = "error"\n', "unknown rule code 'PAT999'"),
    ],
)
def test_bad_config_at_the_cli_is_exit_2(tmp_path: Path, toml, needle):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "pyproject.toml").write_text(toml)
    (repo / "a.py").write_text("x = 1\n")
    for args in (("check",), ("diff", "a.py", "a.py")):
        proc = subprocess.run(
            [sys.executable, "-m", "patchlint", *args], cwd=repo, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("patchlint: error: ") and needle in lines[0], proc.stderr


def test_readme_configuration_example_is_valid(tmp_path: Path):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Configuration", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    config = load(tmp_path)
    assert config.per_file_ignores == (("tests/*", ("PAT1",)),) and config.max_workflow_lifetime_days == 30
    assert not config.rule_enabled("PAT111") and config.rule_enabled_for("PAT201", "tests/x.py")
