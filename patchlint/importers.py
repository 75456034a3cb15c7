"""Which files may import a module: a superset read from their import statements, without libcst.

A changed helper runs inside every workflow that imports it, directly or through other modules, so
``check`` and the flake8 plugin follow the chain from a change to the workflows it reaches: ``git
grep -w`` finds the files that name a module's last component as a word, and this module keeps those
whose import statements can load it. The word alone is far too wide: ``workflows`` or ``worker`` is
in every Temporal module (``from temporalio import workflow``, ``workflows=[...]``), and on Temporal's
samples one changed ``workflows.py`` reached all 577 engine modules.

An import statement names the module ``a/b/c.py`` (last component ``c``, package directory ``b``) when

* its dotted name has ``c`` as a component that is its first (``import c``, ``from c.x import y``: a
  script's own directory or a ``sys.path`` root) or follows ``b`` (``import a.b.c``, ``from b.c
  import y``, any src layout);
* it is relative and has ``c`` as a component (``from .c import y``, ``from ..b.c import y``);
* it imports the name ``c`` from a package whose last component is ``b``, or from a relative one
  (``from a.b import c``, ``from . import c``).

``from temporalio import workflow`` therefore never names ``app/workflow.py``. The standard library's
parser reads the statements wherever they are (inside ``with``, ``try``, functions); a file it cannot
parse counts as importing everything.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_IMPORT_ROUNDS = 16  # import chains longer than this are not followed: they count as reaching everything

DEFINES_WORKFLOW = re.compile(r"^\s*@\s*[\w.]*(workflow\.defn|DBOS\.workflow)\b", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    """A module as import statements name it: its last component and its package directory's name."""

    word: str
    package: str | None  # None: a module at the repository's top level


def target(path: str) -> Target:
    """``a/b/c.py`` → (``c``, ``b``); ``a/b/__init__.py`` → (``b``, ``a``); ``c.py`` → (``c``, None)."""
    parts = PurePosixPath(path).with_suffix("").parts
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return Target(parts[-1] if parts else "", parts[-2] if len(parts) > 1 else None)


def _names(components: list[str], relative: bool, t: Target) -> bool:
    return any(
        part == t.word and (i == 0 or relative or components[i - 1] == t.package) for i, part in enumerate(components)
    )


def _statement_names(node: ast.AST, t: Target) -> bool:
    if isinstance(node, ast.Import):
        return any(_names(alias.name.split("."), False, t) for alias in node.names)
    components = node.module.split(".") if node.module else []
    relative = node.level > 0
    if _names(components, relative, t):
        return True
    from_package = relative or (components and components[-1] == t.package)
    return bool(from_package) and any(alias.name == t.word for alias in node.names)


def imports_any(text: str, targets: set[Target] | frozenset[Target]) -> bool:
    """Whether an import statement of ``text`` can load one of ``targets`` (see the module's text)."""
    try:
        tree = ast.parse(text)
    except Exception:  # noqa: BLE001 - SyntaxError, null bytes, nesting too deep: assume it does
        return True
    return any(
        _statement_names(node, t)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for t in targets
    )
