"""A fast read-only walk over a libcst tree.

``CSTNode.visit`` rebuilds every node it passes (``_visit_and_replace_children``) and ``children``
is built the same way: walking a workflow's body cost about as much as parsing it. Reading the
nodes' dataclass fields gives the same nodes for a fraction of that. Whitespace, comments and
parentheses hold no code and are not entered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import libcst as cst

# nodes that only hold layout: whitespace, newlines, comments, parentheses, commas and operators
_LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.ImportStar,
)
# where a node's fields are not declared in source order (a ``def``'s decorators, name and
# parameters come before its body; ``a if test else b``): the fields that hold code, in source
# order, then the others. Types missing from older libcst versions are skipped.
_SOURCE_ORDER = {
    getattr(cst, kind, None): order
    for kind, order in {
        "Arg": ("keyword", "value"),
        "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
        "CompFor": ("asynchronous", "target", "iter", "ifs", "inner_for_in"),
        "ExceptHandler": ("type", "name", "body"),
        "ExceptStarHandler": ("type", "name", "body"),
        "FunctionDef": ("decorators", "asynchronous", "name", "type_parameters", "params", "returns", "body"),
        "For": ("asynchronous", "target", "iter", "body", "orelse"),
        "IfExp": ("body", "test", "orelse"),
        "Index": ("star", "value"),
        "MatchCase": ("pattern", "guard", "body"),
        "Param": ("star", "name", "annotation", "default"),
        "Parameters": ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
        "TypeAlias": ("name", "type_parameters", "value"),
        "With": ("asynchronous", "items", "body"),
    }.items()
}
_FIELDS: dict[type, tuple[str, ...]] = {}
_CODE: dict[type, bool] = {}  # whether a value of this type is a node worth entering


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        declared = [f.name for f in dataclasses.fields(kind)]
        first = [name for name in _SOURCE_ORDER.get(kind, ()) if name in declared]
        names = _FIELDS[kind] = (*first, *(name for name in declared if name not in first))
    return names


def _is_code(kind: type) -> bool:
    code = _CODE.get(kind)
    if code is None:
        code = _CODE[kind] = issubclass(kind, cst.CSTNode) and not issubclass(kind, _LAYOUT)
    return code


def walk(roots: cst.CSTNode | Iterable[cst.CSTNode], stop: tuple[type, ...] = ()) -> Iterator[cst.CSTNode]:
    """Every node of ``roots`` (one node or several), each before the nodes inside it, as a
    ``CSTVisitor`` meets them; a node of a ``stop`` type is yielded but not entered (a visitor's
    ``visit_X`` returning False). Nodes come in source order."""
    if isinstance(roots, cst.CSTNode):
        roots = [roots]
    stack = [r for r in reversed(list(roots)) if _is_code(type(r))]
    stops: dict[type, bool] = {}
    while stack:
        node = stack.pop()
        yield node
        kind = type(node)
        if stop:
            stopped = stops.get(kind)
            if stopped is None:
                stopped = stops[kind] = issubclass(kind, stop)
            if stopped:
                continue
        inner = children(node)
        inner.reverse()
        stack.extend(inner)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes directly inside ``node`` that hold code, in source order (``CSTNode.children``
    without the layout, and without rebuilding the node)."""
    out = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        of = type(value)
        if of is list or of is tuple:
            out.extend(v for v in value if _is_code(type(v)))
        elif _is_code(of):
            out.append(value)
    return out
