"""Which files may import a module: read from their import statements, without libcst.

A changed helper runs inside every workflow that imports it, directly or through other modules, so
``check`` and the flake8 plugin follow the chain from a change to the workflows it reaches with one
loop, ``follow_importers``: ``git grep -w`` finds the files that name a module's last component as
a word, and ``imports_any`` keeps those with an import statement that loads the module as
patchlint's extractor resolves imports (``module_path_candidates``: from the repository's root, or
from a folder the importer sits in, as a script's own folder, ``src/`` or a monorepo's project;
relative imports from the importer's package). The word alone is far too wide: ``workflows`` or
``worker`` is in every Temporal module (``from temporalio import workflow``, ``workflows=[...]``),
and on Temporal's samples one changed ``workflows.py`` reached all 577 engine modules. The standard
library's parser reads the statements wherever they are (inside ``with``, ``try``, functions); a
file whose imports it cannot parse counts as importing everything.

Also the path arithmetic the extractor resolves imports with (``patchlint.extract.names``).
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Collection, Iterable

MAX_IMPORT_ROUNDS = 16  # import chains longer than this are not followed: they count as reaching everything


def module_name_for(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.replace("\\", "/").split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_word(path: str) -> str:
    """The last component of the module name ``path`` is imported by (``a/b/__init__.py`` → ``b``)."""
    return module_name_for(path).rpartition(".")[2]


def resolve_relative(module: str, path: str, level: int, name: str) -> str:
    """``from ..x import y`` inside ``a/b/c.py`` → ``a.x``."""
    parts = module.split(".") if module else []
    package = parts if path.endswith("__init__.py") else parts[:-1]
    base = package[: max(len(package) - (level - 1), 0)]
    return ".".join([*base, name] if name else base)


def module_path_candidates(qualified_module: str, importer: str) -> list[str]:
    """Repo-relative file paths a dotted module name may live at, first match wins: from the
    repository's root, then from each folder on the way from the importer up to the root, its own
    folder first (a script run from there; ``src/`` in a src layout; one project of a monorepo)."""
    rel = qualified_module.replace(".", "/")
    folder = posixpath.dirname(importer)
    candidates = [f"{rel}.py", f"{rel}/__init__.py"]
    while folder:
        candidates += [posixpath.join(folder, f"{rel}.py"), posixpath.join(folder, rel, "__init__.py")]
        parent = posixpath.dirname(folder)
        folder = "" if parent == folder else parent  # "/" and "//" are their own parents
    return candidates


def _imported(node: ast.Import | ast.ImportFrom, module: str, importer: str) -> list[str]:
    """The dotted names an import statement loads (``from a import b``: ``a`` and maybe ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        base = resolve_relative(module, importer, node.level, base)
    return [base] + [f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"]


_IMPORT = re.compile(r"\bimport\b")


def import_statements(text: str, words: re.Pattern) -> list[ast.AST] | None:
    """The import statements of ``text`` that name one of ``words``, each parsed alone: a line with
    the keyword ``import``, and its continuation lines (open parentheses, trailing backslashes).
    None when that cannot be read this way (a line before it continues onto it, or the statement
    does not parse alone, as ``try: import x``): then the whole file must be parsed."""
    lines = text.split("\n")
    found: list[ast.AST] = []
    i = 0
    while i < len(lines):
        if not _IMPORT.search(lines[i]):
            i += 1
            continue
        if i and lines[i - 1].rstrip().endswith("\\"):
            return None
        j, depth = i, lines[i].count("(") - lines[i].count(")")
        while (depth > 0 or lines[j].rstrip().endswith("\\")) and j + 1 < len(lines):
            j += 1
            depth += lines[j].count("(") - lines[j].count(")")
        statement = "\n".join(lines[i : j + 1])
        i = j + 1
        if not words.search(statement):
            continue
        try:
            tree = ast.parse(statement.lstrip())
        except (SyntaxError, ValueError):  # ValueError: a null byte
            return None
        found += [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    return found


def imports_any(text: str, importer: str, modules: Collection[str]) -> bool:
    """Whether an import statement of ``text`` (the file ``importer``) loads one of ``modules``
    (repo-relative paths), itself or as a package on the way (``import a.b.c`` loads ``a/b``).
    Only the statements that name a module's last component are parsed, unless they cannot be
    read alone; a file whose imports Python cannot parse counts as importing everything."""
    words = re.compile(r"\b(?:" + "|".join(sorted({re.escape(module_word(m)) for m in modules})) + r")\b")
    nodes = import_statements(text, words)
    if nodes is None:
        try:
            nodes = [n for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.Import, ast.ImportFrom))]
        except Exception:  # noqa: BLE001 - SyntaxError, null bytes, nesting too deep: assume it does
            return True
    # a dotted name can only resolve to a module whose name ends with it (``b.c`` → ``a/b/c.py``)
    tails = set()
    for m in modules:
        names = module_name_for(m).split(".")
        tails.update(".".join(names[k:]) for k in range(len(names)))
    module = module_name_for(importer)
    for node in nodes:
        for dotted in _imported(node, module, importer):
            parts = dotted.split(".")
            for k in range(1, len(parts) + 1):
                name = ".".join(parts[:k])
                if name in tails and any(c in modules for c in module_path_candidates(name, importer)):
                    return True
    return False


def follow_importers(
    seeds: Collection[str],
    grep: Callable[[list[str]], Iterable[str] | None],
    imports: Callable[[str, set[str]], bool],
    skip: Collection[str] = (),
) -> tuple[set[str], bool]:
    """The files that import a seed, directly or through other modules (a superset, as
    ``imports_any`` reads imports), and whether the chain ended within ``MAX_IMPORT_ROUNDS`` links.

    One ``grep`` per link: it gets the module words to look for and returns the files that name one
    (None: it failed, the chain is not complete). ``imports(path, modules)`` keeps a file that
    imports one of ``modules``, and the chain goes on through every file kept: a module that
    defines a workflow may still hand code on (a base class, a helper). Files in ``skip`` are never
    kept. So the cost follows the change and its importers, not the size of the repository."""
    found: set[str] = set()
    searched: set[str] = set()
    modules = set(seeds)
    for _ in range(MAX_IMPORT_ROUNDS):
        modules = {p for p in modules if module_word(p)} - searched
        if not modules:
            return found, True
        searched |= modules
        named = grep(sorted({module_word(p) for p in modules}))
        if named is None:
            return found, False
        hits = {p for p in sorted(set(named) - found) if p not in skip and imports(p, modules)}
        found |= hits
        modules = hits
    return found, False
