"""The Temporal Python SDK dialect: which calls issue which commands, and where workflows are."""

from __future__ import annotations

import libcst as cst

from patchlint.extract import apis
from patchlint.extract.names import dotted
from patchlint.extract.repo import ClassRef, FunctionRef, method_of
from patchlint.extract.source import SourceModule
from patchlint.extract.walker import (
    EngineCall,
    Scope,
    argument,
    classify_row,
    string_value,
)

WF = "temporalio.workflow."
ASYNCIO = "asyncio."


def _decorator_name(decorator: cst.Decorator, module: SourceModule) -> str | None:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    return module.imports.qualify(expr)


def _decorator_kwarg(decorator: cst.Decorator, key: str) -> str | None:
    if isinstance(decorator.decorator, cst.Call):
        return string_value(argument(decorator.decorator, 99, key))
    return None


def has_decorator(node, module: SourceModule, qualified: str) -> cst.Decorator | None:
    for decorator in node.decorators:
        if _decorator_name(decorator, module) == qualified:
            return decorator
    return None


class TemporalDialect:
    engine = "temporal"

    def classify(self, call: cst.Call, scope: Scope):
        row, engine_object = self._row(call, scope)
        if row is None:
            return EngineCall() if engine_object else None
        return self._apply(row, call, scope)

    def _row(self, call: cst.Call, scope: Scope) -> tuple[apis.Api | None, bool]:
        """The table row of the API a call reaches, and whether it reaches an engine object at all."""
        name = scope.module.imports.qualify(call.func)
        if name is not None and name.startswith(WF):
            head, _, rest = name[len(WF) :].partition(".")
            row = apis.lookup(apis.TEMPORAL, "workflow", head)
            if rest:  # ``workflow.logger.info(...)``, ``workflow.unsafe.imports_passed_through()``
                quiet = row is not None and row.effect in (apis.SILENT, apis.OUTSIDE)
                return None, not quiet
            return row, True
        if name is not None and name.startswith(ASYNCIO) and name.count(".") == 1:
            return apis.lookup(apis.TEMPORAL, "asyncio", name[len(ASYNCIO) :]), False
        return self._handle_method(call, scope)

    def _handle_method(self, call: cst.Call, scope: Scope) -> tuple[apis.Api | None, bool]:
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None, False
        handle = handle_of(func.value, scope, self)
        if handle is None:
            return None, False
        return apis.method_of_handle(apis.TEMPORAL, handle, func.attr.value), True

    def _apply(self, row: apis.Api, call: cst.Call, scope: Scope):
        return classify_row(row, call, scope, self._name, self._parallel_args)

    def _name(self, rule, call: cst.Call, scope: Scope) -> str:
        if isinstance(rule, apis.Fixed):
            return rule.name
        if isinstance(rule, apis.ActivityType):
            return self.activity_type(argument(call, rule.index, rule.keyword), scope)
        if isinstance(rule, apis.WorkflowType):
            return self.child_type(argument(call, rule.index, rule.keyword), scope)
        if isinstance(rule, apis.Operation):
            ref = argument(call, rule.index, rule.keyword)
            literal = string_of(ref, scope)
            if literal is not None:
                return literal
            text = dotted(ref) if ref is not None else None
            return text.rsplit(".", 1)[-1] if text else "?"
        raise ValueError(f"no Temporal name rule {rule!r}")

    def _parallel_args(self, call: cst.Call) -> tuple[cst.BaseExpression, ...]:
        out = []
        for arg in call.args:
            if arg.keyword is not None:
                continue
            value = arg.value
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                out.extend(el.value for el in value.elements)
            else:
                out.append(value)
        return tuple(out)

    def activity_type(self, ref: cst.BaseExpression | None, scope: Scope) -> str:
        literal = string_of(ref, scope)
        if literal is not None:
            return literal
        if ref is None:
            return "?"
        target = _resolve(ref, scope)
        if isinstance(target, FunctionRef):
            decorator = has_decorator(target.node, target.module, "temporalio.activity.defn")
            if decorator is not None:
                return _decorator_kwarg(decorator, "name") or target.node.name.value
            return target.node.name.value
        if isinstance(target, ClassRef):  # execute_activity_class
            return _activity_defn_of_class(target) or target.node.name.value
        text = dotted(ref)
        return text.rsplit(".", 1)[-1] if text else "?"

    def child_type(self, ref: cst.BaseExpression | None, scope: Scope) -> str:
        literal = string_of(ref, scope)
        if literal is not None:
            return literal
        if isinstance(ref, cst.Attribute):  # OtherWorkflow.run
            ref = ref.value
        if ref is None:
            return "?"
        qualified = scope.module.imports.qualify(ref)
        found = scope.revision.resolve(qualified, scope.module) if qualified else None
        if isinstance(found, ClassRef):
            decorator = has_decorator(found.node, found.module, f"{WF}defn")
            if decorator is not None:
                return _decorator_kwarg(decorator, "name") or found.node.name.value
            return found.node.name.value
        text = dotted(ref)
        return text.rsplit(".", 1)[-1] if text else "?"

    def is_step_function(self, ref: FunctionRef) -> bool:
        return has_decorator(ref.node, ref.module, "temporalio.activity.defn") is not None


def string_of(node: cst.BaseExpression | None, scope: Scope) -> str | None:
    """A name Python fixes before the engine sees it: a literal, a constant, a loop item the walker
    copied out (``for name in ("a", "b"): execute_activity(name, ...)``)."""
    literal = string_value(node)
    if literal is not None or node is None:
        return literal
    value = scope.value(node)
    return value if isinstance(value, str) else None


def handle_of(owner: cst.BaseExpression, scope: Scope, dialect) -> str | None:
    """The handle kind of a method call's receiver: a local variable bound to a handle, or a call
    that returns one (``workflow.get_external_workflow_handle(id).signal(...)``)."""
    if isinstance(owner, cst.Await):
        owner = owner.expression
    if isinstance(owner, cst.Name):
        return scope.handles.get(owner.value)
    if isinstance(owner, cst.Call):
        return getattr(dialect.classify(owner, scope), "handle", None)
    return None


def _resolve(ref: cst.BaseExpression, scope: Scope):
    if isinstance(ref, cst.Attribute) and isinstance(ref.value, cst.Name) and ref.value.value == "self" and scope.owner:
        method = method_of(scope.owner, ref.attr.value)
        return FunctionRef(scope.module, method, scope.owner) if method else None
    qualified = scope.module.imports.qualify(ref)
    if qualified is None:
        return None
    return scope.revision.resolve(qualified, scope.module)


def _activity_defn_of_class(ref: ClassRef) -> str | None:
    """``@activity.defn(name=...)`` of a callable activity class (the SDK reads the definition off
    the class: ``_Definition.from_callable(cls)``), else of its ``__call__``."""
    decorator = has_decorator(ref.node, ref.module, "temporalio.activity.defn")
    if decorator is not None:
        return _decorator_kwarg(decorator, "name") or ref.node.name.value
    call = method_of(ref.node, "__call__")
    if call is None:
        return None
    decorator = has_decorator(call, ref.module, "temporalio.activity.defn")
    return _decorator_kwarg(decorator, "name") if decorator else None
