"""Find patch calls in a revision of a file by text, without parsing it.

History walks many old revisions of a file; a regular expression over the text (comments removed)
is enough to tell which patch ids a revision calls and how, and costs nothing next to a parse.
The current revision is read from the real model (``stages``); this is only for the past.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

PATCHED = "patched"
DEPRECATED = "deprecated"
ABSENT = "absent"

# workflow.patched("id") / patched("id") / DBOS.patch("id") / DBOS.patch_async("id") and the
# deprecate forms of both engines. ``mock.patch("x")`` must not count, hence the DBOS prefix.
_CALL = re.compile(
    r"""(?P<fn>(?<![\w.])(?:workflow\.)?patched|DBOS\.patch(?:_async)?|"""
    r"""(?<![\w.])(?:workflow\.|DBOS\.)?deprecate_patch(?:_async)?)"""
    r"""\s*\(\s*(?P<q>['"])(?P<id>[^'"\\\n]+)(?P=q)"""
)
# The -G filter handed to git: commits whose diff touches a line with a patch call.
GIT_FILTER = r"(patched|patch|patch_async|deprecate_patch|deprecate_patch_async)[[:space:]]*\("


@dataclass(frozen=True)
class PatchCalls:
    """How many ``patched``/``DBOS.patch`` and ``deprecate_patch`` calls each id has in one text."""

    patched: dict[str, int]
    deprecated: dict[str, int]

    def state(self, patch_id: str) -> str:
        if self.patched.get(patch_id):
            return PATCHED
        if self.deprecated.get(patch_id):
            return DEPRECATED
        return ABSENT

    def ids(self) -> set[str]:
        return set(self.patched) | set(self.deprecated)


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def scan(text: str) -> PatchCalls:
    patched: Counter[str] = Counter()
    deprecated: Counter[str] = Counter()
    for line in text.splitlines():
        for match in _CALL.finditer(_strip_comment(line)):
            target = deprecated if "deprecate" in match.group("fn") else patched
            target[match.group("id")] += 1
    return PatchCalls(dict(patched), dict(deprecated))


def definition_block(text: str, name: str) -> tuple[int, int, str] | None:
    """``(first line, last line, text)`` (1-based) of the top-level ``class``/``def`` called
    ``name``: its header and every line up to the next top-level statement (decorators of the next
    definition included). None when the text has no such definition (or has it twice)."""
    lines = text.splitlines()
    header = re.compile(rf"(?:async\s+)?(?:class|def)\s+{re.escape(name)}\b")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) != 1:
        return None
    start = end = starts[0]
    for j in range(start + 1, len(lines)):
        line = lines[j]
        if line.strip() and not line[0].isspace() and not line.startswith(("#", ")", "]", "}")):
            break
        end = j
    return start + 1, end + 1, "\n".join(lines[start : end + 1])
