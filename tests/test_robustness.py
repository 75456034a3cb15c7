"""patchlint must not crash on real-world code: every file of the installed engine packages, and
generated Python programs, compared with themselves give no finding and no error."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import hypothesmith
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from patchlint.api import analyze_texts
from patchlint.integrations.cli import main


def package_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    root = Path(spec.origin).parent
    return sorted(root.rglob("*.py"))


FILES = [f for pkg in ("temporalio", "dbos") for f in package_files(pkg)]


def test_there_are_files_to_check():
    assert len(FILES) > 100


@pytest.mark.slow  # every module of the engine packages
@pytest.mark.parametrize("chunk", range(8))
def test_diff_same_file_on_engine_packages(chunk):
    runner = CliRunner()
    for path in FILES[chunk::8]:
        result = runner.invoke(main, ["diff", "--format", "json", str(path), str(path)])
        assert result.exit_code == 0, (path, result.output, result.exception)
        assert json.loads(result.output)["findings"] == [], path


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar())
def test_generated_programs_do_not_crash(source):
    text = "import temporalio\nimport dbos\n" + source
    report = analyze_texts(text, text)
    assert report.findings == []


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_node())
def test_generated_syntax_trees_do_not_crash(source):
    text = "from temporalio import workflow\nfrom dbos import DBOS\n" + source
    report = analyze_texts(text, text)
    assert report.findings == []
