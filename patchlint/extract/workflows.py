"""Where the workflows are: the classes and functions each engine registers as workflows, and the
program of each (Temporal: ``@workflow.run`` and the signal/update handlers; DBOS: the
``@DBOS.workflow`` body)."""

from __future__ import annotations

import libcst as cst

from patchlint.extract.dbos import D, DbosDialect
from patchlint.extract.repo import FunctionRef, Revision
from patchlint.extract.source import SourceModule
from patchlint.extract.temporal import WF, TemporalDialect, _decorator_kwarg, _decorator_name, has_decorator
from patchlint.extract.walker import Scope, Walker
from patchlint.model import program as m


def temporal_workflows(module: SourceModule, revision: Revision) -> list[m.Workflow]:
    """Every ``@workflow.defn`` class of ``module``: its ``@workflow.run`` program and handlers."""
    dialect = TemporalDialect()
    walker = Walker(dialect)
    workflows = []
    for cls in module.classes.values():
        decorator = has_decorator(cls, module, f"{WF}defn")
        if decorator is None:
            continue
        name = _decorator_kwarg(decorator, "name") or cls.name.value
        program, handlers, is_async = m.Seq(), [], True
        unclassified: list[m.Unclassified] = []
        for stmt in cls.body.body:
            if not isinstance(stmt, cst.FunctionDef):
                continue
            scope = Scope(module, revision, owner=cls, stack=(f"{module.path}:{cls.name.value}.{stmt.name.value}",),
                          unclassified=unclassified)
            if has_decorator(stmt, module, f"{WF}run"):
                program = walker.function(stmt, scope)
                is_async = stmt.asynchronous is not None
            for kind in ("signal", "update"):
                handler = has_decorator(stmt, module, f"{WF}{kind}")
                if handler is not None:
                    handler_name = _decorator_kwarg(handler, "name") or stmt.name.value
                    handlers.append((f"{kind} {handler_name}", walker.function(stmt, scope)))
        workflows.append(
            m.Workflow("temporal", name, module.path, m.NOWHERE, program, tuple(handlers), is_async,
                       node=cls.name, src=module, unclassified=tuple(unclassified))
        )
    return workflows


def _workflow_decorator(fn: cst.FunctionDef, module: SourceModule) -> cst.Decorator | None:
    for decorator in fn.decorators:
        if _decorator_name(decorator, module) == f"{D}workflow":
            return decorator
    return None


def dbos_workflows(module: SourceModule, revision: Revision, extra_decorators: tuple[str, ...] = ()) -> list[m.Workflow]:
    """Every ``@DBOS.workflow`` function or method of ``module`` and its program."""
    walker = Walker(DbosDialect(extra_decorators))
    found: list[tuple[cst.FunctionDef, cst.ClassDef | None]] = [(fn, None) for fn in module.functions.values()]
    for cls in module.classes.values():
        found += [(stmt, cls) for stmt in cls.body.body if isinstance(stmt, cst.FunctionDef)]
    workflows = []
    for fn, owner in found:
        decorator = _workflow_decorator(fn, module)
        if decorator is None:
            continue
        ref = FunctionRef(module, fn, owner)
        name = _decorator_kwarg(decorator, "name") or ref.qualname
        scope = Scope(module, revision, owner=owner, stack=(f"{module.path}:{ref.qualname}",))
        program = walker.function(fn, scope)
        workflows.append(
            m.Workflow("dbos", name, module.path, m.NOWHERE, program, (), fn.asynchronous is not None,
                       node=fn.name, src=module, unclassified=tuple(scope.unclassified))
        )
    return workflows
