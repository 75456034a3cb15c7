"""Resolve names from a module's own import statements, without libcst's QualifiedNameProvider.

``QualifiedNameProvider`` needs ``ScopeProvider`` and costs ~8x the parse; workflow code resolves
engine APIs through plain imports, so an import table is enough. Tests check this resolver against
``QualifiedNameProvider`` on the fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from patchlint.importers import module_name_for, resolve_relative


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    return dotted(node) or "" if node is not None else ""


@dataclass
class ImportTable:
    """Local name → fully qualified dotted name, from the module's import statements."""

    module: str  # this module's dotted name, derived from its path
    names: dict[str, str] = field(default_factory=dict)

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of an expression like ``wf.execute_activity`` or ``run``."""
        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        if head in self.names:
            base = self.names[head]
            return f"{base}.{rest}" if rest else base
        return f"{self.module}.{text}" if self.module else text


def _statements(body) -> list:
    """Every statement in a block and the blocks nested in it, in source order (imports can sit
    in ``with``, ``if TYPE_CHECKING:``, ``try`` and function bodies). Expressions are never
    entered, which keeps this a small fraction of a full libcst visit."""
    out = []
    for stmt in body:
        out.append(stmt)
        for attr in ("body", "handlers", "orelse", "finalbody"):
            child = getattr(stmt, attr, None)
            if child is None or isinstance(child, cst.SimpleStatementLine):
                continue
            if isinstance(child, (list, tuple)):
                out.extend(_statements(child))
            elif isinstance(getattr(child, "body", None), (list, tuple)):
                out.extend(_statements(child.body))
            elif hasattr(child, "body"):
                out.extend(_statements([child]))
    return out


def collect_imports(tree: cst.Module, path: str) -> ImportTable:
    """Every import statement of the module, wherever it is nested (``with
    workflow.unsafe.imports_passed_through():``, ``if TYPE_CHECKING:``, inside functions)."""
    table = ImportTable(module=module_name_for(path))
    for stmt in _statements(tree.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                _add_import(table, small)
            elif isinstance(small, cst.ImportFrom):
                _add_import_from(table, small, path)
    return table


def _add_import(table: ImportTable, node: cst.Import) -> None:
    for alias in node.names:
        full = _module_name(alias.name)
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            table.names[alias.asname.name.value] = full
        else:
            head = full.split(".")[0]
            table.names.setdefault(head, head)


def _add_import_from(table: ImportTable, node: cst.ImportFrom, path: str) -> None:
    base = _module_name(node.module)
    if node.relative:
        base = resolve_relative(table.module, path, len(node.relative), base)
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        name = _module_name(alias.name)
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        table.names[local] = f"{base}.{name}" if base else name
