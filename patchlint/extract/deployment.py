"""What the code says about how its workers are deployed (``patchlint.deployment`` decides with it).

Read, never run: ``versioning_behavior=`` on ``@workflow.defn``; ``Worker(..., workflows=[...],
deployment_config=WorkerDeploymentConfig(..., use_worker_versioning=..., default_versioning_behavior=...))``
or ``Worker(..., build_id=..., use_worker_versioning=True)``; ``@DBOS.workflow(auto_upgrade=True)``;
a ``DBOSConfig`` (``DBOSConfig(...)``, a dict annotated ``DBOSConfig``, or the dict given to
``DBOS(config=...)``) with ``application_version``, ``enable_patching`` or ``auto_upgrade``.
Values go through ``patchlint.extract.values`` (constants, names imported from the repository);
a value the source does not fix says nothing. The compared modules are read first; for a workflow
they leave undecided, the other modules of the revision that hold a configuration word (found by
``containing``, ``git grep`` in a repository; test modules aside) fill in what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from patchlint.deployment import Fact
from patchlint.errors import InputError
from patchlint.extract.names import dotted
from patchlint.extract.repo import Revision
from patchlint.extract.source import SourceModule, mentions_engine
from patchlint.extract.temporal import WF, has_decorator
from patchlint.extract.traverse import walk
from patchlint.extract.values import UNKNOWN, ModuleScope, evaluate
from patchlint.extract.walker import argument
from patchlint.model.program import ModuleModel, Workflow

_BEHAVIORS = {"PINNED": "pinned", "AUTO_UPGRADE": "auto-upgrade"}
# Text a module must hold for its worker / application configuration to be read (cheap pre-filter).
_MARKERS = ("Worker", "DBOSConfig", "DBOS(")


@dataclass
class RevisionFacts:
    """The deployment facts of one revision."""

    own: dict[tuple[str, str], Fact] = field(default_factory=dict)  # (engine, workflow type) → Fact
    workers: dict[str, Fact] = field(default_factory=dict)  # Temporal workflow class name → Fact
    queues: dict[str, dict[str, str]] = field(default_factory=dict)  # class name → {task_queue: where}
    dbos_app: Fact | None = None
    dbos_version: str | None = None  # application_version, when the source fixes it


def revision_facts(
    models: list[ModuleModel],
    files: Mapping[str, str],
    context: Mapping[str, str] | None = None,
    revision: Revision | None = None,
) -> RevisionFacts:
    """What ``files`` (the compared modules) say, and, for a workflow they leave undecided, what
    the worker or application configuration elsewhere in the revision says (``context``: its
    modules that hold a configuration marker, found without reading the others). ``revision``:
    the one the models were extracted from (its modules are parsed already)."""
    facts = RevisionFacts()
    for model in models:
        for workflow in model.workflows:
            fact = _own_fact(workflow)
            if fact is not None:
                facts.own[(workflow.engine, workflow.name)] = fact
    revision = revision if revision is not None else Revision(files, context)
    _scan(sorted(p for p in files if not _is_test(p)), files, revision, facts)
    wanted = _undecided(models, facts)
    if context is not None and hasattr(context, "containing") and wanted:
        elsewhere = [p for p in context.containing(wanted) if p not in files and not _is_test(p)]
        _scan(elsewhere, context, revision, facts, fill=True)
    return facts


def _is_test(path: str) -> bool:
    """A test module: the workers it starts are fixtures, not how the workflow is deployed, even
    when it is compared (it changed, or it imports a changed module)."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or "tests" in parts[:-1]


def _scan(paths, texts: Mapping[str, str], revision: Revision, facts: RevisionFacts, fill: bool = False) -> None:
    for path in paths:
        text = texts.get(path)
        # a module that mentions an engine was parsed (or refused) by the extractor already
        if text is None or not any(marker in text for marker in _MARKERS) or not mentions_engine(text):
            continue
        try:
            module = revision.module(path)
        except InputError:
            if not fill:
                raise
            continue  # a configuration module elsewhere that does not parse says nothing
        if module is None:
            continue
        if not fill:
            _scan_module(module, revision, facts)
            continue
        # a module outside the compared ones adds only what the compared modules left open
        found = RevisionFacts()
        _scan_module(module, revision, found)
        for name, fact in found.workers.items():
            facts.workers.setdefault(name, fact)
        if found.dbos_app is not None and (
            facts.dbos_app is None or (found.dbos_app.decided and not facts.dbos_app.decided)
        ):
            facts.dbos_app, facts.dbos_version = found.dbos_app, found.dbos_version


