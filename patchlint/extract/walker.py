"""Turn a function body into a step program, with the engine-specific calls recognised by a dialect.

The walk is structural: statements in order, expressions in evaluation order. Early returns are
folded into the branches (``if c: return`` makes the rest of the block the ``else``), helper
functions are inlined (recursion cut off), and code that issues no step disappears.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

import libcst as cst

from patchlint.extract import apis
from patchlint.extract.names import dotted
from patchlint.extract.repo import ClassRef, FunctionRef, Revision
from patchlint.extract.source import SourceModule, bound_names, code_of
from patchlint.extract.traverse import children, walk
from patchlint.extract.values import UNKNOWN, ModuleScope, evaluate, items_of, iteration_count, truth
from patchlint.model.program import (
    CONTINUE_AS_NEW,
    DBOS_STEP,
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


@dataclass(frozen=True)
class HandleCall:
    """A call that returns a handle (not a step by itself): ``handle`` is its kind."""

    handle: str | None


Classified = StepCall | PatchCall | ParallelCall | WaitCall | EngineCall | HandleCall | None


def classify_row(row: apis.Api, call: cst.Call, scope: Scope, name_of, parallel_args) -> Classified:
    """What a call of the API table's ``row`` issues, by the row's effect (both dialects):
    ``name_of(rule, call, scope)`` names a step, ``parallel_args(call)`` lists gathered awaitables."""
    effect = row.effect
    if effect == apis.STEP:
        records = apis.records(row, call, scope)
        if records is None:
            return WaitCall()  # ``wait_condition`` without a timeout
        if not records:  # a zero-length sleep the engine skips; a handle without a lookup
            return HandleCall(row.handle) if row.handle else None
        return StepCall(
            row.kind, name_of(row.rule, call, scope), row.slots, handle=row.handle, then=row.then, deferred=row.deferred
        )
    if effect in (apis.PATCH, apis.DEPRECATE):
        return PatchCall(effect == apis.DEPRECATE, string_value(argument(call, row.rule.index, row.rule.keyword)))
    if effect == apis.WAIT:
        return WaitCall()
    if effect == apis.PARALLEL:
        return ParallelCall(parallel_args(call))
    if effect == apis.HANDLE:
        return HandleCall(row.handle)
    if effect == apis.UNMODELLED:
        return EngineCall()
    return None  # SILENT, OUTSIDE, DECORATOR


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
    forks: int = 0  # patch flags the walk is currently forked on
    unrolling: int = 0  # loops over known items currently copied out
    joined: set[str] = field(default_factory=set)  # tasks a Parallel of the walk already waits for
    # handles and tasks whose commands may not have left the activation yet: name → the nodes the
    # statement that bound it issued (``h = workflow.start_activity(...)``, ``t = create_task(...)``)
    pending: dict[str, tuple[Node, ...]] = field(default_factory=dict)

    def inner(self, ref: FunctionRef, bindings: dict[str, object] | None = None) -> Scope:
        key = f"{ref.module.path}:{ref.qualname}"
        self_class = None
        if ref.owner is not None and self.self_class is not None:
            if any(c.node is ref.owner for c in self.revision.mro(self.self_class)):
                self_class = self.self_class  # a method of self's own class hierarchy
        defining = ClassRef(ref.module, ref.owner) if ref.owner is not None else None
        return Scope(
            ref.module,
            self.revision,
            ref.owner,
            {},
            (*self.stack, key),
            self.unclassified,
            dict(bindings or {}),
            local_names(ref.node),
            self_class,
            defining,
            forks=self.forks,
            unrolling=self.unrolling,
        )

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
    bound, declared = _bindings_in([fn.body])
    return frozenset((names | bound) - declared)


def assigned_in(nodes) -> set[str]:
    """Every name the statements (or expressions) ``nodes`` bind, nested blocks included."""
    return _bindings_in(list(nodes))[0]


def _bindings_in(nodes: list) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    declared: set[str] = set()
    for node in walk(nodes, stop=(cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        kind = type(node)  # exact types: ``isinstance`` on libcst's ABCs is the slow part here
        if kind not in _BINDERS:
            continue
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            names.add(node.name.value)
        elif kind in (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr):
            names.update(bound_names(node.target))
        elif isinstance(node, cst.AsName):
            names.update(bound_names(node.name))
        elif isinstance(node, cst.Import):
            for alias in node.names:
                target = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(target, cst.Attribute):
                    target = target.value
                names.update(bound_names(target))
        elif isinstance(node, cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    target = alias.asname.name if alias.asname is not None else alias.name
                    names.update(bound_names(target))
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)):
            if node.name is not None:
                names.add(node.name.value)
        elif isinstance(node, cst.MatchMapping):
            if node.rest is not None:
                names.add(node.rest.value)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            declared.update(n.name.value for n in node.names)
    return names, declared


_BINDERS = frozenset(
    {
        cst.FunctionDef,
        cst.ClassDef,
        cst.AssignTarget,
        cst.AnnAssign,
        cst.AugAssign,
        cst.For,
        cst.NamedExpr,
        cst.AsName,
        cst.Import,
        cst.ImportFrom,
        cst.MatchAs,
        cst.MatchStar,
        cst.MatchMapping,
        cst.Global,
        cst.Nonlocal,
    }
)


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


MAX_ITEMS_PARALLEL = 256  # longest gather over known items expanded branch by branch
MAX_UNROLL = 16  # longest loop over known items copied out item by item
MAX_UNROLL_DEPTH = 2  # loops copied out inside loops copied out
MAX_PATCH_FORKS = 4  # ``flag = patched(...)``: the rest of the block is walked once per value


class Walker:
    def __init__(self, dialect: Dialect):
        self.dialect = dialect

    # ---- statements -------------------------------------------------------------------------
    def function(self, fn: cst.FunctionDef, scope: Scope, helper: bool = False) -> Seq:
        if not scope.locals:
            scope.locals = local_names(fn)
        nodes, _ = self.block(list(fn.body.body), scope, helper)  # an indented block or a one-line suite
        return Seq(tuple(nodes))

    def block(self, stmts: list, scope: Scope, helper: bool) -> tuple[list[Node], bool]:
        """Nodes of a statement list, and whether control never falls off its end."""
        # a one-line body (``def f(): a()``, ``if x: a(); b()``) holds small statements directly
        stmts = [cst.SimpleStatementLine(body=[s]) if isinstance(s, cst.BaseSmallStatement) else s for s in stmts]
        nodes: list[Node] = []
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, cst.SimpleStatementLine):
                task = self._task_start(stmt, stmts[index + 1 :], scope)
                if task is not None:
                    tasks, following = [task], index + 1
                    while following < len(stmts) and isinstance(stmts[following], cst.SimpleStatementLine):
                        more = self._task_start(stmts[following], stmts[following + 1 :], scope)
                        if more is None:
                            break
                        tasks.append(more)
                        following += 1
                    found, ends = self._concurrent_tasks(tasks, stmts[following:], scope, helper)
                    nodes.extend(found)
                    return _compact(nodes), ends
                for position, small in enumerate(stmt.body):
                    flag = self._patch_flag(small, scope)
                    if flag is not None:
                        rest = list(stmts[index + 1 :])
                        if position + 1 < len(stmt.body):
                            rest.insert(0, stmt.with_changes(body=stmt.body[position + 1 :]))
                        if _mentions(rest, flag[0]):
                            # fork only up to the flag's last use: what follows runs the same way
                            last = max(i for i, st in enumerate(rest) if _mentions([st], flag[0]))
                            node, new_ends, old_ends = self._fork_on_patch(flag, rest[: last + 1], scope, helper)
                            if new_ends and old_ends:
                                nodes.append(node)
                                return _compact(nodes), True
                            after, after_ends = self.block(rest[last + 1 :], scope, helper)
                            if new_ends or old_ends:  # the rest follows only the branch that goes on
                                nodes.append(_extend_open_branch(node, new_ends, after))
                            else:
                                nodes.extend([node, *after])
                            return _compact(nodes), after_ends
                    if self.small(small, scope, nodes, helper):
                        return _compact(nodes), True
            elif isinstance(stmt, cst.If):
                node, then_ends, else_ends = self.if_(stmt, scope, helper)
                if then_ends and else_ends:
                    nodes.append(node)
                    return _compact(nodes), True
                if then_ends or else_ends:  # fold the rest of the block into the open branch
                    rest, rest_ends = self.block(stmts[index + 1 :], scope, helper)
                    node = _extend_open_branch(node, then_ends, rest)
                    nodes.append(node)
                    return _compact(nodes), rest_ends
                nodes.append(node)
            else:
                nodes.extend(self.compound(stmt, scope, helper))
        return _compact(nodes), False

    def _task_start(self, stmt: cst.SimpleStatementLine, rest: list, scope: Scope):
        """``t = asyncio.create_task(coro)`` (a line of its own, ``t`` never cancelled later in the
        block): the task's name and its coroutine expression."""
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign) or len(stmt.body[0].targets) != 1:
            return None
        target, value = stmt.body[0].targets[0].target, stmt.body[0].value
        if not isinstance(target, cst.Name) or not isinstance(value, cst.Call) or not self._is_task(value, scope):
            return None
        coro = argument(value, 0, "coro")
        if coro is None or _cancels(rest, target.value):
            return None
        return target.value, coro

    def _concurrent_tasks(self, tasks, rest: list, scope: Scope, helper: bool) -> tuple[list[Node], bool]:
        """Tasks run beside their creator: the creator goes on until it first waits, then the tasks
        start in the order they were created — the order ``Parallel`` gives its branches — and all
        are joined at the first ``await`` of one of them (``await t``, ``gather(t1, t2)``), or run
        side by side to the end of the block when none is awaited in it."""
        branches = []
        for name, coro in tasks:
            branches.append(self.expr(coro, scope))
            _forget({name}, scope)
            scope.pending.pop(name, None)
        names = [name for name, _ in tasks]
        scope.joined.update(names)  # the Parallel waits for them: awaiting them later is no new wait
        join = next((i for i, stmt in enumerate(rest) if any(_awaits_name(stmt, n) for n in names)), len(rest))
        main, main_ends = self.block(list(rest[:join]), scope, helper)
        parts = [b for b in ([main] if main else []) + branches if b]
        if len(parts) <= 1:
            found = parts[0] if parts else []
        else:
            found = [Parallel(tuple(Seq(tuple(b)) for b in parts))]
        if main_ends or join >= len(rest):
            return found, main_ends
        after, ends = self.block(list(rest[join:]), scope, helper)
        return [*found, *after], ends

    def _patch_flag(self, small, scope: Scope) -> tuple[str, PatchCall, cst.Call] | None:
        """``flag = workflow.patched("id")`` (or ``DBOS.patch``): the name and the patch."""
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target = small.target
        else:
            return None
        if not isinstance(target, cst.Name) or scope.forks >= MAX_PATCH_FORKS:
            return None
        call = _call_of(small.value)
        if not isinstance(call, cst.Call):
            return None
        classified = self.dialect.classify(call, scope)
        if isinstance(classified, PatchCall) and not classified.deprecate:
            return target.value, classified, call
        return None

    def _fork_on_patch(self, flag, rest: list, scope: Scope, helper: bool) -> tuple[Patched, bool, bool]:
        """The rest of the block after ``flag = patched(id)``, once with ``flag`` True (the new
        code) and once False (the old), joined as a ``Patched`` at the call: Python runs exactly
        one of the two, and every later ``if flag:`` is then a branch Python fixes."""
        name, patch, call = flag
        saved, handles = dict(scope.bindings), dict(scope.handles)
        scope.forks += 1
        try:
            scope.bindings[name] = True
            new, new_ends = self.block(rest, scope, helper)
            after_new, handles_new = scope.bindings, scope.handles
            scope.bindings, scope.handles = dict(saved), dict(handles)
            scope.bindings[name] = False
            old, old_ends = self.block(rest, scope, helper)
        finally:
            scope.forks -= 1
        after_old = scope.bindings
        scope.bindings = _merge(after_new, after_old)
        scope.handles = {k: v for k, v in scope.handles.items() if handles_new.get(k) == v}
        node = Patched(patch.id, Seq(tuple(new)), Seq(tuple(old)), path=scope.module.path, node=call, src=scope.module)
        if new_ends and not old_ends:
            scope.bindings = after_old
        elif old_ends and not new_ends:
            scope.bindings = after_new
        return node, new_ends, old_ends

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
        if isinstance(stmt, (cst.Continue, cst.Break)):
            # the rest of the loop body does not run in this iteration: it folds into the other
            # branch of the ``if`` around it, as an early return does for a function
            return True
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign)) and value is not None:
            if isinstance(stmt, cst.Expr) and self._cancel_unsent(value, scope, nodes):
                return False
            found = self.expr(value, scope)
            nodes.extend(found)
            self._forget_mutated(value, scope)
            self._bind(stmt, value, scope)
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)):
                self._track_handle(stmt, value, scope)
                self._track_pending(stmt, value, found, scope)
            if any(isinstance(n, Step) and n.kind == CONTINUE_AS_NEW for n in found):
                if not helper:
                    nodes.append(Return())
                return True
            return False
        _forget(assigned_in([stmt]), scope)  # del, import, global…: values only the run knows
        if isinstance(stmt, cst.Del):
            _forget(_names_in(stmt.target), scope)
        return False

    def _bind(self, stmt, value, scope: Scope) -> None:
        """Record what Python binds: ``x = <value Python fixes>``; anything else forgets."""
        known = scope.value(value) if isinstance(stmt, (cst.Assign, cst.AnnAssign)) else UNKNOWN
        if isinstance(stmt, cst.Assign):
            targets = [t.target for t in stmt.targets]
        elif isinstance(stmt, (cst.AnnAssign, cst.AugAssign)):
            targets = [stmt.target]
        else:
            targets = []
        _forget(assigned_in([value]), scope)  # walrus
        for target in targets:
            _assign(target, known, scope)

    def _forget_mutated(self, value, scope: Scope) -> None:
        """A known list/dict/set handed to a call (``items.append(x)``, ``helper(items)``) may be
        changed by it: from here on its value is the run's."""
        mutable = {k for k, v in scope.bindings.items() if isinstance(v, (list, dict, set))}
        if not mutable:
            return
        touched: set[str] = set()
        for node in walk(value):
            if isinstance(node, cst.Call):
                func = node.func
                while isinstance(func, (cst.Attribute, cst.Subscript)):
                    func = func.value
                    if isinstance(func, cst.Name):
                        touched.add(func.value)
                for arg in node.args:
                    touched.update(_names_in(arg.value))
        _forget(touched & mutable, scope)

    def _track_pending(self, stmt, value, found: list[Node], scope: Scope) -> None:
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for target in targets:
            for name in bound_names(target):
                scope.pending.pop(name, None)
        if len(targets) != 1 or not isinstance(targets[0], cst.Name) or not found:
            return
        if not isinstance(value, cst.Call):
            return  # an awaited start has left the activation already
        name = targets[0].value
        if scope.handles.get(name) == "activity" or self._is_task(value, scope):
            scope.pending[name] = tuple(found)

    def _is_task(self, call: cst.Call, scope: Scope) -> bool:
        qualified = scope.module.imports.qualify(call.func)
        if qualified in ("asyncio.create_task", "asyncio.ensure_future"):
            return True
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == "create_task"

    def _cancel_unsent(self, value, scope: Scope, nodes: list[Node]) -> bool:
        """``h.cancel()`` of an activity started, or a task created, earlier in the same
        activation: sdk-core drops a command cancelled before its activation completes, so the
        engine records nothing of it (pinned by an engine test). True when the commands were
        dropped from ``nodes``."""
        if not (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "cancel"
            and isinstance(value.func.value, cst.Name)
        ):
            return False
        issued = scope.pending.pop(value.func.value.value, None)
        if not issued:
            return False
        positions = [next((i for i, n in enumerate(nodes) if n is node), None) for node in issued]
        if any(p is None for p in positions) or positions != list(range(positions[0], positions[0] + len(issued))):
            return False  # issued in another block: whether the activation ended meanwhile is the run's
        after = nodes[positions[-1] + 1 :]
        if not all(_stays_in_activation(n) for n in after):
            return False
        del nodes[positions[0] : positions[-1] + 1]
        return True

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
        known = truth(stmt.test, scope)
        if known is not None:  # Python takes one branch, whatever the run
            if known:
                nodes, ends = self.block(list(stmt.body.body), scope, helper)
            elif isinstance(stmt.orelse, cst.If):
                return self.if_(stmt.orelse, scope, helper)
            elif isinstance(stmt.orelse, cst.Else):
                nodes, ends = self.block(list(stmt.orelse.body.body), scope, helper)
            else:
                nodes, ends = [], False
            return Seq(tuple(nodes)), ends, ends
        saved = dict(scope.bindings)
        then_nodes, then_ends = self.block(list(stmt.body.body), scope, helper)
        after_then = scope.bindings
        scope.bindings = dict(saved)
        if isinstance(stmt.orelse, cst.If):
            node, a, b = self.if_(stmt.orelse, scope, helper)
            else_nodes, else_ends = [node], a and b
        elif isinstance(stmt.orelse, cst.Else):
            else_nodes, else_ends = self.block(list(stmt.orelse.body.body), scope, helper)
        else:
            else_nodes, else_ends = [], False
        # after the if: what both branches that fall through agree on
        if then_ends and not else_ends:
            pass
        elif else_ends and not then_ends:
            scope.bindings = after_then
        else:
            scope.bindings = _merge(after_then, scope.bindings)
        test = stmt.test
        negated = False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, True
        patch = self._patch_call(test, scope)
        if patch is not None and not patch.deprecate:
            new, old = (else_nodes, then_nodes) if negated else (then_nodes, else_nodes)
            new_ends, old_ends = (else_ends, then_ends) if negated else (then_ends, else_ends)
            node = Patched(
                patch.id,
                Seq(tuple(new)),
                Seq(tuple(old)),
                negated=negated,
                path=scope.module.path,
                node=_call_of(test),
                src=scope.module,
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
        if isinstance(stmt, cst.For):
            pre = self.expr(stmt.iter, scope)
            count = iteration_count(stmt.iter, scope)
            unrolled = self._unrolled(stmt, scope, helper)
            if unrolled is not None:
                return [*pre, *unrolled]
            changed = assigned_in([stmt.target, stmt.body]) | set(bound_names(stmt.target))
            _forget(changed, scope)  # each iteration rebinds them
            cond = code_of(stmt.target) + " in " + code_of(stmt.iter)
            body, _ = self.block(list(stmt.body.body), scope, helper)
            _forget(changed, scope)
            if _breaks(stmt.body):
                count = None  # the run decides when to leave
            orelse, _ = self.block(list(stmt.orelse.body.body), scope, helper) if stmt.orelse else ([], False)
            if count == 0:  # never iterates: only the ``else`` runs
                return [*pre, *orelse]
            if not body and not orelse:
                return pre
            return [*pre, Loop(cond, Seq(tuple(body)), Seq(tuple(orelse)), count=count)]
        if isinstance(stmt, cst.While):
            if truth(stmt.test, scope) is False:  # the test fails at once: only the ``else`` runs
                return self.block(list(stmt.orelse.body.body), scope, helper)[0] if stmt.orelse else []
            changed = assigned_in([stmt.body])
            _forget(changed, scope)
            pre = self.expr(stmt.test, scope)
            body, _ = self.block(list(stmt.body.body), scope, helper)
            _forget(changed, scope)
            orelse, _ = self.block(list(stmt.orelse.body.body), scope, helper) if stmt.orelse else ([], False)
            if not body and not orelse:
                return pre
            return [*pre, Loop(code_of(stmt.test), Seq(tuple(body)), Seq(tuple(orelse)))]
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            body, _ = self.block(list(stmt.body.body), scope, helper)
            _forget(assigned_in([stmt.body]), scope)  # a handler may start anywhere in the body
            handlers = []
            for handler in stmt.handlers:
                handlers.append(Seq(tuple(self.block(list(handler.body.body), scope, helper)[0])))
                _forget(assigned_in([handler]), scope)
            orelse = self.block(list(stmt.orelse.body.body), scope, helper)[0] if stmt.orelse else []
            _forget(assigned_in([stmt.orelse]) if stmt.orelse else set(), scope)
            final = self.block(list(stmt.finalbody.body.body), scope, helper)[0] if stmt.finalbody else []
            node = Try(Seq(tuple(body)), tuple(handlers), Seq(tuple(orelse)), Seq(tuple(final)))
            return [] if is_empty(node) else [node]
        if isinstance(stmt, cst.With):
            pre = [n for item in stmt.items for n in self.expr(item.item, scope)]
            for item in stmt.items:
                if item.asname is not None:
                    _assign(item.asname.name, UNKNOWN, scope)
            body, _ = self.block(list(stmt.body.body), scope, helper)
            return [*pre, *body]
        if isinstance(stmt, cst.Match):
            found = self._match(stmt, scope, helper)
            _forget(assigned_in([stmt]), scope)
            return found
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            _forget({stmt.name.value}, scope)
        return []  # nested def/class: defines, does not run

    def _unrolled(self, stmt: cst.For, scope: Scope, helper: bool) -> list[Node] | None:
        """``for x in ("a", "b"): <body using x>``: when Python fixes the items and what the body
        issues depends on the item (an activity named by ``x``), one copy of the body per item,
        in order. None when a ``Loop`` says it as well (or only the run knows)."""
        if _breaks(stmt.body) or _continues(stmt.body) or stmt.orelse is not None:
            return None
        items = items_of(stmt.iter, scope)
        if not items or len(items) > MAX_UNROLL or any(i is UNKNOWN for i in items):
            return None
        if not _mentions([stmt.body], *bound_names(stmt.target)):
            return None
        if scope.unrolling >= MAX_UNROLL_DEPTH:
            return None
        changed = assigned_in([stmt.target, stmt.body]) | set(bound_names(stmt.target))
        saved, handles = dict(scope.bindings), dict(scope.handles)
        copies = []
        scope.unrolling += 1
        try:
            for item in items:
                _forget(changed - set(bound_names(stmt.target)), scope)
                _assign(stmt.target, item, scope)
                body, _ = self.block(list(stmt.body.body), scope, helper)
                copies.append(body)
        finally:
            scope.unrolling -= 1
        if all(copy == copies[0] for copy in copies):
            scope.bindings, scope.handles = saved, handles
            return None  # the same steps every time: a counted Loop says it
        _forget(changed, scope)
        return [node for copy in copies for node in copy]

    def _match(self, stmt: cst.Match, scope: Scope, helper: bool) -> list[Node]:
        subject = code_of(stmt.subject)
        node: Node = Seq()
        saved = dict(scope.bindings)
        for case in reversed(stmt.cases):
            scope.bindings = dict(saved)
            body, _ = self.block(list(case.body.body), scope, helper)
            cond = f"match {subject}: case {code_of(case.pattern)}"
            node = If(cond, Seq(tuple(body)), node if isinstance(node, Seq) else Seq((node,)))
        scope.bindings = saved
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
            return self._comprehension(node, scope)
        if isinstance(node, cst.IfExp):
            known = truth(node.test, scope)
            if known is not None:
                return self.expr(node.body if known else node.orelse, scope)
            then, orelse = self.expr(node.body, scope), self.expr(node.orelse, scope)
            pre = self.expr(node.test, scope)
            if not then and not orelse:
                return pre
            return [*pre, If(code_of(node.test), Seq(tuple(then)), Seq(tuple(orelse)))]
        if isinstance(node, cst.BooleanOperation):  # the right operand runs only if the left lets it
            left = self.expr(node.left, scope)
            known = truth(node.left, scope)
            is_and = isinstance(node.operator, cst.And)
            if known is not None:
                return left + (self.expr(node.right, scope) if known == is_and else [])
            right = self.expr(node.right, scope)
            if not right:
                return left
            cond = code_of(node.left)
            branch = If(cond, Seq(tuple(right)), Seq()) if is_and else If(cond, Seq(), Seq(tuple(right)))
            return [*left, branch]
        out: list[Node] = []
        for child in children(node):
            out.extend(self.expr(child, scope))
        return out

    def _comprehension(self, node, scope: Scope) -> list[Node]:
        """``[f(x) for x in xs if c for y in ys]``: one loop per ``for``, its ``if`` clauses as
        branches inside it; the first iterable runs in the enclosing scope, once."""
        levels = []
        comp = node.for_in
        while comp is not None:
            levels.append(comp)
            comp = comp.inner_for_in
        pre = self.expr(levels[0].iter, scope)
        first_count = iteration_count(levels[0].iter, scope)
        saved = dict(scope.bindings)
        targets = set()
        for level in levels:
            targets |= set(bound_names(level.target)) | assigned_in([level])
        targets |= assigned_in([node.elt if not isinstance(node, cst.DictComp) else node.value])
        _forget(targets, scope)  # the comprehension's own variables, one value per iteration
        elt = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        body: list[Node] = [n for e in elt for n in self.expr(e, scope)]
        for depth in range(len(levels) - 1, -1, -1):
            level = levels[depth]
            for clause in reversed(level.ifs):
                test = self.expr(clause.test, scope)
                body = [*test, If(code_of(clause.test), Seq(tuple(body)), Seq())] if body else test
            if depth == 0:
                count = first_count
                inner_pre: list[Node] = []
            else:
                count = iteration_count(level.iter, scope)
                inner_pre = self.expr(level.iter, scope)
            if body:
                header = f"{code_of(level.target)} in {code_of(level.iter)}"
                body = [Loop(header, Seq(tuple(_compact(body))), count=count)]
                if count == 0:
                    body = []
            body = [*inner_pre, *body]
        scope.bindings = saved
        return [*pre, *body]

    def _parallel_branches(self, branch: cst.BaseExpression, scope: Scope) -> list[list[Node]]:
        """``gather(*(f(x) for x in ITEMS))``: one branch per item when Python fixes the items
        (all started in one go, as gather does), else the expression as one branch."""
        if isinstance(branch, (cst.GeneratorExp, cst.ListComp)):
            comp = branch.for_in
            if comp.inner_for_in is None and not comp.ifs and not comp.asynchronous:
                items = items_of(comp.iter, scope)
                if items is not None and len(items) <= MAX_ITEMS_PARALLEL:
                    pre = self.expr(comp.iter, scope)
                    saved = dict(scope.bindings)
                    out = []
                    for item in items:
                        _forget(assigned_in([branch.elt]), scope)
                        _assign(comp.target, item, scope)
                        out.append(self.expr(branch.elt, scope))
                    scope.bindings = saved
                    if pre:
                        out = [pre + out[0], *out[1:]] if out else [pre]
                    return out
        return [self.expr(branch, scope)]

    def call(self, call: cst.Call, scope: Scope, awaited: bool = False) -> list[Node]:
        classified = self.dialect.classify(call, scope)
        if isinstance(classified, WaitCall):
            return [*[n for a in call.args for n in self.expr(a.value, scope)], Wait()]
        if isinstance(classified, ParallelCall):
            branches = []
            for branch in classified.branches:
                for found in self._parallel_branches(branch, scope):
                    if found:
                        branches.append(Seq(tuple(found)))
            if not branches:
                joined = all(isinstance(b, cst.Name) and b.value in scope.joined for b in classified.branches)
                return [Wait()] if awaited and not joined else []
            return [branches[0]] if len(branches) == 1 else [Parallel(tuple(branches))]
        if isinstance(classified, PatchCall):
            if classified.deprecate:
                return [DeprecatePatch(classified.id, path=scope.module.path, node=call, src=scope.module)]
            return [Patched(classified.id, Seq(), Seq(), path=scope.module.path, node=call, src=scope.module)]
        # Python evaluates a computed receiver first: ``DBOS.start_workflow(f).get_result()``
        # starts the child, then waits for it
        pre: list[Node] = self._receiver(call, scope)
        for arg in call.args:
            pre.extend(self.expr(arg.value, scope))
        if isinstance(classified, EngineCall):
            scope.unclassified.append(
                Unclassified(code_of(call.func), path=scope.module.path, node=call, src=scope.module)
            )
            return pre
        if isinstance(classified, StepCall):
            skip = 0 if classified.kind == DBOS_STEP else 1  # Temporal: the first arg names the type
            args = ", ".join(_arg_text(a) for a in call.args[skip:])
            step = Step(
                classified.kind,
                classified.name,
                args=args,
                slots=classified.slots,
                path=scope.module.path,
                node=call,
                src=scope.module,
                awaited=awaited or not classified.deferred,
            )
            follow = [
                Step(classified.kind, name, args=args, path=scope.module.path, node=call, src=scope.module)
                for name in classified.then
            ]
            return [*pre, step, *follow]
        if classified is not None:  # a handle or another call the dialect knows issues nothing
            return pre
        pre = self.expr(call.func, scope) + pre if not isinstance(call.func, (cst.Name, cst.Attribute)) else pre
        inlined = self.inline(call, scope)
        return pre + inlined

    def _receiver(self, call: cst.Call, scope: Scope) -> list[Node]:
        """What evaluating the object a method is called on issues, when it is computed (a call,
        an await) rather than a plain name or dotted name."""
        func = call.func
        if isinstance(func, cst.Attribute) and dotted(func.value) is None:
            return self.expr(func.value, scope)
        return []

    def inline(self, call: cst.Call, scope: Scope) -> list[Node]:
        ref = self.helper_target(call, scope)
        if ref is None:
            return []
        key = f"{ref.module.path}:{ref.qualname}"
        if key in scope.stack or len(scope.stack) >= MAX_INLINE_DEPTH:
            return []
        inner = scope.inner(ref, bind_arguments(call, ref, scope))
        return list(self.function(ref.node, inner, helper=True).items)

    def helper_target(self, call: cst.Call, scope: Scope) -> FunctionRef | None:
        """The repository function a call runs, when it is a plain helper (not a step)."""
        ref = resolve_callee(call.func, scope)
        if ref is None or self.dialect.is_step_function(ref):
            return None
        return ref


def bind_arguments(call: cst.Call, ref: FunctionRef, scope: Scope) -> dict[str, object]:
    """The helper's parameters bound to the values Python passes them (``UNKNOWN`` where only the
    run knows): positional, keyword, ``*args``/``**kwargs``, defaults (evaluated where the
    ``def`` is, as Python does once at definition time)."""
    params = ref.node.params
    positional = [*params.posonly_params, *params.params]
    bindings: dict[str, object] = {}
    if _implicit_first(call, ref) and positional:
        bindings[positional[0].name.value] = UNKNOWN
        positional = positional[1:]
    args: list[object] = []
    keywords: dict[str, object] = {}
    opaque = False  # a ``*x``/``**x`` whose contents only the run knows
    for arg in call.args:
        value = scope.value(arg.value)
        if arg.star == "*":
            if isinstance(value, (tuple, list, range, str)):
                args.extend(value)
            else:
                opaque = True
        elif arg.star == "**":
            if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                keywords.update(value)
            else:
                opaque = True
        elif arg.keyword is not None:
            keywords[arg.keyword.value] = value
        else:
            args.append(value)
    everything = [p.name.value for p in (*positional, *params.kwonly_params)]
    everything += [p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    if opaque:
        return {**bindings, **{name: UNKNOWN for name in everything}}
    for param, value in zip(positional, args):
        bindings[param.name.value] = value
    extra = args[len(positional) :]
    if isinstance(params.star_arg, cst.Param):
        bindings[params.star_arg.name.value] = tuple(extra) if all(v is not UNKNOWN for v in extra) else UNKNOWN
    rest: dict[str, object] = {}
    for name, value in keywords.items():
        if name in bindings or name not in everything or name in (p.name.value for p in params.posonly_params):
            rest[name] = value
        else:
            bindings[name] = value
    if isinstance(params.star_kwarg, cst.Param):
        known = all(v is not UNKNOWN for v in rest.values())
        bindings[params.star_kwarg.name.value] = dict(rest) if known else UNKNOWN
    for param in (*positional, *params.kwonly_params):
        name = param.name.value
        if name not in bindings:
            bindings[name] = _default(param, ref, scope)
    return bindings


def _implicit_first(call: cst.Call, ref: FunctionRef) -> bool:
    """Whether Python passes the first parameter itself (``self``/``cls`` of a bound method)."""
    if ref.owner is None:
        return False
    names = {_decorator_text(d) for d in ref.node.decorators}
    if "staticmethod" in names:
        return False
    if "classmethod" in names:
        return True
    func = call.func
    if isinstance(func, cst.Attribute):
        owner = func.value
        if isinstance(owner, cst.Name) and owner.value == ref.owner.name.value:
            return False  # ``Class.method(obj, ...)``: a plain function
        return True
    return False


def _decorator_text(decorator: cst.Decorator) -> str:
    expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
    return dotted(expr) or ""


def _default(param: cst.Param, ref: FunctionRef, scope: Scope) -> object:
    if param.default is None:
        return UNKNOWN
    if ref.owner is not None and _names_in(param.default) & assigned_in([ref.owner.body]):
        return UNKNOWN  # a name of the class body, not of the module
    return evaluate(param.default, ModuleScope(ref.module, scope.revision))


def _assign(target: cst.CSTNode, value: object, scope: Scope) -> None:
    if isinstance(target, cst.Name):
        scope.bindings[target.value] = value
    elif isinstance(target, (cst.Tuple, cst.List)):
        elements = target.elements
        starred = any(isinstance(e, cst.StarredElement) for e in elements)
        if not starred and isinstance(value, (tuple, list, str, range)) and len(value) == len(elements):
            for element, item in zip(elements, value):
                _assign(element.value, item, scope)
        else:
            _forget(set(bound_names(target)), scope)
    elif isinstance(target, cst.StarredElement):
        _assign(target.value, UNKNOWN, scope)
    else:  # ``x[i] = …``, ``x.a = …``: the object changes
        base = target
        while isinstance(base, (cst.Attribute, cst.Subscript)):
            base = base.value
        if isinstance(base, cst.Name):
            _forget({base.value}, scope)


def _forget(names, scope: Scope) -> None:
    for name in names:
        scope.bindings[name] = UNKNOWN


def _merge(a: dict[str, object], b: dict[str, object]) -> dict[str, object]:
    """Bindings after two paths join: a value only where both paths agree (same type, equal)."""
    out = {}
    for name in set(a) | set(b):
        x, y = a.get(name, UNKNOWN), b.get(name, UNKNOWN)
        same = x is not UNKNOWN and y is not UNKNOWN and type(x) is type(y) and x == y
        out[name] = x if same else UNKNOWN
    return out


def _names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


def _cancels(stmts: list, name: str) -> bool:
    """Whether ``name.cancel()`` appears in the statements."""
    for node in walk(stmts):
        if isinstance(node, cst.Call):
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == "cancel"
                and isinstance(func.value, cst.Name)
                and func.value.value == name
            ):
                return True
    return False


def _awaits_name(stmt: cst.CSTNode, name: str) -> bool:
    """A simple statement that awaits the task ``name`` (``await t``, ``x = await t``,
    ``await asyncio.gather(t, …)``, ``await asyncio.wait([t, …])``)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    return any(isinstance(node, cst.Await) and name in _names_in(node.expression) for node in walk(stmt))


def _stays_in_activation(node: Node) -> bool:
    """Nodes that end no activation: commands issued without waiting, patch markers, upserts."""
    if isinstance(node, Step):
        return not node.awaited or node.kind in ("upsert_search_attributes", "upsert_memo")
    if isinstance(node, Patched):
        return is_empty(node.new) and is_empty(node.old)
    return isinstance(node, DeprecatePatch)


def _mentions(stmts: list, *names: str) -> bool:
    return any(set(names) & _names_in(stmt) for stmt in stmts)


def _continues(body: cst.CSTNode) -> bool:
    """Whether a loop body skips to the next iteration with ``continue`` (nested loops aside)."""
    return any(isinstance(node, cst.Continue) for node in walk(body, stop=_LOOP_SCOPE))


def _breaks(body: cst.CSTNode) -> bool:
    """Whether a loop body can leave the loop early with ``break`` (not counting nested loops)."""
    return any(isinstance(node, cst.Break) for node in walk(body, stop=_LOOP_SCOPE))


_LOOP_SCOPE = (cst.For, cst.While, cst.FunctionDef, cst.ClassDef)  # where break/continue are not ours


def resolve_callee(func: cst.BaseExpression, scope: Scope) -> FunctionRef | None:
    """The repository function a callee expression names: ``self.m``/``cls.m`` through the MRO of
    the concrete class, ``super().m`` from the defining class's place in it, module functions and
    ``Class.method`` through imports."""
    from patchlint.extract.repo import method_of

    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        if func.value.value in scope.bindings and scope.bindings[func.value.value] is not UNKNOWN:
            return None
        if scope.self_class is not None:
            return scope.revision.find_method(scope.self_class, func.attr.value)
        if scope.defining is not None:
            return scope.revision.find_method(scope.defining, func.attr.value)
        if scope.owner is not None:
            method = method_of(scope.owner, func.attr.value)
            if method is not None:
                return FunctionRef(scope.module, method, scope.owner)
            return scope.revision.find_method(ClassRef(scope.module, scope.owner), func.attr.value)
        return None
    if isinstance(func, cst.Attribute) and _is_super(func.value, scope):
        defining = scope.defining or (ClassRef(scope.module, scope.owner) if scope.owner is not None else None)
        if defining is None:
            return None
        return scope.revision.find_method(scope.self_class or defining, func.attr.value, after=defining)
    qualified = scope.module.imports.qualify(func)
    if qualified is None:
        return None
    found = scope.revision.resolve(qualified, scope.module)
    return found if isinstance(found, FunctionRef) else None


def _is_super(node: cst.BaseExpression, scope: Scope) -> bool:
    """``super()`` (or ``super(Cls, self)`` naming the defining class) in a method."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"):
        return False
    if "super" in scope.bindings or "super" in scope.module.imports.names or "super" in scope.module.functions:
        return False
    if not node.args:
        return True
    first = node.args[0].value
    owner = scope.defining.node if scope.defining is not None else scope.owner
    return len(node.args) == 2 and isinstance(first, cst.Name) and owner is not None and first.value == owner.name.value


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
            return replace(node, orelse=Seq((*node.orelse.items, *rest)))
        return replace(node, then=Seq((*node.then.items, *rest)))
    if isinstance(node, Patched):
        new_ends_in_source = then_ends if not node.negated else not then_ends
        if new_ends_in_source:
            return replace(node, old=Seq((*node.old.items, *rest)))
        return replace(node, new=Seq((*node.new.items, *rest)))
    return node


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
