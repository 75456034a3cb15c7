"""One parsed module: its libcst tree, import table and top-level definitions.

Positions are computed lazily (``PositionProvider`` costs twice the parse), only for modules that
end up with a finding.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from patchlint.errors import InputError
from patchlint.extract.names import ImportTable, collect_imports, dotted
from patchlint.extract.traverse import walk
from patchlint.model.program import NOWHERE, Span

ENGINE_MARKERS = ("temporalio", "dbos")


def mentions_engine(text: str) -> bool:
    """The cheap pre-filter: files that never mention an engine are never parsed."""
    return any(marker in text for marker in ENGINE_MARKERS)


# Python's own limit on nested brackets (its tokenizer's MAXLEVEL): no valid module goes deeper.
# libcst's native parser overflows the C stack (a crash, not an exception) from about 1,190 nested
# calls or 1,270 parentheses on an 8 MB stack, so deeper input is refused before libcst sees it.
MAX_NESTING = 200


def parse(text: str, path: str) -> cst.Module:
    if text.count("(") + text.count("[") + text.count("{") > MAX_NESTING:  # else it cannot nest deeper
        _refuse_deep_nesting(text, path)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise InputError(_syntax_error(text, exc), path) from None
    except Exception as exc:  # libcst raises a few other errors for odd input
        raise InputError(f"libcst cannot parse this file: {exc}", path) from None


def _refuse_deep_nesting(text: str, path: str) -> None:
    """Python's parser (C, with its own depth checks, ~8x cheaper than libcst) is the pre-scan:
    it refuses brackets nested deeper than ``MAX_NESTING`` and expressions too deep for it."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        if "too many nested parentheses" in str(exc.msg):
            raise InputError(f"brackets nested deeper than {MAX_NESTING} levels at line {exc.lineno}", path) from None
    except (MemoryError, RecursionError):
        raise InputError("code nested too deeply to parse", path) from None
    except ValueError:  # null bytes: libcst reports them
        pass


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> str:
    """The message for a module libcst cannot parse, located by Python's own parser when it
    agrees the code is invalid (libcst's tokenizer errors always say line 1)."""
    try:
        ast.parse(text)
    except SyntaxError as py:
        if py.lineno:
            return f"syntax error at line {py.lineno}, column {py.offset or 1}: {py.msg}"
    except (ValueError, MemoryError, RecursionError):
        pass
    detail = exc.message.removeprefix("parser error: ").strip()
    where = re.match(r"error at (\d+):(\d+): (.*)", detail)
    if where:
        line, column, detail = where.groups()
        return f"syntax error at line {line}, column {column}: {detail}"
    if detail.startswith("tokenizer error: "):  # no position given
        return f"syntax error: {detail.removeprefix('tokenizer error: ')}"
    return f"syntax error at line {exc.raw_line}, column {exc.raw_column + 1}: {detail}"


@dataclass(eq=False)
class SourceModule:
    path: str
    text: str
    tree: cst.Module
    imports: ImportTable
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)

    def text_of(self, definition: cst.CSTNode) -> str:
        """A definition's source as ``inspect.getsource`` reads it: from its first decorator to the
        end of its body, without the comments and blank lines above it."""
        if hasattr(definition, "leading_lines"):
            definition = definition.with_changes(leading_lines=())
        return self.tree.code_for_node(definition)

    @classmethod
    def from_text(cls, text: str, path: str) -> SourceModule:
        tree = parse(text, path)
        module = cls(path, text, tree, collect_imports(tree, path))
        for stmt in tree.body:
            if isinstance(stmt, cst.FunctionDef):
                module.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef):
                module.classes[stmt.name.value] = stmt
        return module

    @cached_property
    def constants(self) -> dict[str, cst.BaseExpression]:
        """Module-level names bound exactly once, by a plain assignment at the top level of the
        module (``N = 3``, ``TIMEOUT: timedelta = timedelta(0)``), to the expression they are bound
        to. A name bound anywhere else at module level (a second assignment, ``+=``, a loop target,
        an import, a ``def``, a nested ``if``/``try``) or declared ``global`` in a function is not a
        constant: its value depends on how the module ran."""
        once: dict[str, cst.BaseExpression] = {}
        spoiled: set[str] = set()

        def bind(name: str, value: cst.BaseExpression | None) -> None:
            if name in once or name in spoiled or value is None:
                once.pop(name, None)
                spoiled.add(name)
            else:
                once[name] = value

        for stmt in self.tree.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        value = small.value if len(small.targets) == 1 else None
                        for target in small.targets:
                            for name in bound_names(target.target):
                                bind(name, value if isinstance(target.target, cst.Name) else None)
                    elif isinstance(small, cst.AnnAssign):
                        for name in bound_names(small.target):
                            bind(name, small.value if isinstance(small.target, cst.Name) else None)
                    elif isinstance(small, cst.AugAssign):
                        for name in bound_names(small.target):
                            bind(name, None)
                    elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                        small.names, cst.ImportStar
                    ):
                        for alias in small.names:
                            target = alias.asname.name if alias.asname is not None else alias.name
                            while isinstance(target, cst.Attribute):
                                target = target.value
                            if isinstance(target, cst.Name):
                                bind(target.value, None)
            else:
                for name in _compound_bindings(stmt):
                    bind(name, None)
        if "global" in self.text:
            for match in re.finditer(r"^\s*global\s+([\w\s,]+)", self.text, re.MULTILINE):
                for name in match.group(1).split(","):
                    once.pop(name.strip(), None)
        return once

    @cached_property
    def _positions(self):
        wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
        return wrapper.resolve(PositionProvider)

    @cached_property
    def _fast(self) -> FastPositions | None:
        return FastPositions.build(self.text, self.tree)

    def span(self, node: cst.CSTNode | None) -> Span:
        """The node's position. Calls, attributes, dict displays and definition names are found
        through Python's own ``ast`` (a C parser, ~20x cheaper than ``PositionProvider``) by their
        text (the same text twice: told apart by order; names: when unique); anything else falls
        back to ``PositionProvider``."""
        if node is None:
            return NOWHERE
        fast = self._fast
        if fast is not None:
            found = fast.find(node)
            if found is not None:
                return found
        pos = self._positions.get(node)
        if pos is None:
            return NOWHERE
        return Span(pos.start.line, pos.start.column, pos.end.line, pos.end.column)


