"""Which findings are shown: rule selection the way ruff does it, ``# noqa`` the way flake8 does it.

Selection. The rule set starts as every rule; each layer (``[tool.patchlint]``, then the command
line) changes it. Within a layer the most specific matching code wins (``ALL`` < ``PAT`` < ``PAT1``
< ``PAT101``), an ``ignore`` beating a ``select`` of equal specificity; a layer with ``select``
replaces the set, one without only adds its ``extend-select`` and removes its ``ignore``.
``per-file-ignores`` then removes codes for the files whose path (or file name) matches a glob;
a glob starting with ``!`` applies to the files that do not match it.

Suppression. A finding is dropped when its line in the new revision carries a ``# noqa`` comment
that names its code or a prefix of it, or names no code (flake8's ``NOQA_INLINE_REGEXP``, read
over the whole statement when a string or a backslash continues it over several lines).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from patchlint.errors import InputError
from patchlint.findings import Finding

ALL = "ALL"
_CODE = re.compile(r"PAT[0-9]*", re.ASCII)


def known_codes() -> tuple[str, ...]:
    from patchlint.rules import all_rules

    return tuple(rule.code for rule in all_rules())


def check_code(code: object, where: str) -> str:
    """``code`` upper-cased if it is ``ALL``, a rule code or a prefix of one; else ``InputError``."""
    if not isinstance(code, str):
        raise InputError(f"{where}: expected a rule code, not {code!r}")
    normal = code.strip().upper()
    if normal == ALL or (_CODE.fullmatch(normal) and any(c.startswith(normal) for c in known_codes())):
        return normal
    raise InputError(f"{where}: unknown rule code {code!r} (`patchlint rules` lists them)")


def check_codes(codes: Iterable[object], where: str) -> tuple[str, ...]:
    return tuple(check_code(code, where) for code in codes)


def matches(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


@dataclass(frozen=True)
class Layer:
    """One source of selection: ``select=None`` keeps the set the previous layers left."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def verdict(self, code: str) -> bool | None:
        """True/False if this layer selects/ignores ``code``; None if it says nothing about it."""
        votes = [(specificity(s), False, True) for s in (*(self.select or ()), *self.extend_select) if matches(s, code)]
        votes += [(specificity(s), True, False) for s in self.ignore if matches(s, code)]
        if not votes:
            return False if self.select is not None else None
        return max(votes)[2]  # most specific; at equal specificity an ignore


def selected(layers: Iterable[Layer], code: str) -> bool:
    enabled = True  # the default set: every rule
    for layer in layers:
        verdict = layer.verdict(code)
        if verdict is not None:
            enabled = verdict
    return enabled


# --- noqa comments ------------------------------------------------------------------------------------


def _noqa_regex():
    # flake8 is a dependency: one noqa syntax for the plugin and the command line
    from flake8.defaults import NOQA_INLINE_REGEXP

    return NOQA_INLINE_REGEXP


def noqa_lines(text: str) -> dict[int, str]:
    """Line number → the text searched for ``# noqa`` (flake8's mapping: a statement continued by
    a multi-line string or a backslash is searched whole; any other line is searched alone)."""
    lines = io.StringIO(text).readlines()
    mapping: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        tokens = []
    low, high = len(lines) + 2, -1
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, start), max(high, end)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[low - 1 : high])
            mapping.update(dict.fromkeys(range(low, high + 1), joined))
            low, high = len(lines) + 2, -1
    for number, line in enumerate(lines, 1):
        mapping.setdefault(number, line)
    return mapping


def noqa_suppresses(comment_line: str, code: str) -> bool:
    """flake8's test: a bare ``# noqa`` silences every code, ``# noqa: A1, B`` the codes it names
    and the codes they are prefixes of (codes as written: ``# noqa: pat101`` names no PAT code)."""
    match = _noqa_regex().search(comment_line)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    named = tuple(c for c in re.split(r"[,\s]", codes) if c)
    return code in named or code.startswith(named)


def drop_noqa(findings: list[Finding], text_of: Callable[[str], str | None]) -> list[Finding]:
    """The findings whose line in the new revision (``text_of(path)``) has no ``# noqa`` for them."""
    mappings: dict[str, dict[int, str]] = {}
    kept = []
    for finding in findings:
        if finding.path not in mappings:
            text = text_of(finding.path)
            has_noqa = text is not None and "noqa" in text.lower()
            mappings[finding.path] = noqa_lines(text) if has_noqa else {}
        line = mappings[finding.path].get(finding.line)
        if line is None or not noqa_suppresses(line, finding.code):
            kept.append(finding)
    return kept
