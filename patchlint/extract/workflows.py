"""Where the workflows are: the classes and functions each engine registers as workflows, and the
program of each (Temporal: ``@workflow.run`` and the signal/update handlers; DBOS: the
``@DBOS.workflow`` body).

Temporal (``temporalio/workflow/_definition.py``, ``_Definition._apply_to_class``): the class
registers under ``name=`` or ``cls.__name__``; its ``@workflow.run`` method must be defined on the
class itself (an inherited one is rejected: "must be defined on …"), while signal, query and update
handlers are collected with ``inspect.getmembers``, so they may be inherited from any base class
(the first definition along the MRO wins, and an undecorated override hides a decorated base).
Each handler registers under its decorator's ``name=`` or the function's ``__name__``.

DBOS (``dbos/_core.py``, ``_workflow_decorator``): a workflow registers under ``name=`` or the
function's ``__qualname__`` — the defining class's, so a method inherited by subclasses is one
workflow, found where it is written.
"""

from __future__ import annotations

import libcst as cst

from patchlint.extract.dbos import D, DbosDialect
from patchlint.extract.repo import ClassRef, FunctionRef, Revision, class_attribute
from patchlint.extract.source import SourceModule
from patchlint.extract.temporal import WF, TemporalDialect, _decorator_kwarg, _decorator_name, has_decorator
from patchlint.extract.walker import Scope, Walker, local_names
from patchlint.model import program as m

HANDLER_KINDS = ("signal", "update")  # queries issue no commands


def _method_scope(ref: FunctionRef, revision: Revision, self_class: ClassRef | None, unclassified) -> Scope:
    return Scope(
        ref.module,
        revision,
        owner=ref.owner,
        stack=(f"{ref.module.path}:{ref.qualname}",),
        unclassified=unclassified,
        locals=local_names(ref.node),
        self_class=self_class,
        defining=ClassRef(ref.module, ref.owner) if ref.owner is not None else None,
    )


def temporal_handlers(cls: ClassRef, revision: Revision) -> list[tuple[str, FunctionRef]]:
    """``(kind, ref)`` of every signal/update handler the class has, its own or inherited, in
    definition order along the MRO (most derived first), as ``inspect.getmembers`` sees them."""
    seen: set[str] = set()
    out = []
    for klass in revision.mro(cls):
        for stmt in klass.node.body.body:
            if not isinstance(stmt, cst.FunctionDef) or stmt.name.value in seen:
                continue
            name = stmt.name.value
            if class_attribute(klass.node, name) is not stmt:
                continue  # redefined later in the same body
            seen.add(name)
            for kind in HANDLER_KINDS:
                if has_decorator(stmt, klass.module, f"{WF}{kind}") is not None:
                    out.append((kind, FunctionRef(klass.module, stmt, klass.node)))
        # names bound to something other than a def hide inherited handlers too
        for stmt in klass.node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    for target in getattr(small, "targets", ()) or ():
                        if isinstance(target.target, cst.Name):
                            seen.add(target.target.value)
    return out


def temporal_workflows(module: SourceModule, revision: Revision) -> list[m.Workflow]:
    """Every ``@workflow.defn`` class of ``module``: its ``@workflow.run`` program and handlers."""
    dialect = TemporalDialect()
    walker = Walker(dialect)
    workflows = []
    for cls in module.classes.values():
        decorator = has_decorator(cls, module, f"{WF}defn")
        if decorator is None:
            continue
        if _decorator_kwarg_true(decorator, "dynamic"):
            continue  # a dynamic workflow has no type name of its own
        concrete = ClassRef(module, cls)
        name = _decorator_kwarg(decorator, "name") or cls.name.value
        program, handlers, is_async = m.Seq(), [], True
        handler_defs: list[m.HandlerDef] = []
        unclassified: list[m.Unclassified] = []
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and has_decorator(stmt, module, f"{WF}run"):
                ref = FunctionRef(module, stmt, cls)
                program = walker.function(stmt, _method_scope(ref, revision, concrete, unclassified))
                is_async = stmt.asynchronous is not None
        for kind, ref in temporal_handlers(concrete, revision):
            handler = has_decorator(ref.node, ref.module, f"{WF}{kind}")
            handler_name = _decorator_kwarg(handler, "name") or ref.node.name.value
            handlers.append(
                (
                    f"{kind} {handler_name}",
                    walker.function(ref.node, _method_scope(ref, revision, concrete, unclassified)),
                )
            )
            handler_defs.append(
                m.HandlerDef(f"{kind} {handler_name}", ref.module.path, node=ref.node.name, src=ref.module)
            )
        workflows.append(
            m.Workflow(
                "temporal",
                name,
                module.path,
                m.NOWHERE,
                program,
                tuple(handlers),
                is_async,
                node=cls.name,
                src=module,
                unclassified=tuple(unclassified),
                handler_defs=tuple(handler_defs),
            )
        )
    return workflows


def _decorator_kwarg_true(decorator: cst.Decorator, key: str) -> bool:
    if isinstance(decorator.decorator, cst.Call):
        for arg in decorator.decorator.args:
            if arg.keyword is not None and arg.keyword.value == key:
                return isinstance(arg.value, cst.Name) and arg.value.value == "True"
    return False


def _workflow_decorator(fn: cst.FunctionDef, module: SourceModule) -> cst.Decorator | None:
    for decorator in fn.decorators:
        if _decorator_name(decorator, module) == f"{D}workflow":
            return decorator
    return None


def dbos_workflows(
    module: SourceModule, revision: Revision, extra_decorators: tuple[str, ...] = ()
) -> list[m.Workflow]:
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
        # ``self`` is an instance of the defining class or of a subclass DBOS finds at recovery
        # (``DBOSConfiguredInstance``): the defining class is what the source fixes.
        defining = ClassRef(module, owner) if owner is not None else None
        scope = _method_scope(ref, revision, defining, [])
        program = walker.function(fn, scope)
        workflows.append(
            m.Workflow(
                "dbos",
                name,
                module.path,
                m.NOWHERE,
                program,
                (),
                fn.asynchronous is not None,
                node=fn.name,
                src=module,
                definition=fn,
                unclassified=tuple(scope.unclassified),
            )
        )
    return workflows