class FastPositions:
    """Spans of calls, attributes and dict displays (by source text), and of class/def names, from
    ``ast``.

    Identical calls (the same activity called twice with the same arguments) are told apart by
    their order: the n-th such call in libcst's source order is the n-th in ``ast``'s."""

    def __init__(self, text: str, tree: ast.Module, module: cst.Module):
        self.module = module
        self.lines = re.split(r"\r\n|\r|\n", text)
        self.calls: dict[str, list[Span]] = {}
        self.names: dict[str, list[Span]] = {}
        self._by_shape: dict[tuple, list[cst.Call]] | None = None
        self._ordinals: dict[tuple, dict[int, int]] = {}
        self._tree = tree
        self._values: dict[type, dict[str, list[Span]]] = {}  # see _value_spans
        self._import_names: set[str] = set()
        self._value_groups: dict[tuple, list[cst.CSTNode]] | None = None
        self._value_ordinals: dict[tuple, dict[int, int]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                span = self._span(node)
                self.calls.setdefault(_squeezed(self._segment(span)), []).append(span)
            elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                line = self.lines[node.lineno - 1]
                column = self._char_column(node.lineno, node.col_offset)
                start = line.find(node.name, line.find(" ", column))
                if start >= 0:
                    self.names.setdefault(node.name, []).append(
                        Span(node.lineno, start, node.lineno, start + len(node.name))
                    )
        for spans in self.calls.values():
            spans.sort(key=lambda s: (s.line, s.column))

    @classmethod
    def build(cls, text: str, module: cst.Module) -> FastPositions | None:
        try:
            return cls(text, ast.parse(text), module)
        except (SyntaxError, ValueError, RecursionError, IndexError):
            return None

    def _char_column(self, line: int, byte_offset: int) -> int:
        return len(self.lines[line - 1].encode("utf-8")[:byte_offset].decode("utf-8", "replace"))

    def _span(self, node: ast.AST) -> Span:
        return Span(
            node.lineno,
            self._char_column(node.lineno, node.col_offset),
            node.end_lineno,
            self._char_column(node.end_lineno, node.end_col_offset),
        )

    def _segment(self, span: Span) -> str:
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.column : span.end_column]
        parts = [self.lines[span.line - 1][span.column :]]
        parts += self.lines[span.line : span.end_line - 1]
        parts.append(self.lines[span.end_line - 1][: span.end_column])
        return "\n".join(parts)

    def _ordinal(self, call: cst.Call, text: str) -> tuple[int, int] | None:
        """Position of ``call`` among the module's calls with the same source text, and how many
        there are. The module's calls are grouped once by their shape (callee and arguments'
        kinds, which equal texts share), and a group's texts are printed once, the first time one
        of them is looked up."""
        if self._by_shape is None:
            self._by_shape = {}
            for node in walk(self.module):
                if type(node) is cst.Call:
                    self._by_shape.setdefault(_shape(node), []).append(node)
        shape = _shape(call)
        if shape not in self._ordinals:
            self._ordinals[shape] = _order(self._by_shape.get(shape, ()))
        return _nth(self._ordinals[shape], call, text)

    def _value_spans(self, kind: type[ast.AST], text: str) -> list[Span] | None:
        """Spans of the module's ``kind`` expressions (attributes, dict displays) whose text is
        ``text``, in source order, indexed the first time a value of that kind is looked up. None
        for the text of a dotted import name: ``import a.b.c`` holds the attributes ``a.b.c`` and
        ``a.b`` to libcst, none to ast, so libcst's order cannot be matched."""
        if kind not in self._values:
            index: dict[str, list[Span]] = {}
            for node in ast.walk(self._tree):
                if isinstance(node, kind):
                    span = self._span(node)
                    index.setdefault(_squeezed(self._segment(span)), []).append(span)
                elif kind is ast.Attribute and isinstance(node, (ast.Import, ast.ImportFrom)):
                    dotted_names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                    for name in filter(None, dotted_names):
                        parts = name.split(".")
                        self._import_names.update(".".join(parts[:k]) for k in range(2, len(parts) + 1))
            for spans in index.values():
                spans.sort(key=lambda s: (s.line, s.column))
            self._values[kind] = index
        return None if text in self._import_names else self._values[kind].get(text, [])

    def _value_ordinal(self, node: cst.Attribute | cst.Dict, text: str) -> tuple[int, int] | None:
        """As ``_ordinal``, for values; attributes are grouped by their dotted name."""
        if self._value_groups is None:
            self._value_groups = {}
            for other in walk(self.module):
                if type(other) in (cst.Attribute, cst.Dict):
                    key = (type(other), dotted(other) if type(other) is cst.Attribute else None)
                    self._value_groups.setdefault(key, []).append(other)
        key = (type(node), dotted(node) if type(node) is cst.Attribute else None)
        if key not in self._value_ordinals:
            self._value_ordinals[key] = _order(self._value_groups.get(key, ()))
        return _nth(self._value_ordinals[key], node, text)

    def find(self, node: cst.CSTNode) -> Span | None:
        if isinstance(node, (cst.Attribute, cst.Dict)):
            # a value (``versioning_behavior=VersioningBehavior.PINNED``, a DBOS configuration)
            text = _squeezed(code_text(node))
            spans = self._value_spans(ast.Attribute if isinstance(node, cst.Attribute) else ast.Dict, text)
            if spans is None:
                return None
            if len(spans) > 1:
                return _pick(spans, self._value_ordinal(node, text))
        elif isinstance(node, cst.Call):
            text = _squeezed(code_text(node))
            spans = self.calls.get(text, [])
            if len(spans) > 1:
                return _pick(spans, self._ordinal(node, text))
        elif isinstance(node, cst.Name):
            spans = self.names.get(node.value, [])
        else:
            return None
        return spans[0] if len(spans) == 1 else None


