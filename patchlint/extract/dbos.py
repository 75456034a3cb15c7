"""The DBOS Transact (Python) dialect: which calls take a function id, under which recorded name.

Names are what dbos writes to ``operation_outputs.function_name``: ``name=`` of the decorator or
the function's ``__qualname__``; built-ins use dbos' own names (``DBOS.sleep``, ``DBOS.recv``…).
Which call records what comes from one table, ``patchlint/extract/apis.py``.
"""

from __future__ import annotations

import libcst as cst

from patchlint.extract import apis
from patchlint.extract.names import dotted
from patchlint.extract.repo import FunctionRef
from patchlint.extract.temporal import (
    _decorator_kwarg,
    _decorator_name,
    handle_of,
    string_of,
)
from patchlint.extract.values import UNKNOWN
from patchlint.extract.walker import (
    EngineCall,
    Scope,
    StepCall,
    argument,
    classify_row,
    resolve_callee,
    string_value,
)
from patchlint.model import program as m

D = "dbos.DBOS."
_D_PRIVATE = "dbos._dbos.DBOS."
_ASYNCIO = "asyncio."
_DATASOURCE_OWNERS = apis.OWNERS["datasource"]
_QUEUE_OWNERS = apis.OWNERS["queue"]
# Methods whose names only DBOS objects have: a call of them is classified whatever the receiver
# (``ds.run_tx_step(...)`` on a module-level datasource, ``queue.enqueue(workflow_fn)``).
_BY_METHOD_NAME = {
    row.name: row
    for row in apis.DBOS_APIS
    if row.owner in (*_DATASOURCE_OWNERS, *_QUEUE_OWNERS) and row.effect == apis.STEP
}
_DATASOURCE_DECORATORS = {
    row.name for row in apis.DBOS_APIS if row.owner in _DATASOURCE_OWNERS and row.effect == apis.DECORATOR
}


def _method(qualified: str | None) -> tuple[str, str] | None:
    """``DBOS.<head>`` and what follows (``DBOS.logger.info`` → ("logger", "info"))."""
    for prefix in (D, _D_PRIVATE):
        if qualified and qualified.startswith(prefix):
            head, _, rest = qualified[len(prefix) :].partition(".")
            return head, rest
    return None


def _positional(call: cst.Call) -> tuple[cst.BaseExpression, ...]:
    """What ``asyncio.gather(a, b)`` awaits together: its positional arguments."""
    return tuple(a.value for a in call.args if a.keyword is None)


