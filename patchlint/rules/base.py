"""What a rule is: one small unit with a code, a summary, a doc and examples that run as tests.

The diff (``patchlint.diff``) aligns old and new step programs and yields ``Change`` records; each
rule turns the changes of its kind into findings with its own message. Rules that need more than
the two revisions (the lifecycle rules read git history) get it from ``RuleContext``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from patchlint.findings import Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from patchlint.rules.context import RuleContext


DEFAULT_DATES = ("2024-01-01", "2024-01-02")


@dataclass(frozen=True)
class Example:
    """A pair of revisions of one workflow file and the findings expected on the new one.

    ``expect`` lists ``(code, line)`` pairs, lines in ``new``. ``old=None`` means the file is new.
    ``options`` give a lifecycle example its past (``patchlint.testing.run_example`` builds it):
    ``{"config": {<[tool.patchlint] keys>}, "history": [(date, source), ...], "dates": (old, new)}``.
    """

    new: str
    old: str | None = None
    expect: tuple[tuple[str, int], ...] = ()
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "new", textwrap.dedent(self.new).lstrip("\n"))
        if self.old is not None:
            object.__setattr__(self, "old", textwrap.dedent(self.old).lstrip("\n"))

    @property
    def dates(self) -> tuple[str, str]:
        """The days the old and the new revision are committed on."""
        old, new = self.options.get("dates", DEFAULT_DATES)
        return old, new


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
            if ex.options:
                parts += ["", _dated(ex)]
            if ex.old is not None and ex.old == ex.new == shown_old and not ex.expect:
                parts += ["", "Old and new revision: the same code as above."]
            elif ex.old is not None and ex.old == ex.new:
                parts += ["", "Old and new revision (the same code):", "```python", _marked(ex).rstrip(), "```"]
            else:
                if ex.old is not None and ex.old == shown_old:
                    parts += ["", "Old revision: as in the example above."]
                elif ex.old is not None:
                    parts += ["", "Old revision:", "```python", ex.old.rstrip(), "```"]
                parts += ["", "New revision:" if ex.old is not None else "", "```python", _marked(ex).rstrip(), "```"]
            shown_old = ex.old
            if ex.expect:
                parts += ["", "Reported: " + ", ".join(f"{c} at line {ln}" for c, ln in ex.expect)]
        return "\n".join(p for p in parts if p is not None).strip() + "\n"


def _dated(example: Example) -> str:
    """One line saying where in a dated git history the example's revisions sit."""
    old, new = example.dates
    earlier = [date for date, _ in example.options.get("history", ())]
    text = "Dated git history: "
    if earlier:
        text += ("an earlier revision" if len(earlier) == 1 else "earlier revisions") + f" on {', '.join(earlier)}, "
    text += f"the old revision on {old}, the new one on {new}" if example.old is not None else f"the file on {new}"
    config = example.options.get("config", {})
    if config:
        text += "; `[tool.patchlint]` " + ", ".join(f"`{key} = {json.dumps(value)}`" for key, value in config.items())
    return text + "."


def _marked(example: Example) -> str:
    """``example.new`` with ``  # CODE`` after each line a finding is expected at."""
    lines = example.new.splitlines()
    for number in sorted({ln for _, ln in example.expect}):
        codes = ", ".join(c for c, ln in sorted(example.expect) if ln == number)
        lines[number - 1] += f"  # {codes}"
    return "\n".join(lines) + "\n"
