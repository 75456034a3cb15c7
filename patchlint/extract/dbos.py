"""The DBOS Transact (Python) dialect: which calls take a function id, under which recorded name.

Names are what dbos writes to ``operation_outputs.function_name``: ``name=`` of the decorator or
the function's ``__qualname__``; built-ins use dbos' own names (``DBOS.sleep``, ``DBOS.recv``…).
"""

from __future__ import annotations

import libcst as cst

from patchlint.extract.repo import FunctionRef
from patchlint.extract.temporal import _decorator_kwarg, _decorator_name
from patchlint.extract.walker import (
    ParallelCall,
    PatchCall,
    Scope,
    StepCall,
    argument,
    resolve_callee,
    string_value,
)
from patchlint.model import program as m

D = "dbos.DBOS."

# DBOS.<method> → (recorded name, function ids taken)
BUILTINS = {
    "sleep": ("DBOS.sleep", 1),
    "send": ("DBOS.send", 1),
    "recv": ("DBOS.recv", 2),
    "set_event": ("DBOS.setEvent", 1),
    "get_event": ("DBOS.getEvent", 2),
    "write_stream": ("DBOS.writeStream", 1),
    "close_stream": ("DBOS.closeStream", 1),
    "read_stream": ("DBOS.readStream", 1),
    "get_result": ("DBOS.getResult", 1),
}
_STARTS = {"start_workflow", "start_workflow_async"}
_STEP_DECORATORS = {f"{D}step", f"{D}transaction", f"{D}workflow"}
_PARALLEL = {"asyncio.gather", "asyncio.wait", "asyncio.as_completed"}


def _method(qualified: str | None) -> str | None:
    if qualified and qualified.startswith(D):
        name = qualified[len(D) :]
        return name[: -len("_async")] if name.endswith("_async") else name
    return None


class DbosDialect:
    engine = "dbos"

    def __init__(self, extra_decorators: tuple[str, ...] = ()):
        self.extra = set(extra_decorators)

    def classify(self, call: cst.Call, scope: Scope):
        qualified = scope.module.imports.qualify(call.func)
        method = _method(qualified)
        if method in BUILTINS:
            name, slots = BUILTINS[method]
            return StepCall(m.DBOS_STEP, name, slots)
        if method in _STARTS:
            return StepCall(m.DBOS_STEP, self._workflow_name(argument(call, 0), scope), handle="dbos")
        if method == "patch":
            return PatchCall(False, string_value(argument(call, 0, "patch_name")))
        if method == "deprecate_patch":
            return PatchCall(True, string_value(argument(call, 0, "patch_name")))
        if qualified in _PARALLEL:
            return ParallelCall(tuple(a.value for a in call.args if a.keyword is None))
        func = call.func
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and scope.handles.get(owner.value) == "dbos":
                if func.attr.value in ("get_result", "get_result_async"):
                    return StepCall(m.DBOS_STEP, "DBOS.getResult")
                if func.attr.value in ("get_status", "get_status_async"):
                    return StepCall(m.DBOS_STEP, "DBOS.getStatus")
            if func.attr.value in ("enqueue", "enqueue_async"):
                target = self._step_name(argument(call, 0), scope)
                if target is not None:
                    return StepCall(m.DBOS_STEP, target, handle="dbos")
        ref = resolve_callee(func, scope)
        decorator = self._step_decorator(ref) if ref is not None else None
        if decorator is None:
            return None
        name = _decorator_kwarg(decorator, "name") or ref.qualname
        if _decorator_name(decorator, ref.module) == f"{D}workflow":
            # calling a child workflow directly starts it and waits for it: two operations
            return StepCall(m.DBOS_STEP, name, then=("DBOS.getResult",))
        return StepCall(m.DBOS_STEP, name)

    def _step_name(self, func: cst.BaseExpression | None, scope: Scope) -> str | None:
        if func is None:
            return None
        ref = resolve_callee(func, scope)
        if ref is None:
            return None
        decorator = self._step_decorator(ref)
        if decorator is None:
            return None
        return _decorator_kwarg(decorator, "name") or ref.qualname

    def _workflow_name(self, ref: cst.BaseExpression | None, scope: Scope) -> str:
        return self._step_name(ref, scope) or (string_value(ref) or "?")

    def _step_decorator(self, ref: FunctionRef) -> cst.Decorator | None:
        for decorator in ref.node.decorators:
            name = _decorator_name(decorator, ref.module)
            if name is None:
                continue
            if name in _STEP_DECORATORS or name in self.extra or _raw(decorator) in self.extra:
                return decorator
            # a dbos 3.x datasource: ``@ds.transaction()``
            if name.rsplit(".", 1)[-1] == "transaction" and isinstance(decorator.decorator, cst.Call):
                return decorator
        return None

    def is_step_function(self, ref: FunctionRef) -> bool:
        return self._step_decorator(ref) is not None


def _raw(decorator: cst.Decorator) -> str:
    from patchlint.extract.names import dotted

    expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
    return dotted(expr) or ""