def _order(nodes) -> tuple[dict[int, int], Counter[str]]:
    """Each node's position among the nodes with its text (whitespace aside), and each text's count."""
    ordinals: dict[int, int] = {}
    seen: Counter[str] = Counter()
    for node in nodes:
        text = _squeezed(code_text(node))
        ordinals[id(node)] = seen[text]
        seen[text] += 1
    return ordinals, seen


def _nth(order: tuple[dict[int, int], Counter[str]], node: cst.CSTNode, text: str) -> tuple[int, int] | None:
    ordinals, counts = order
    return None if id(node) not in ordinals else (ordinals[id(node)], counts[text])


def _pick(spans: list[Span], nth: tuple[int, int] | None) -> Span | None:
    """The n-th span, when ast found as many nodes with the text as libcst did (a node ast places
    elsewhere, as inside an f-string before Python 3.12, would shift every later one)."""
    if nth is None or nth[1] != len(spans):
        return None
    return spans[nth[0]]


def _squeezed(text: str) -> str:
    """A call's text without whitespace: libcst prints a node alone without the indentation of
    the block it sits in, so a call over several lines inside a ``def`` differs from its source by
    whitespace only. Calls that differ only in whitespace share a key and are told apart by order."""
    return "".join(text.split())


def _shape(call: cst.Call) -> tuple:
    """What calls with the same source text have in common, cheap to compute: the callee and each
    argument's keyword, star and kind of value."""
    return (
        dotted(call.func),
        tuple(
            (a.keyword.value if a.keyword is not None else None, a.star, dotted(a.value) or type(a.value).__name__)
            for a in call.args
        ),
    )


def bound_names(target: cst.CSTNode) -> list[str]:
    """The names an assignment target binds (``a``, ``a, (b, *c)``); attributes and subscripts
    bind none."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in bound_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    return []


def _compound_bindings(stmt: cst.CSTNode) -> list[str]:
    """Names a module-level compound statement binds (without entering function bodies)."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return [stmt.name.value]
    found: list[str] = []

    class Targets(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            found.append(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            found.append(node.name.value)
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            found.extend(bound_names(node.target))

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            found.extend(bound_names(node.target))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            found.extend(bound_names(node.target))

        def visit_For(self, node: cst.For) -> None:
            found.extend(bound_names(node.target))

        def visit_AsName(self, node: cst.AsName) -> None:
            found.extend(bound_names(node.name))

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.extend(bound_names(node.target))

        def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
            target = node.asname.name if node.asname is not None else node.name
            while isinstance(target, cst.Attribute):
                target = target.value
            found.extend(bound_names(target))

    stmt.visit(Targets())
    return found


def code_text(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node, whitespace collapsed (used to compare branch conditions)."""
    return " ".join(cst.Module(body=[]).code_for_node(node).split())
