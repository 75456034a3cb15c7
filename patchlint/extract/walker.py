"""Turn a function body into a step program, with the engine-specific calls recognised by a dialect.

The walk is structural: statements in order, expressions in evaluation order. Early returns are
folded into the branches (``if c: return`` makes the rest of the block the ``else``), helper
functions are inlined (recursion cut off), and code that issues no step disappears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import libcst as cst

from patchlint.extract.repo import ClassRef, FunctionRef, Revision
from patchlint.extract.source import SourceModule, bound_names, code_of
from patchlint.extract.values import UNKNOWN, evaluate
from patchlint.model.program import (
    DeprecatePatch,
    If,
    Loop,
    Node,
    Parallel,
    Patched,
    Return,
    Seq,
    Step,
    Try,
    Unclassified,
    Wait,
    is_empty,
)

MAX_INLINE_DEPTH = 8
WAITABLE_HANDLES = ("activity", "child")  # ``await handle`` waits for the command's result


@dataclass(frozen=True)
class StepCall:
    kind: str
    name: str
    slots: int = 1
    terminates: bool = False  # continue-as-new ends the run
    handle: str | None = None  # kind of handle the call returns, if assigned
    then: tuple[str, ...] = ()  # names of further operations the same call records (DBOS)
    deferred: bool = False  # issued without waiting unless the call itself is awaited


@dataclass(frozen=True)
class WaitCall:
    """A call that only waits (``wait_condition`` without a timeout)."""


@dataclass(frozen=True)
class PatchCall:
    deprecate: bool
    id: str | None


@dataclass(frozen=True)
class ParallelCall:
    branches: tuple[cst.BaseExpression, ...]


@dataclass(frozen=True)
class EngineCall:
    """A call that reaches an engine object but that the dialect does not model (it issues nothing
    patchlint knows of): listed by ``patchlint steps``. Its arguments are still walked."""


Classified = StepCall | PatchCall | ParallelCall | WaitCall | EngineCall | None


@dataclass
class Scope:
    module: SourceModule
    revision: Revision
    owner: cst.ClassDef | None = None  # class whose ``self.x`` methods may be helpers
    handles: dict[str, str] = field(default_factory=dict)  # local variable → handle kind
    stack: tuple[str, ...] = ()  # helpers being inlined (recursion guard)
    # engine calls the dialect does not model, shared by a workflow and every helper it inlines
    unclassified: list[Unclassified] = field(default_factory=list)
    # values Python fixes for local names (a helper's parameters bound to the caller's arguments,
    # ``x = 3``); a name in ``locals`` without a binding is a local whose value only the run knows
    bindings: dict[str, object] = field(default_factory=dict)
    locals: frozenset[str] = frozenset()
    # the concrete class ``self`` is an instance of (methods resolve through its MRO), and the
    # class that defines the function being walked (where ``super()`` starts looking)
    self_class: ClassRef | None = None
    defining: ClassRef | None = None

    def inner(self, ref: FunctionRef, bindings: dict[str, object] | None = None) -> "Scope":
        key = f"{ref.module.path}:{ref.qualname}"
        self_class = self.self_class if ref.owner is not None else None
        defining = ClassRef(ref.module, ref.owner) if ref.owner is not None else None
        return Scope(ref.module, self.revision, ref.owner, {}, (*self.stack, key), self.unclassified,
                     dict(bindings or {}), local_names(ref.node), self_class, defining)

    def value(self, expr: cst.BaseExpression | None) -> object:
        """The Python value of ``expr`` here, or ``values.UNKNOWN`` (see ``extract/values.py``)."""
        return evaluate(expr, self)


class Dialect(Protocol):
    engine: str

    def classify(self, call: cst.Call, scope: Scope) -> Classified: ...

    def is_step_function(self, ref: FunctionRef) -> bool: ...


def local_names(fn: cst.FunctionDef) -> frozenset[str]:
    """The names local to a function: its parameters and every name its body binds (Python
    decides this for the whole body at compile time), minus ``global``/``nonlocal`` ones."""
    names: set[str] = set()
    params = fn.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        names.add(param.name.value)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    declared: set[str] = set()

    class Targets(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.add(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            names.add(node.name.value)
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            names.update(bound_names(node.target))

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            names.update(bound_names(node.target))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            names.update(bound_names(node.target))

        def visit_For(self, node: cst.For) -> None:
            names.update(bound_names(node.target))

        def visit_CompFor(self, node: cst.CompFor) -> None:
            pass  # comprehension targets are local to the comprehension

        def visit_AsName(self, node: cst.AsName) -> None:
            names.update(bound_names(node.name))

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            names.update(bound_names(node.target))

        def visit_Import(self, node: cst.Import) -> None:
            for alias in node.names:
                target = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(target, cst.Attribute):
                    target = target.value
                names.update(bound_names(target))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    target = alias.asname.name if alias.asname is not None else alias.name
                    names.update(bound_names(target))

        def visit_MatchAs(self, node) -> None:
            if node.name is not None:
                names.add(node.name.value)

        def visit_MatchStar(self, node) -> None:
            if node.name is not None:
                names.add(node.name.value)

        def visit_Global(self, node: cst.Global) -> None:
            declared.update(n.name.value for n in node.names)

        def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
            declared.update(n.name.value for n in node.names)

    body = fn.body
    body.visit(Targets())
    return frozenset(names - declared)


def string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, index: int, keyword: str | None = None) -> cst.BaseExpression | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    return positional[index].value if index < len(positional) else None


class Walker:
    def __init__(self, dialect: Dialect):
        self.dialect = dialect

    # ---- statements -------------------------------------------------------------------------
    def function(self, fn: cst.FunctionDef, scope: Scope, helper: bool = False) -> Seq:
        body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else fn.body.body
        nodes, _ = self.block(list(body), scope, helper)
        return Seq(tuple(nodes))

    def block(self, stmts: list, scope: Scope, helper: bool) -> tuple[list[Node], bool]:
        """Nodes of a statement list, and whether control never falls off its end."""
        nodes: list[Node] = []
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if self.small(small, scope, nodes, helper):
                        return nodes, True
            elif isinstance(stmt, cst.If):
                node, then_ends, else_ends = self.if_(stmt, scope, helper)
                if then_ends and else_ends:
                    nodes.append(node)
                    return nodes, True
                if then_ends or else_ends:  # fold the rest of the block into the open branch
                    rest, rest_ends = self.block(stmts[index + 1 :], scope, helper)
                    node = _extend_open_branch(node, then_ends, rest)
                    nodes.append(node)
                    return _compact(nodes), rest_ends
                nodes.append(node)
            else:
                nodes.extend(self.compound(stmt, scope, helper))
        return _compact(nodes), False

    def small(self, stmt, scope: Scope, nodes: list[Node], helper: bool) -> bool:
        """Append a simple statement's nodes; True when it ends the function."""
        if isinstance(stmt, cst.Return):
            if stmt.value is not None:
                nodes.extend(self.expr(stmt.value, scope))
            if not helper:
                nodes.append(Return())
            return True
        if isinstance(stmt, cst.Raise):
            if stmt.exc is not None:
                nodes.extend(self.expr(stmt.exc, scope))
            if not helper:
                nodes.append(Return())
            return True
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign)) and value is not None:
            found = self.expr(value, scope)
            nodes.extend(found)
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)):
                self._track_handle(stmt, value, scope)
            if any(isinstance(n, Step) and n.kind == "continue_as_new" for n in found):
                if not helper:
                    nodes.append(Return())
                return True
        return False

    def _track_handle(self, stmt, value, scope: Scope) -> None:
        call = value.expression if isinstance(value, cst.Await) else value
        if not isinstance(call, cst.Call):
            return
        classified = self.dialect.classify(call, scope)
        kind = classified.handle if isinstance(classified, StepCall) else getattr(classified, "handle", None)
        if kind is None:
            return
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, cst.Name):
                scope.handles[target.value] = kind

    def if_(self, stmt: cst.If, scope: Scope, helper: bool) -> tuple[Node, bool, bool]:
        then_nodes, then_ends = self.block(list(stmt.body.body), scope, helper)
        if isinstance(stmt.orelse, cst.If):
            node, a, b = self.if_(stmt.orelse, scope, helper)
            else_nodes, else_ends = [node], a and b
        elif isinstance(stmt.orelse, cst.Else):
            else_nodes, else_ends = self.block(list(stmt.orelse.body.body), scope, helper)
        else:
            else_nodes, else_ends = [], False
        test = stmt.test
        negated = False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, True
        patch = self._patch_call(test, scope)
        if patch is not None and not patch.deprecate:
            new, old = (else_nodes, then_nodes) if negated else (then_nodes, else_nodes)
            new_ends, old_ends = (else_ends, then_ends) if negated else (then_ends, else_ends)
            node = Patched(
                patch.id, Seq(tuple(new)), Seq(tuple(old)), negated=negated,
                path=scope.module.path, node=_call_of(test), src=scope.module,
            )
            # report "then/else ends" in source order for the caller's folding
            return node, (old_ends if negated else new_ends), (new_ends if negated else old_ends)
        cond_nodes = self.expr(stmt.test, scope)
        node = If(code_of(stmt.test), Seq(tuple(then_nodes)), Seq(tuple(else_nodes)))
        if cond_nodes:
            return Seq((*cond_nodes, node)), then_ends, else_ends
        return node, then_ends, else_ends

    def _patch_call(self, test: cst.BaseExpression, scope: Scope) -> PatchCall | None:
        call = _call_of(test)
        if isinstance(call, cst.Call):
            classified = self.dialect.classify(call, scope)
            if isinstance(classified, PatchCall):
                return classified
        return None

    def compound(self, stmt, scope: Scope, helper: bool) -> list[Node]:
        if isinstance(stmt, (cst.For, cst.While)):
            header = stmt.iter if isinstance(stmt, cst.For) else stmt.test
            pre = self.expr(header, scope)
            cond = code_of(stmt.target) + " in " + code_of(header) if isinstance(stmt, cst.For) else code_of(header)
            body, _ = self.block(list(stmt.body.body), scope, helper)
            orelse, _ = self.block(list(stmt.orelse.body.body), scope, helper) if stmt.orelse else ([], False)
            if not body and not orelse:
                return pre
            return [*pre, Loop(cond, Seq(tuple(body)), Seq(tuple(orelse)))]
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            body, _ = self.block(list(stmt.body.body), scope, helper)
            handlers = tuple(Seq(tuple(self.block(list(h.body.body), scope, helper)[0])) for h in stmt.handlers)
            orelse = self.block(list(stmt.orelse.body.body), scope, helper)[0] if stmt.orelse else []
            final = self.block(list(stmt.finalbody.body.body), scope, helper)[0] if stmt.finalbody else []
            node = Try(Seq(tuple(body)), handlers, Seq(tuple(orelse)), Seq(tuple(final)))
            return [] if is_empty(node) else [node]
        if isinstance(stmt, cst.With):
            pre = [n for item in stmt.items for n in self.expr(item.item, scope)]
            body, ends = self.block(list(stmt.body.body), scope, helper)
            return [*pre, *body]
        if isinstance(stmt, cst.Match):
            return self._match(stmt, scope, helper)
        return []  # nested def/class: defines, does not run

    def _match(self, stmt: cst.Match, scope: Scope, helper: bool) -> list[Node]:
        subject = code_of(stmt.subject)
        node: Node = Seq()
        for case in reversed(stmt.cases):
            body, _ = self.block(list(case.body.body), scope, helper)
            cond = f"match {subject}: case {code_of(case.pattern)}"
            node = If(cond, Seq(tuple(body)), node if isinstance(node, Seq) else Seq((node,)))
        return [*self.expr(stmt.subject, scope), node]

    # ---- expressions ------------------------------------------------------------------------
    def expr(self, node: cst.CSTNode, scope: Scope) -> list[Node]:
        if isinstance(node, cst.Call):
            return self.call(node, scope)
        if isinstance(node, cst.Await):
            inner = node.expression
            if isinstance(inner, cst.Call):
                return self.call(inner, scope, awaited=True)
            if isinstance(inner, cst.Name) and scope.handles.get(inner.value) in WAITABLE_HANDLES:
                return [Wait()]
            return self.expr(inner, scope)
        if isinstance(node, cst.Lambda) or isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return []
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            elt = node.elt if not isinstance(node, cst.DictComp) else node.value
            body = self.expr(elt, scope)
            pre = self.expr(node.for_in.iter, scope)
            if not body:
                return pre
            return [*pre, Loop(code_of(node.for_in), Seq(tuple(body)))]
        if isinstance(node, cst.IfExp):
            then, orelse = self.expr(node.body, scope), self.expr(node.orelse, scope)
            pre = self.expr(node.test, scope)
            if not then and not orelse:
                return pre
            return [*pre, If(code_of(node.test), Seq(tuple(then)), Seq(tuple(orelse)))]
        out: list[Node] = []
        for child in node.children:
            if isinstance(child, cst.CSTNode):
                out.extend(self.expr(child, scope))
        return out

    def call(self, call: cst.Call, scope: Scope, awaited: bool = False) -> list[Node]:
        classified = self.dialect.classify(call, scope)
        if isinstance(classified, WaitCall):
            return [*[n for a in call.args for n in self.expr(a.value, scope)], Wait()]
        if isinstance(classified, ParallelCall):
            branches = []
            for branch in classified.branches:
                found = self.expr(branch, scope)
                if found:
                    branches.append(Seq(tuple(found)))
            if not branches:
                return [Wait()] if awaited else []
            return [branches[0]] if len(branches) == 1 else [Parallel(tuple(branches))]
        if isinstance(classified, PatchCall):
            if classified.deprecate:
                return [DeprecatePatch(classified.id, path=scope.module.path, node=call, src=scope.module)]
            return [Patched(classified.id, Seq(), Seq(), path=scope.module.path, node=call, src=scope.module)]
        pre: list[Node] = []
        for arg in call.args:
            pre.extend(self.expr(arg.value, scope))
        if isinstance(classified, EngineCall):
            scope.unclassified.append(
                Unclassified(code_of(call.func), path=scope.module.path, node=call, src=scope.module)
            )
            return pre
        if isinstance(classified, StepCall):
            skip = 0 if classified.kind == "dbos_step" else 1  # Temporal: the first arg names the type
            args = ", ".join(_arg_text(a) for a in call.args[skip:])
            step = Step(
                classified.kind, classified.name, args=args, slots=classified.slots,
                path=scope.module.path, node=call, src=scope.module,
                awaited=awaited or not classified.deferred,
            )
            follow = [Step(classified.kind, name, args=args, path=scope.module.path, node=call, src=scope.module)
                      for name in classified.then]
            return [*pre, step, *follow]
        pre = self.expr(call.func, scope) + pre if not isinstance(call.func, (cst.Name, cst.Attribute)) else pre
        inlined = self.inline(call, scope)
        return pre + inlined

    def inline(self, call: cst.Call, scope: Scope) -> list[Node]:
        ref = self.helper_target(call, scope)
        if ref is None:
            return []
        key = f"{ref.module.path}:{ref.qualname}"
        if key in scope.stack or len(scope.stack) >= MAX_INLINE_DEPTH:
            return []
        return list(self.function(ref.node, scope.inner(ref), helper=True).items)

    def helper_target(self, call: cst.Call, scope: Scope) -> FunctionRef | None:
        """The repository function a call runs, when it is a plain helper (not a step)."""
        ref = resolve_callee(call.func, scope)
        if ref is None or self.dialect.is_step_function(ref):
            return None
        return ref


