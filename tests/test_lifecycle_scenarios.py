"""The lifecycle scenarios of ``testdata/lifecycle/``: real dated git histories, checked pair by pair.

Includes the four-stage story of the seeds (initial → patched → deprecated → complete) for both
engines, each stage checked against the previous one, and the direct initial → complete jump.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib
from pathlib import Path

import pytest

from patchlint.api import analyze_revisions
from patchlint.config import from_table
from patchlint.lifecycle import samples
from patchlint.rules.context import RepoRef
from patchlint.testing import DatedRepo

HERE = Path(__file__).parent.parent / "testdata" / "lifecycle"
SCENARIOS = sorted(HERE.glob("*.toml"))


def source(engine: str, name: str) -> str:
    prefix = engine.upper()
    if name == "typo":
        return getattr(samples, f"{prefix}_DEPRECATED").replace('patch("my-patch")', 'patch("my-pacth")')
    return getattr(samples, f"{prefix}_{name.upper()}")


def build(tmp: Path, scenario: dict) -> list[tuple[str, str, str]]:
    """Commit every ``[[commit]]`` at its date; returns (commit id, path, text) per commit."""
    repo = DatedRepo.init(tmp)
    current, built = "workflow.py", []
    for i, spec in enumerate(scenario["commit"]):
        path = spec.get("path", current)
        if path != current:
            repo.move(current, path)
            current = path
        text = source(scenario["engine"], spec["source"])
        built.append((repo.commit({path: text}, spec["date"], f"commit {i}"), path, text))
    return built


CASES = [
    pytest.param(path, i, id=f"{path.stem}-{check['base']}to{check['head']}")
    for path in SCENARIOS
    for i, check in enumerate(tomllib.loads(path.read_text())["check"])
]


@pytest.mark.parametrize("path, index", CASES)
def test_scenario(path, index, tmp_path):
    scenario = tomllib.loads(path.read_text())
    check = scenario["check"][index]
    built = build(tmp_path, scenario)
    (base, old_path, old_text), (head, new_path, new_text) = built[check["base"]], built[check["head"]]
    report = analyze_revisions(
        {old_path: old_text},
        {new_path: new_text},
        config=from_table(scenario.get("config", {})),
        repo=RepoRef(tmp_path, base, head),
    )
    got = sorted(f"{f.code} {f.line} {f.severity.value}" for f in report.findings)
    assert got == sorted(check["expect"]), (check["why"], [f.message for f in report.findings])


def test_every_scenario_has_checks():
    assert len(SCENARIOS) >= 10
    for path in SCENARIOS:
        assert tomllib.loads(path.read_text())["check"], path
