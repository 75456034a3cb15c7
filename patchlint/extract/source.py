"""One parsed module: its libcst tree, import table and top-level definitions.

Positions are computed lazily (``PositionProvider`` costs twice the parse), only for modules that
end up with a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from patchlint.errors import InputError
from patchlint.extract.names import ImportTable, collect_imports
from patchlint.model.program import NOWHERE, Span

ENGINE_MARKERS = ("temporalio", "dbos")


def mentions_engine(text: str) -> bool:
    """The cheap pre-filter: files that never mention an engine are never parsed."""
    return any(marker in text for marker in ENGINE_MARKERS)


def parse(text: str, path: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        detail = exc.message.removeprefix("parser error: ").strip()
        where = re.match(r"error at (\d+):(\d+): (.*)", detail)
        if where:
            line, column, detail = where.groups()
        else:
            line, column = exc.raw_line, exc.raw_column + 1
        raise InputError(f"syntax error at line {line}, column {column}: {detail}", path) from None
    except Exception as exc:  # libcst raises a few other errors for odd input
        raise InputError(f"libcst cannot parse this file: {exc}", path) from None


@dataclass(eq=False)
class SourceModule:
    path: str
    text: str
    tree: cst.Module
    imports: ImportTable
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, path: str) -> "SourceModule":
        tree = parse(text, path)
        module = cls(path, text, tree, collect_imports(tree, path))
        for stmt in tree.body:
            if isinstance(stmt, cst.FunctionDef):
                module.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef):
                module.classes[stmt.name.value] = stmt
        return module

    @cached_property
    def _positions(self):
        wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
        return wrapper.resolve(PositionProvider)

    def span(self, node: cst.CSTNode | None) -> Span:
        if node is None:
            return NOWHERE
        pos = self._positions.get(node)
        if pos is None:
            return NOWHERE
        return Span(pos.start.line, pos.start.column, pos.end.line, pos.end.column)


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node, whitespace collapsed (used to compare branch conditions)."""
    return " ".join(cst.Module(body=[]).code_for_node(node).split())
