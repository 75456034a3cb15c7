"""What Python evaluates before the engine sees anything: the value of an expression, when the source
alone fixes it.

``evaluate(expr, scope)`` returns the Python value of literals, containers of them, arithmetic,
comparisons, ``and``/``or``/``not``, subscripts, and a few pure built-ins (``len``, ``range``,
``min``, ``max``, ``abs``, ``int``, ``float``, ``str``, ``bool``, ``tuple``, ``list``, ``sorted``,
``datetime.timedelta``); names bound to module-level constants (in this module or imported from
another module of the repository) and names the scope binds (a helper's parameters, set by the
walker from the caller's arguments). Anything else is ``UNKNOWN``.

Nothing here imports or runs user code: calls other than the whitelisted pure built-ins (found
through the module's own imports, and only when the module does not rebind their names) are
never evaluated, and results are bounded in size so that ``"x" * 10**9`` cannot exhaust memory.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst


class _Unknown:
    """The value Python will compute only at run time (or patchlint cannot tell)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value: compare with `is UNKNOWN`")


UNKNOWN = _Unknown()

MAX_ITEMS = 10_000  # longest str/bytes/sequence/range patchlint builds
MAX_INT_BITS = 4_096
MAX_DEPTH = 64  # constants defined through other constants

_BINARY = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
    cst.LeftShift: operator.lshift,
    cst.RightShift: operator.rshift,
    cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_,
    cst.BitXor: operator.xor,
}
_COMPARE = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge,
    cst.Is: operator.is_,
    cst.IsNot: operator.is_not,
    cst.In: lambda a, b: operator.contains(b, a),
    cst.NotIn: lambda a, b: not operator.contains(b, a),
}
_SIMPLE = (int, float, complex, str, bytes, bool, type(None), datetime.timedelta, range)


def _safe(value: object) -> bool:
    """Values built only from the plain immutable (or frozen-by-us) types evaluate returns."""
    if isinstance(value, _SIMPLE):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_safe(v) for v in value)
    if isinstance(value, dict):
        return all(_safe(k) and _safe(v) for k, v in value.items())
    return value is Ellipsis


def _bounded(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return UNKNOWN
    if isinstance(value, (str, bytes, tuple, list, set, frozenset, dict, range)) and len(value) > MAX_ITEMS:
        return UNKNOWN
    return value


def _small_operands(op, left, right) -> bool:
    """Refuse operations whose result could be huge before computing it."""
    if op is operator.pow:
        if isinstance(right, int) and not isinstance(right, bool):
            if abs(right) > 1_000:
                return False
            if isinstance(left, int) and left.bit_length() * abs(right) > MAX_INT_BITS:
                return False
        elif isinstance(right, float) and abs(right) > 1_000:
            return False
    if op is operator.lshift and isinstance(right, int) and right > MAX_INT_BITS:
        return False
    if op is operator.mul:
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, tuple, list)) and isinstance(times, int):
                if len(seq) * max(times, 0) > MAX_ITEMS:
                    return False
    return True


@dataclass
class ModuleScope:
    """The scope of a module's top level: where its constants are evaluated."""

    module: object  # SourceModule
    revision: object  # Revision
    bindings: Mapping[str, object] = field(default_factory=dict)
    locals: frozenset[str] = frozenset()


def evaluate(expr: cst.BaseExpression | None, scope) -> object:
    """The value of ``expr`` in ``scope`` (a walker ``Scope`` or a ``ModuleScope``), or ``UNKNOWN``."""
    if expr is None:
        return UNKNOWN
    try:
        value = _Evaluator(scope, ()).eval(expr)
    except (
        ArithmeticError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
        RecursionError,
        OverflowError,
        MemoryError,
    ):
        return UNKNOWN
    return value if value is UNKNOWN or _safe(value) else UNKNOWN


def truth(expr: cst.BaseExpression | None, scope) -> bool | None:
    """``bool(expr)`` when Python fixes it, else None."""
    value = evaluate(expr, scope)
    if value is UNKNOWN:
        return None
    try:
        return bool(value)
    except Exception:  # pragma: no cover - only safe values reach here
        return None


def iteration_count(expr: cst.BaseExpression | None, scope) -> int | None:
    """How many items ``for _ in expr`` goes through, when Python fixes it."""
    value = evaluate(expr, scope)
    if isinstance(value, (str, bytes, tuple, list, set, frozenset, dict, range)):
        return len(value)
    return None


def items_of(expr: cst.BaseExpression | None, scope) -> list | None:
    """The items ``for x in expr`` binds ``x`` to, in order, when Python fixes them."""
    value = evaluate(expr, scope)
    if isinstance(value, (str, bytes, tuple, list, dict, range)):
        return list(value)
    if isinstance(value, (set, frozenset)):  # iteration order of a set is Python's, not ours
        return [UNKNOWN] * len(value)
    return None