class DbosDialect:
    engine = "dbos"

    def __init__(self, extra_decorators: tuple[str, ...] = ()):
        self.extra = set(extra_decorators)

    def classify(self, call: cst.Call, scope: Scope):
        qualified = scope.module.imports.qualify(call.func)
        method = _method(qualified)
        if method is not None:
            head, rest = method
            row = apis.lookup(apis.DBOS, "DBOS", head)
            if rest:
                quiet = row is not None and row.effect in (apis.SILENT, apis.OUTSIDE)
                return None if quiet else EngineCall()
            return self._apply(row, call, scope) if row is not None else EngineCall()
        if qualified and qualified.startswith(_ASYNCIO) and qualified.count(".") == 1:
            row = apis.lookup(apis.DBOS, "asyncio", qualified[len(_ASYNCIO) :])
            return self._apply(row, call, scope) if row is not None else None
        func = call.func
        if isinstance(func, cst.Attribute):
            found = self._method_call(func, call, scope)
            if found is not None:
                return found
        ref = resolve_callee(func, scope)
        decorator = self._step_decorator(ref) if ref is not None else None
        if decorator is None:
            return None
        name = _decorator_kwarg(decorator, "name") or ref.qualname
        decorator_name = _decorator_name(decorator, ref.module) or ""
        then = apis.DBOS_DECORATORS.get(decorator_name[len(D) :], ()) if decorator_name.startswith(D) else ()
        return StepCall(m.DBOS_STEP, name, then=then)

    def _method_call(self, func: cst.Attribute, call: cst.Call, scope: Scope):
        name = func.attr.value
        handle = handle_of(func.value, scope, self) or self._module_object(func.value, scope)
        if handle is not None:
            row = apis.method_of_handle(apis.DBOS, handle, name)
            return self._apply(row, call, scope) if row is not None else EngineCall()
        row = _BY_METHOD_NAME.get(name)
        if row is None:
            return None
        if row.owner in _QUEUE_OWNERS and self._function_name(call, row.rule, scope) is None:
            return None  # ``x.enqueue(...)`` of something that is not a DBOS function
        return self._apply(row, call, scope)

    def _module_object(self, owner: cst.BaseExpression, scope: Scope) -> str | None:
        """The handle kind of a module-level DBOS object: ``ds = SQLAlchemyDatasource.create(url)``,
        ``queue = DBOS.register_queue("q")`` (bound once, at the top level of this module)."""
        if not isinstance(owner, cst.Name) or owner.value in scope.locals:
            return None
        value = scope.module.constants.get(owner.value)
        if not isinstance(value, cst.Call):
            return None
        qualified = scope.module.imports.qualify(value.func) or ""
        if not qualified.startswith("dbos."):
            return None
        head, _, last = qualified.rpartition(".")
        if head.rsplit(".", 1)[-1] in _DATASOURCE_OWNERS or head.endswith("Datasource"):
            return "datasource" if last in ("create", "__init__") else None
        classified = self.classify(value, scope)
        return getattr(classified, "handle", None)

    def _apply(self, row: apis.Api, call: cst.Call, scope: Scope):
        return classify_row(row, call, scope, self._name, _positional)

    def _name(self, rule, call: cst.Call, scope: Scope) -> str:
        if isinstance(rule, apis.Fixed):
            return rule.name
        if isinstance(rule, apis.FunctionName):
            ref = argument(call, rule.index, rule.keyword)
            return self._function_name(call, rule, scope) or string_of(ref, scope) or _text(ref)
        if isinstance(rule, apis.StepOptionsName):
            options = scope.value(argument(call, rule.options, None))
            if isinstance(options, dict) and isinstance(options.get("name"), str) and options["name"]:
                return options["name"]
            if options is UNKNOWN and argument(call, rule.options, None) is not None:
                text = _dict_name(argument(call, rule.options, None))
                if text is not None:
                    return text
            func = argument(call, rule.function, None)
            ref = resolve_callee(func, scope) if func is not None else None
            if ref is not None:
                return ref.qualname
            if isinstance(func, cst.Lambda):
                return "<lambda>"
            return _text(func)
        if isinstance(rule, apis.OptionsKey):
            options = scope.value(argument(call, rule.index, rule.keyword))
            if isinstance(options, dict) and isinstance(options.get(rule.key), str):
                return options[rule.key]
            return "?"
        raise ValueError(f"no DBOS name rule {rule!r}")

    def _function_name(self, call: cst.Call, rule, scope: Scope) -> str | None:
        """The registered name of a referenced DBOS function (decorator ``name=`` or qualname)."""
        func = argument(call, rule.index, rule.keyword)
        if func is None:
            return None
        ref = resolve_callee(func, scope)
        if ref is None:
            return None
        decorator = self._step_decorator(ref)
        if decorator is None:
            return None
        return _decorator_kwarg(decorator, "name") or ref.qualname

    def _step_decorator(self, ref: FunctionRef) -> cst.Decorator | None:
        for decorator in ref.node.decorators:
            name = _decorator_name(decorator, ref.module)
            if name is None:
                continue
            if name.startswith(D) and name[len(D) :] in apis.DBOS_DECORATORS:
                return decorator
            if name in self.extra or _raw(decorator) in self.extra:
                return decorator
            # a dbos 3.x datasource: ``@ds.transaction()`` / ``@ds.transaction``
            if name.rsplit(".", 1)[-1] in _DATASOURCE_DECORATORS and "." in name:
                return decorator
        return None

    def is_step_function(self, ref: FunctionRef) -> bool:
        return self._step_decorator(ref) is not None


def _dict_name(node: cst.BaseExpression) -> str | None:
    """``{"name": "x", ...}`` whose other values are unknown: the literal name still fixes it."""
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and string_value(element.key) == "name":
                return string_value(element.value)
    return None


def _text(node: cst.BaseExpression | None) -> str:
    text = dotted(node) if node is not None else None
    return text.rsplit(".", 1)[-1] if text else "?"


def _raw(decorator: cst.Decorator) -> str:
    expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
    return dotted(expr) or ""