def _undecided(models: list[ModuleModel], facts: RevisionFacts) -> tuple[str, ...]:
    """The text a configuration module elsewhere must hold to decide a compared workflow that
    neither its own declaration nor the compared modules decide (empty: nothing to look for). A
    worker elsewhere matters only with versioning on (its task queues are the same in both
    revisions, so they move nothing)."""
    wanted: set[str] = set()
    for model in models:
        for workflow in model.workflows:
            if (workflow.engine, workflow.name) in facts.own:
                continue
            if workflow.engine == "dbos" and (facts.dbos_app is None or not facts.dbos_app.decided):
                wanted |= {"DBOSConfig", "DBOS("}
            if workflow.engine == "temporal" and getattr(workflow.node, "value", None) not in facts.workers:
                wanted.add("use_worker_versioning")
    return tuple(sorted(wanted))


def _where(module: SourceModule, node: cst.CSTNode) -> str:
    return f"{module.path}:{module.span(node).line}"


def _own_fact(workflow: Workflow) -> Fact | None:
    module = workflow.src
    if not isinstance(module, SourceModule) or workflow.node is None:
        return None
    if workflow.engine == "temporal":
        if "versioning_behavior" not in module.text:
            return None
        cls = module.classes.get(getattr(workflow.node, "value", ""))
        decorator = has_decorator(cls, module, f"{WF}defn") if cls is not None else None
        if decorator is None or not isinstance(decorator.decorator, cst.Call):
            return None
        value = argument(decorator.decorator, 99, "versioning_behavior")
        model = _behavior(value, module)
        if model is None:
            return None
        return Fact(model, f"versioning_behavior={_BEHAVIOR_NAMES[model]} at {_where(module, value)}")
    if "auto_upgrade" not in module.text:
        return None
    for decorator in _dbos_workflow_decorators(module, getattr(workflow.node, "value", "")):
        value = argument(decorator.decorator, 99, "auto_upgrade")
        if value is not None and evaluate(value, ModuleScope(module, None)) is True:
            return Fact("auto-upgrade", f"@DBOS.workflow(auto_upgrade=True) at {_where(module, value)}")
    return None


_BEHAVIOR_NAMES = {v: k for k, v in _BEHAVIORS.items()}


def _dbos_workflow_decorators(module: SourceModule, name: str) -> Iterable[cst.Decorator]:
    functions = [module.functions.get(name)] + [
        stmt
        for cls in module.classes.values()
        for stmt in cls.body.body
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name
    ]
    for fn in functions:
        if fn is None:
            continue
        for decorator in fn.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call) and module.imports.qualify(expr.func) == "dbos.DBOS.workflow":
                yield decorator


def _behavior(value: cst.BaseExpression | None, module: SourceModule) -> str | None:
    """``VersioningBehavior.PINNED`` (however imported) → ``"pinned"``."""
    if value is None:
        return None
    if isinstance(value, cst.Name) and value.value in module.constants:
        value = module.constants[value.value]
    name = module.imports.qualify(value) if dotted(value) else None
    if not name or not name.startswith("temporalio."):
        return None
    head, _, member = name.rpartition(".")
    return _BEHAVIORS.get(member) if head.endswith("VersioningBehavior") else None


def _is(module: SourceModule, node: cst.BaseExpression, qualified: str) -> bool:
    """``node`` names ``qualified`` (or the same class re-exported from a private module of its package)."""
    found = module.imports.qualify(node) if dotted(node) else None
    if found is None:
        return False
    root, leaf = qualified.partition(".")[0], qualified.rpartition(".")[2]
    return found == qualified or (found.startswith(root + ".") and found.rpartition(".")[2] == leaf)


def _scan_module(module: SourceModule, revision: Revision, facts: RevisionFacts) -> None:
    calls, annotated = [], []
    for node in walk(module.tree):
        if type(node) is cst.Call:
            calls.append(node)
        elif type(node) is cst.AnnAssign:
            annotated.append(node)
    scope = ModuleScope(module, revision)
    for call in calls:
        if _is(module, call.func, "temporalio.worker.Worker"):
            _worker(call, module, scope, facts)
        elif _is(module, call.func, "dbos.DBOSConfig"):
            _dbos_config(
                {a.keyword.value: a.value for a in call.args if a.keyword is not None}, call, module, scope, facts
            )
        elif _is(module, call.func, "dbos.DBOS"):
            config = argument(call, 99, "config")
            if isinstance(config, cst.Dict):
                _dbos_dict(config, module, scope, facts)
    for node in annotated:
        if isinstance(node.value, cst.Dict) and _is(module, node.annotation.annotation, "dbos.DBOSConfig"):
            _dbos_dict(node.value, module, scope, facts)


def _dbos_dict(node: cst.Dict, module: SourceModule, scope, facts: RevisionFacts) -> None:
    entries = {}
    for element in node.elements:
        if isinstance(element, cst.DictElement):
            key = evaluate(element.key, scope)
            if isinstance(key, str):
                entries[key] = element.value
    _dbos_config(entries, node, module, scope, facts)


