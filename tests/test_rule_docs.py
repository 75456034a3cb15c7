"""docs/rules/ is generated from the rules themselves and must not drift from them."""

import ast
import re
import sys
from pathlib import Path

from click.testing import CliRunner

from patchlint.integrations.cli import main
from patchlint.rules import all_rules, rule_by_code

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


def _sections(doc: str) -> list[str]:
    return re.findall(r"^## (.+)$", doc, flags=re.MULTILINE)


def test_sections_come_in_ruffs_order():
    order = ["What it does", "Why is this bad?", "Known problems", "Example", "Use instead"]
    for rule in all_rules():
        sections = _sections(rule.doc())
        assert sections == [s for s in order if s in sections], (rule.code, sections)


# Rules with limits a user must know; the date-based lifecycle rules (README: "Shallow clones") say
# that a shallow clone leaves a stage undated and that dates are commit dates.
KNOWN_PROBLEMS = {
    "PAT106",
    "PAT110",
    "PAT111",
    "PAT112",
    "PAT113",
    "PAT114",
    "PAT202",
    "PAT203",
    "PAT204",
    "PAT205",
    "PAT209",
}
DATE_BASED = {"PAT202", "PAT203", "PAT204", "PAT205"}


def test_rules_with_limits_document_them():
    documented = {r.code for r in all_rules() if "Known problems" in _sections(r.doc())}
    assert documented == KNOWN_PROBLEMS
    for code in DATE_BASED:
        known = rule_by_code(code).doc().split("## Known problems", 1)[1].split("\n## ", 1)[0]
        known = " ".join(known.split())
        assert "shallow clone" in known and "commit dates" in known and "max-workflow-lifetime" in known, code


def test_examples_render_as_whole_modules_with_findings_marked():
    for rule in all_rules():
        doc = rule.doc()
        blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
        for block in blocks:
            ast.parse(block)  # complete code, not a fragment
        for examples in (rule.INVALID, rule.VALID):
            if examples:
                lines = examples[0].new.splitlines()
                for code, line in examples[0].expect:
                    lines[line - 1] += f"  # {code}"
                shown = "```python\n" + "\n".join(lines) + "\n```" in doc
                assert shown or (examples is rule.VALID and "Old and new revision: the same code as above." in doc)


def test_use_instead_does_not_repeat_the_old_revision():
    rule = rule_by_code("PAT101")
    doc = rule.doc()
    assert rule.VALID[0].old == rule.INVALID[0].old
    assert doc.count(rule.INVALID[0].old.rstrip()) == 1
    assert "Old revision: as in the example above." in doc.split("## Use instead", 1)[1]


def test_lifecycle_examples_show_their_dates_and_config():
    for rule in all_rules():
        for examples in (rule.INVALID, rule.VALID):
            if examples and examples[0].options:
                ex = examples[0]
                title = "## Example" if examples is rule.INVALID else "## Use instead"
                section = rule.doc().split(title, 1)[1].split("\n## ", 1)[0]
                dated = next(line for line in section.splitlines() if line.startswith("Dated git history: "))
                for date in (*ex.dates, *(d for d, _ in ex.options.get("history", ()))):
                    assert date in dated, (rule.code, date)
                for key in ex.options.get("config", {}):
                    assert f"`{key} = " in dated, (rule.code, key)