def resolve_callee(func: cst.BaseExpression, scope: Scope) -> FunctionRef | None:
    from patchlint.extract.repo import method_of

    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
        and scope.owner is not None
    ):
        method = method_of(scope.owner, func.attr.value)
        return FunctionRef(scope.module, method, scope.owner) if method is not None else None
    qualified = scope.module.imports.qualify(func)
    if qualified is None:
        return None
    found = scope.revision.resolve(qualified, scope.module)
    return found if isinstance(found, FunctionRef) else None


def _arg_text(arg: cst.Arg) -> str:
    prefix = f"{arg.keyword.value}=" if arg.keyword is not None else (arg.star or "")
    return prefix + code_of(arg.value)


def _call_of(test: cst.BaseExpression) -> cst.CSTNode:
    return test.expression if isinstance(test, cst.Await) else test


def _extend_open_branch(node: Node, then_ends: bool, rest: list[Node]) -> Node:
    """Append ``rest`` to whichever branch of an if/patched falls through."""
    if isinstance(node, Seq):  # condition steps followed by the If
        *pre, last = node.items
        return Seq((*pre, _extend_open_branch(last, then_ends, rest)))
    if isinstance(node, If):
        if then_ends:
            return If(node.cond, node.then, Seq((*node.orelse.items, *rest)), node.span)
        return If(node.cond, Seq((*node.then.items, *rest)), node.orelse, node.span)
    if isinstance(node, Patched):
        new_ends_in_source = then_ends if not node.negated else not then_ends
        if new_ends_in_source:
            return _replace_patched(node, node.new, Seq((*node.old.items, *rest)))
        return _replace_patched(node, Seq((*node.new.items, *rest)), node.old)
    return node


def _replace_patched(node: Patched, new: Seq, old: Seq) -> Patched:
    return Patched(node.id, new, old, node.span, node.negated, node.path, node.node, node.src)


def _compact(nodes: list[Node]) -> list[Node]:
    """Drop branches and loops that issue nothing; flatten nested sequences."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Seq):
            out.extend(_compact(list(node.items)))
        elif isinstance(node, (If, Loop, Try)) and is_empty(node):
            continue
        else:
            out.append(node)
    return out
