"""What a rule is: one small unit with a code, a summary, a doc and examples that run as tests.

The diff (``patchlint.diff``) aligns old and new step programs and yields ``Change`` records; each
rule turns the changes of its kind into findings with its own message. Rules that need more than
the two revisions (the lifecycle rules read git history) get it from ``RuleContext``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from patchlint.findings import Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from patchlint.rules.context import RuleContext


@dataclass(frozen=True)
class Example:
    """A pair of revisions of one workflow file and the findings expected on the new one.

    ``expect`` lists ``(code, line)`` pairs, lines in ``new``. ``old=None`` means the file is new.
    """

    new: str
    old: str | None = None
    expect: tuple[tuple[str, int], ...] = ()
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "new", textwrap.dedent(self.new).lstrip("\n"))
        if self.old is not None:
            object.__setattr__(self, "old", textwrap.dedent(self.old).lstrip("\n"))


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, stable
    summary: ClassVar[str]  # one line
    severity: ClassVar[Severity]  # default severity (a rule may lower it per finding)
    needs_base: ClassVar[bool] = True  # False: runs on a single revision (flake8 on bare stdin)
    INVALID: ClassVar[tuple[Example, ...]] = ()
    VALID: ClassVar[tuple[Example, ...]] = ()

    def check(self, ctx: RuleContext) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        """The rule's doc: its docstring (What it does / Why is this bad? / Known problems) and its first
        INVALID and VALID examples, whole modules, each reported line marked with a ``# CODE`` comment."""
        parts = [f"# {cls.code} {cls.name}", "", cls.summary, "", textwrap.dedent(cls.__doc__ or "").strip()]
        shown_old = None
        for title, examples in (("Example", cls.INVALID), ("Use instead", cls.VALID)):
            if not examples:
                continue
            ex = examples[0]
            parts += ["", f"## {title}"]
            if ex.old is not None and ex.old == shown_old:
                parts += ["", "Old revision: as in the example above."]
            elif ex.old is not None:
                parts += ["", "Old revision:", "```python", ex.old.rstrip(), "```"]
            shown_old = ex.old
            parts += ["", "New revision:" if ex.old is not None else "", "```python", _marked(ex).rstrip(), "```"]
            if ex.expect:
                parts += ["", "Reported: " + ", ".join(f"{c} at line {ln}" for c, ln in ex.expect)]
        return "\n".join(p for p in parts if p is not None).strip() + "\n"


def _marked(example: Example) -> str:
    """``example.new`` with ``  # CODE`` after each line a finding is expected at."""
    lines = example.new.splitlines()
    for number in sorted({ln for _, ln in example.expect}):
        codes = ", ".join(c for c, ln in sorted(example.expect) if ln == number)
        lines[number - 1] += f"  # {codes}"
    return "\n".join(lines) + "\n"
