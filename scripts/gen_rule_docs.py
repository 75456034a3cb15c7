"""Write docs/rules/<CODE>.md from each rule's own doc and examples (the SARIF helpUri points here).

    python scripts/gen_rule_docs.py          # regenerate
tests/test_rule_docs.py fails when a committed doc differs from what the rule says.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from patchlint.rules import all_rules  # noqa: E402

DOCS = ROOT / "docs" / "rules"


def rendered() -> dict[Path, str]:
    out = {DOCS / f"{rule.code}.md": rule.doc() for rule in all_rules()}
    index = ["# patchlint rules", "", "| code | severity | name | summary |", "| --- | --- | --- | --- |"]
    index += [f"| [{r.code}]({r.code}.md) | {r.severity.value} | {r.name} | {r.summary} |" for r in all_rules()]
    out[DOCS / "README.md"] = "\n".join(index) + "\n"
    return out


if __name__ == "__main__":
    DOCS.mkdir(parents=True, exist_ok=True)
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
