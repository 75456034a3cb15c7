"""docs/rules/ is generated from the rules themselves and must not drift from them."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from patchlint.integrations.cli import main
from patchlint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_committed_docs_match_the_rules():
    sys.path.insert(0, str(ROOT / "scripts"))
    from gen_rule_docs import rendered

    for path, text in rendered().items():
        assert path.is_file(), f"{path} missing: run python scripts/gen_rule_docs.py"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python scripts/gen_rule_docs.py"


def test_rules_command_prints_each_doc():
    runner = CliRunner()
    table = runner.invoke(main, ["rules"]).output
    for rule in all_rules():
        assert rule.code in table
        doc = runner.invoke(main, ["rules", rule.code.lower()]).output
        assert doc == rule.doc()


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.startswith("patchlint, version ")
    help_text = runner.invoke(main, ["--help"]).output
    for command in ("check", "diff", "rules", "replay", "patches"):
        assert command in help_text
    assert "Exit codes" in help_text