def _dbos_config(
    entries: Mapping[str, cst.BaseExpression], node: cst.CSTNode, module: SourceModule, scope, facts: RevisionFacts
) -> None:
    """``application_version`` wins over ``enable_patching`` (``DBOS.__init__`` sets it last)."""

    def value(key: str):
        return evaluate(entries[key], scope) if key in entries else None

    version, patching, upgrade = value("application_version"), value("enable_patching"), value("auto_upgrade")
    if upgrade is True:
        facts.dbos_app = Fact("auto-upgrade", f"DBOSConfig auto_upgrade=True at {_where(module, node)}")
    elif isinstance(version, str):
        facts.dbos_app = Fact("pinned-version", f"DBOSConfig application_version={version!r} at {_where(module, node)}")
        facts.dbos_version = version
    elif version is None and patching is True:
        facts.dbos_app = Fact("pinned-version", f"DBOSConfig enable_patching=True at {_where(module, node)}")
        facts.dbos_version = "PATCHING_ENABLED"
    elif version is None and "application_version" not in entries and facts.dbos_app is None:
        # the engine hashes the workflow source, unless DBOS__APPVERSION pins it outside the code
        facts.dbos_app = Fact(
            "per-deploy-version", f"DBOSConfig without application_version at {_where(module, node)}", decided=False
        )


def _worker(call: cst.Call, module: SourceModule, scope, facts: RevisionFacts) -> None:
    queue = evaluate(argument(call, 1, "task_queue"), scope)
    if isinstance(queue, str):
        for name in _listed(argument(call, 99, "workflows"), scope):
            facts.queues.setdefault(name, {})[queue] = _where(module, call)
    fact = None
    config = argument(call, 99, "deployment_config")
    if isinstance(config, cst.Name) and config.value in module.constants:
        config = module.constants[config.value]
    if isinstance(config, cst.Call) and _is(module, config.func, "temporalio.worker.WorkerDeploymentConfig"):
        if evaluate(argument(config, 1, "use_worker_versioning"), scope) is True:
            model = _behavior(argument(config, 2, "default_versioning_behavior"), module)
            if model is not None:
                fact = Fact(model, f"default_versioning_behavior={_BEHAVIOR_NAMES[model]} at {_where(module, config)}")
    elif evaluate(argument(call, 99, "use_worker_versioning"), scope) is True:
        fact = Fact(
            "build-id-compatible",
            f"Worker(use_worker_versioning=True) at {_where(module, call)} (compatible unless declared)",
            decided=False,
        )
    if fact is None:
        return
    for name in _listed(argument(call, 99, "workflows"), scope):
        facts.workers[name] = fact


def _listed(listed: cst.BaseExpression | None, scope) -> list[str]:
    """The class names a ``workflows=[...]`` list names."""
    names = []
    if isinstance(listed, (cst.List, cst.Tuple)):
        for element in listed.elements:
            name = dotted(element.value)
            if name and evaluate(element.value, scope) is UNKNOWN:
                names.append(name.rpartition(".")[2])
    return names


def deployments(pairs, old: RevisionFacts, new: RevisionFacts, declared) -> dict:
    """``{(engine, workflow type): Deployment}`` for every compared workflow. Temporal: what the
    runs were started under (the old revision's declaration first); DBOS: what the new code
    recovers (the new revision's configuration first; a pinned version that changes value between
    the revisions recovers nothing of the old one)."""
    from patchlint.deployment import resolve

    out = {}
    for o, n in pairs:
        w = o if o is not None else n
        key = (w.engine, w.name)
        own = old.own.get(key) or new.own.get(key)
        if w.engine == "temporal":
            classes = [getattr(x.node, "value", None) for x in (o, n) if x is not None]
            app = next(
                (f for side in (old, new) for c in classes if c in side.workers for f in (side.workers[c],)), None
            ) or _moved_queue(old, new, classes)
        else:
            app = _dbos_app(old, new, (n or o).path)
        out[key] = resolve(w.engine, w.name, (n or o).path, declared, own, app)
    return out


def _moved_queue(old: RevisionFacts, new: RevisionFacts, classes) -> Fact | None:
    """No worker of the new revision serves the workflow on a queue the old one did: open runs'
    tasks stay on the old queues, for the old workers (a new worker still on an old queue replays)."""
    for c in classes:
        was, now = old.queues.get(c, {}), new.queues.get(c, {})
        if was and now and not set(was) & set(now):
            queue, where = min(now.items())
            return Fact("new-task-queue", f"task_queue {min(was)!r} -> {queue!r} at {where}")
    return None


def _dbos_app(old: RevisionFacts, new: RevisionFacts, path: str) -> Fact | None:
    if old.dbos_version is not None and new.dbos_version is not None and old.dbos_version != new.dbos_version:
        where = new.dbos_app.where.rpartition(" at ")[2] if new.dbos_app else path
        return Fact(
            "per-deploy-version", f"application_version {old.dbos_version!r} -> {new.dbos_version!r} at {where}"
        )
    return new.dbos_app or old.dbos_app
