"""The Temporal Python SDK dialect: which calls issue which commands, and where workflows are."""

from __future__ import annotations

import libcst as cst

from patchlint.extract.names import dotted
from patchlint.extract.repo import ClassRef, FunctionRef, method_of
from patchlint.extract.source import SourceModule
from patchlint.extract.walker import (
    ParallelCall,
    PatchCall,
    Scope,
    StepCall,
    WaitCall,
    argument,
    string_value,
)
from patchlint.model import program as m

WF = "temporalio.workflow."

_ACTIVITY_CALLS = {
    f"{WF}{verb}_{what}{suffix}": kind
    for verb in ("execute", "start")
    for what, kind in (("activity", m.ACTIVITY), ("local_activity", m.LOCAL_ACTIVITY))
    for suffix in ("", "_method", "_class")
}
_CHILD_CALLS = {f"{WF}execute_child_workflow", f"{WF}start_child_workflow"}
_TIMERS = {f"{WF}sleep", "asyncio.sleep"}
_PARALLEL = {"asyncio.gather", f"{WF}wait", f"{WF}as_completed", "asyncio.wait", "asyncio.as_completed"}
_UPSERTS = {f"{WF}upsert_search_attributes", f"{WF}upsert_typed_search_attributes"}
_EXTERNAL_HANDLES = {f"{WF}get_external_workflow_handle", f"{WF}get_external_workflow_handle_for"}


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
        name = scope.module.imports.qualify(call.func)
        if name in _ACTIVITY_CALLS:
            kind = _ACTIVITY_CALLS[name]
            started = name.startswith(f"{WF}start_")
            return StepCall(kind, self.activity_type(argument(call, 0, "activity"), scope),
                            deferred=started, handle="activity" if started else None)
        if name in _CHILD_CALLS:
            target = argument(call, 0, "workflow")
            return StepCall(m.CHILD_WORKFLOW, self.child_type(target, scope), handle="child")
        if name in _TIMERS:
            return StepCall(m.TIMER, "timer")
        if name == f"{WF}wait_condition":
            if argument(call, 1, "timeout") is not None:
                return StepCall(m.TIMER, "timer")
            return WaitCall()
        if name == f"{WF}continue_as_new":
            return StepCall(m.CONTINUE_AS_NEW, "continue_as_new", terminates=True)
        if name in _UPSERTS:
            return StepCall(m.UPSERT_SEARCH_ATTRIBUTES, "upsert_search_attributes")
        if name == f"{WF}patched":
            return PatchCall(False, string_value(argument(call, 0, "id")))
        if name == f"{WF}deprecate_patch":
            return PatchCall(True, string_value(argument(call, 0, "id")))
        if name in _PARALLEL:
            return ParallelCall(self._parallel_args(call))
        if name in _EXTERNAL_HANDLES:
            return _Handle("external")
        return self._handle_method(call, scope)

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

    def _handle_method(self, call: cst.Call, scope: Scope):
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("signal", "cancel"):
            return None
        owner = func.value
        kind = None
        if isinstance(owner, cst.Name):
            kind = scope.handles.get(owner.value)
        elif isinstance(owner, cst.Call):
            inner = self.classify(owner, scope)
            kind = getattr(inner, "handle", None)
        if kind is None:
            return None
        if func.attr.value == "signal":
            return StepCall(m.SIGNAL_EXTERNAL, "signal")
        if kind == "external":
            return StepCall(m.CANCEL_EXTERNAL, "cancel")
        return None

    def activity_type(self, ref: cst.BaseExpression | None, scope: Scope) -> str:
        literal = string_value(ref)
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
        literal = string_value(ref)
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


class _Handle:
    """A call that returns a handle (not a command by itself)."""

    def __init__(self, handle: str):
        self.handle = handle


def _resolve(ref: cst.BaseExpression, scope: Scope):
    if isinstance(ref, cst.Attribute) and isinstance(ref.value, cst.Name) and ref.value.value == "self" and scope.owner:
        method = method_of(scope.owner, ref.attr.value)
        return FunctionRef(scope.module, method, scope.owner) if method else None
    qualified = scope.module.imports.qualify(ref)
    if qualified is None:
        return None
    return scope.revision.resolve(qualified, scope.module)


def _activity_defn_of_class(ref: ClassRef) -> str | None:
    call = method_of(ref.node, "__call__")
    if call is None:
        return None
    decorator = has_decorator(call, ref.module, "temporalio.activity.defn")
    return _decorator_kwarg(decorator, "name") if decorator else None