class _Evaluator:
    def __init__(self, scope, active: tuple[tuple[str, str], ...]):
        self.scope = scope
        self.active = active  # constants being evaluated (cycle guard)

    # ---- names ------------------------------------------------------------------------------
    def name(self, name: str) -> object:
        bindings = getattr(self.scope, "bindings", None) or {}
        if name in bindings:
            return bindings[name]
        if name in (getattr(self.scope, "locals", None) or ()):
            return UNKNOWN  # a local the walker has no value for
        module = self.scope.module
        if name in module.constants:
            return self.constant(module, name)
        if name in module.imports.names:
            return self.imported(module.imports.names[name])
        if name in module.functions or name in module.classes:
            return UNKNOWN
        if name in _CONSTANT_BUILTINS:
            return _CONSTANT_BUILTINS[name]
        return UNKNOWN

    def constant(self, module, name: str) -> object:
        key = (module.path, name)
        if key in self.active or len(self.active) >= MAX_DEPTH:
            return UNKNOWN
        from patchlint.extract.values import ModuleScope

        inner = _Evaluator(ModuleScope(module, self.scope.revision), (*self.active, key))
        value = inner.eval(module.constants[name])
        if isinstance(value, (list, dict, set)) and _mutated(module, name):
            return UNKNOWN  # ``ITEMS.append(...)`` somewhere: the list is not what the source shows
        return value

    def imported(self, qualified: str) -> object:
        """A constant imported from another module of the repository (``from consts import N``)."""
        revision = getattr(self.scope, "revision", None)
        if revision is None:
            return UNKNOWN
        module_name, _, attr = qualified.rpartition(".")
        if not module_name:
            return UNKNOWN
        from patchlint.extract.repo import EXTERNAL

        if module_name.split(".")[0] in EXTERNAL:
            return UNKNOWN
        target = revision.module_named(module_name, self.scope.module.path)
        if target is None or attr not in target.constants:
            if target is not None and attr in target.imports.names:  # re-exported
                key = (target.path, attr)
                if key in self.active or len(self.active) >= MAX_DEPTH:
                    return UNKNOWN
                return _Evaluator(ModuleScope(target, revision), (*self.active, key)).imported(
                    target.imports.names[attr]
                )
            return UNKNOWN
        return self.constant(target, attr)

    def class_attribute(self, name: str) -> object:
        """``self.NAME``/``cls.NAME`` bound once in a class body of the concrete class's MRO and
        never assigned through an instance or the class anywhere in those modules (``self.NAME =``,
        ``setattr``): the class body's value. Every base must be resolvable in the repository (or
        ``object``/``typing`` generics), since an external base could define the name too."""
        cls = getattr(self.scope, "self_class", None) or getattr(self.scope, "defining", None)
        revision = getattr(self.scope, "revision", None)
        if cls is None or revision is None:
            return UNKNOWN
        order = revision.mro(cls)
        from patchlint.extract.repo import class_attribute as bound_in

        for klass in order:
            if not _bases_known(klass, revision):
                return UNKNOWN
            if _assigned_elsewhere(klass.module, name):
                return UNKNOWN
        for klass in order:
            found = bound_in(klass.node, name)
            if found is None:
                continue
            if isinstance(found, cst.Assign) and len(found.targets) == 1:
                value = found.value
            elif isinstance(found, cst.AnnAssign) and found.value is not None:
                value = found.value
            else:
                return UNKNOWN
            key = (klass.module.path, f"{klass.node.name.value}.{name}")
            if key in self.active or len(self.active) >= MAX_DEPTH:
                return UNKNOWN
            if _names(value) & _bound_by(klass.node.body.body):
                return UNKNOWN  # refers to the class body's own names: not the module's
            inner = _Evaluator(ModuleScope(klass.module, revision), (*self.active, key))
            result = inner.eval(value)
            return UNKNOWN if isinstance(result, (list, dict, set)) else result
        return UNKNOWN

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The dotted name a callee refers to, when it is not shadowed locally."""
        from patchlint.extract.names import dotted

        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        if head in (getattr(self.scope, "bindings", None) or {}) or head in (getattr(self.scope, "locals", None) or ()):
            return None
        module = self.scope.module
        if head in module.imports.names:
            base = module.imports.names[head]
            return f"{base}.{rest}" if rest else base
        if head in module.constants or head in module.functions or head in module.classes:
            return None
        if _rebinds(module, head):
            return None
        return f"builtins.{text}"

    # ---- expressions ------------------------------------------------------------------------
    def eval(self, node: cst.BaseExpression) -> object:
        value = self._eval(node)
        return value if value is UNKNOWN else _bounded(value)

    def _eval(self, node: cst.BaseExpression) -> object:
        if isinstance(node, cst.Integer | cst.Float | cst.Imaginary):
            return node.evaluated_value
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return UNKNOWN if value is None else value
        if isinstance(node, cst.Name):
            return self.name(node.value)
        if isinstance(node, cst.Ellipsis):
            return Ellipsis
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
                return self.class_attribute(node.attr.value)
            qualified = self.qualified(node)
            return self.imported(qualified) if qualified and not qualified.startswith("builtins.") else UNKNOWN
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            items = self.elements(node.elements)
            if items is UNKNOWN:
                return UNKNOWN
            return (
                tuple(items)
                if isinstance(node, cst.Tuple)
                else list(items)
                if isinstance(node, cst.List)
                else set(items)
            )
        if isinstance(node, cst.Dict):
            return self.dict_(node)
        if isinstance(node, cst.UnaryOperation):
            value = self.eval(node.expression)
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(node.operator, cst.Not):
                return not value
            if isinstance(node.operator, cst.Minus):
                return -value
            if isinstance(node.operator, cst.Plus):
                return +value
            if isinstance(node.operator, cst.BitInvert):
                return ~value
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            op = _BINARY.get(type(node.operator))
            left = self.eval(node.left)
            right = self.eval(node.right)
            if op is None or left is UNKNOWN or right is UNKNOWN or not _small_operands(op, left, right):
                return UNKNOWN
            return op(left, right)
        if isinstance(node, cst.BooleanOperation):
            left = self.eval(node.left)
            if left is UNKNOWN:
                return UNKNOWN
            if isinstance(node.operator, cst.And):
                return self.eval(node.right) if left else left
            return left if left else self.eval(node.right)
        if isinstance(node, cst.Comparison):
            left = self.eval(node.left)
            if left is UNKNOWN:
                return UNKNOWN
            for target in node.comparisons:
                op = _COMPARE.get(type(target.operator))
                right = self.eval(target.comparator)
                if op is None or right is UNKNOWN:
                    return UNKNOWN
                if op in (operator.is_, operator.is_not) and not (_singleton(left) or _singleton(right)):
                    return UNKNOWN  # identity of other objects is CPython's business
                if not op(left, right):
                    return False
                left = right
            return True
        if isinstance(node, cst.IfExp):
            test = self.eval(node.test)
            if test is UNKNOWN:
                return UNKNOWN
            return self.eval(node.body if test else node.orelse)
        if isinstance(node, cst.Subscript):
            return self.subscript(node)
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        if isinstance(node, cst.Call):
            return self.call(node)
        return UNKNOWN

    def elements(self, elements) -> list | object:
        out: list = []
        for element in elements:
            value = self.eval(element.value)
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(element, cst.StarredElement):
                if not isinstance(value, (str, bytes, tuple, list, range, dict)):
                    return UNKNOWN
                out.extend(value)
            else:
                out.append(value)
            if len(out) > MAX_ITEMS:
                return UNKNOWN
        return out

    def dict_(self, node: cst.Dict) -> object:
        out: dict = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value)
                if not isinstance(value, dict):
                    return UNKNOWN
                out.update(value)
                continue
            key, value = self.eval(element.key), self.eval(element.value)
            if key is UNKNOWN or value is UNKNOWN:
                return UNKNOWN
            out[key] = value
        return out

    def fstring(self, node: cst.FormattedString) -> object:
        """``f"charge_{region}"`` with every replacement field known."""
        if "b" in node.prefix.lower():
            return UNKNOWN
        texts = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        if "\\" in texts and "r" not in node.prefix.lower():
            return UNKNOWN  # escape sequences: Python's business
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
                continue
            value = self.eval(part.expression)
            if value is UNKNOWN or not isinstance(value, (str, int, float, bool, type(None), datetime.timedelta)):
                return UNKNOWN
            conversion = part.conversion
            if conversion == "r":
                value = repr(value)
            elif conversion == "a":
                value = ascii(value)
            elif conversion == "s":
                value = str(value)
            spec = ""
            if part.format_spec:
                spec_value = self.fstring(cst.FormattedString(parts=part.format_spec))
                if not isinstance(spec_value, str):
                    return UNKNOWN
                spec = spec_value
            out.append(format(value, spec))
        text = "".join(out)
        return text if len(text) <= MAX_ITEMS else UNKNOWN

    def subscript(self, node: cst.Subscript) -> object:
        value = self.eval(node.value)
        if value is UNKNOWN or len(node.slice) != 1:
            return UNKNOWN
        index = node.slice[0].slice
        if isinstance(index, cst.Slice):
            parts = [self.eval(p) if p is not None else None for p in (index.lower, index.upper, index.step)]
            if any(p is UNKNOWN for p in parts):
                return UNKNOWN
            return value[slice(*parts)]
        key = self.eval(index.value)
        if key is UNKNOWN:
            return UNKNOWN
        return value[key]

    def call(self, node: cst.Call) -> object:
        qualified = self.qualified(node.func)
        fn = _PURE_CALLS.get(qualified or "")
        if fn is None:
            return UNKNOWN
        args, kwargs = [], {}
        for arg in node.args:
            value = self.eval(arg.value)
            if value is UNKNOWN:
                return UNKNOWN
            if arg.star == "*":
                if not isinstance(value, (tuple, list, range, str)):
                    return UNKNOWN
                args.extend(value)
            elif arg.star == "**":
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    return UNKNOWN
                kwargs.update(value)
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        if not all(_safe(a) for a in args) or not all(_safe(v) for v in kwargs.values()):
            return UNKNOWN
        if fn in (tuple, list, sorted) and args and len(args[0]) > MAX_ITEMS:
            return UNKNOWN
        if fn is str and args and not isinstance(args[0], (str, int, float, bool, type(None))):
            return UNKNOWN  # repr of containers: fine, but nothing the engines care about
        return fn(*args, **kwargs)


_MUTATORS = "append|extend|insert|pop|remove|clear|update|add|discard|setdefault|popitem|sort|reverse"


def _mutated(module, name: str) -> bool:
    import re

    pattern = rf"\b{re.escape(name)}\s*(\.\s*({_MUTATORS})\s*\(|\[[^\]\n]*\]\s*=[^=]|[-+*|&^]=)"
    return (
        re.search(pattern, module.text) is not None
        or re.search(rf"\bdel\s+{re.escape(name)}\[", module.text) is not None
    )


_HARMLESS_BASES = {"object", "typing.Generic", "typing.Protocol", "abc.ABC", "typing_extensions.Protocol"}


def _bases_known(klass, revision) -> bool:
    resolved = {id(b.node) for b in revision.bases(klass)}
    for arg in klass.node.bases:
        if arg.keyword is not None:
            continue
        expr = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
        if isinstance(expr, cst.Name) and expr.value == "object" and not _rebinds(klass.module, "object"):
            continue
        qualified = klass.module.imports.qualify(expr)
        if qualified is None:
            return False
        if qualified in _HARMLESS_BASES:
            continue
        found = revision.resolve(qualified, klass.module)
        if found is None or id(getattr(found, "node", None)) not in resolved:
            return False
    return True


def _assigned_elsewhere(module, name: str) -> bool:
    import re

    text = module.text
    if re.search(rf"\.\s*{re.escape(name)}\s*([-+*/|&^%@]|//|\*\*|<<|>>)?=(?!=)", text):
        return True
    return (
        re.search(rf"setattr\s*\([^)]*['\"]{re.escape(name)}['\"]", text) is not None
        or "setattr(" in text
        and "__dict__" in text
    )


def _names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(Names())
    return found


def _bound_by(stmts) -> set[str]:
    """The names a statement list assigns (``=``, ``: T =``, ``+=``) or binds in its compound
    statements (``def``, ``class``, ``for``/``with`` targets…), not inside nested functions."""
    from patchlint.extract.source import _compound_bindings, bound_names

    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        names.update(bound_names(target.target))
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    names.update(bound_names(small.target))
        else:
            names.update(_compound_bindings(stmt))
    return names


def _singleton(value: object) -> bool:
    return value is None or value is True or value is False or value is Ellipsis


def _timedelta(*args, **kwargs) -> datetime.timedelta:
    if not all(isinstance(v, (int, float)) for v in (*args, *kwargs.values())):
        raise TypeError("timedelta takes numbers")
    return datetime.timedelta(*args, **kwargs)


def _range(*args) -> range:
    value = range(*args)
    if len(value) > MAX_ITEMS:
        raise ValueError("range too long to enumerate")
    return value


_PURE_CALLS = {
    "builtins.len": len,
    "builtins.range": _range,
    "builtins.min": min,
    "builtins.max": max,
    "builtins.abs": abs,
    "builtins.int": int,
    "builtins.float": float,
    "builtins.str": str,
    "builtins.bool": bool,
    "builtins.tuple": tuple,
    "builtins.list": list,
    "builtins.sorted": sorted,
    "datetime.timedelta": _timedelta,
}
_CONSTANT_BUILTINS = {"None": None, "True": True, "False": False}


def _rebinds(module, name: str) -> bool:
    """Whether the module binds ``name`` itself at its top level (shadowing the built-in)."""
    cache = module.__dict__.setdefault("_toplevel_names", None)
    if cache is None:
        module.__dict__["_toplevel_names"] = cache = frozenset(_bound_by(module.tree.body))
    return name in cache
