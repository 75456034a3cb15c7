"""Which old workflow is which new one.

A workflow is its registered type name *in the module that defines it*: old and new are matched by
engine, file, type name and the class or function that defines it first (one module may register
one type name twice, for two workers: samples-python's ``hello_patch.py``); a workflow that left
its file is followed to another file only when its engine and name are unique among the unmatched
workflows on both sides (a move). Two different workflows that share a name are never compared
with each other; a pair that even the defining name cannot tell apart is left unpaired.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from patchlint.model.program import ModuleModel, Workflow


def workflows_of(models: Iterable[ModuleModel]) -> list[Workflow]:
    return [w for m in models for w in m.workflows]


def pair_workflows(
    old: Iterable[ModuleModel], new: Iterable[ModuleModel]
) -> list[tuple[Workflow | None, Workflow | None]]:
    """``(old, new)`` pairs: both set for the same workflow, one ``None`` when it was added or
    removed. Ordered by engine, name and file."""
    olds, news = workflows_of(old), workflows_of(new)
    places = Counter(map(_place, olds)) + Counter(map(_place, news))
    by_place = {_place(w): w for w in news}
    pairs: list[tuple[Workflow | None, Workflow | None]] = []
    left_old: list[Workflow] = []
    taken: set[int] = set()
    for workflow in olds:
        twin = by_place.get(_place(workflow))
        if twin is not None and id(twin) not in taken and places[_place(workflow)] == 2:
            taken.add(id(twin))
            pairs.append((workflow, twin))
        else:
            left_old.append(workflow)
    left_new = [w for w in news if id(w) not in taken]
    old_names = Counter((w.engine, w.name) for w in left_old)
    new_names = Counter((w.engine, w.name) for w in left_new)
    moved = {key for key in old_names if old_names[key] == 1 and new_names.get(key) == 1}
    new_by_name = {(w.engine, w.name): w for w in left_new if (w.engine, w.name) in moved}
    for workflow in left_old:
        twin = new_by_name.get((workflow.engine, workflow.name))
        if twin is not None:
            taken.add(id(twin))
        pairs.append((workflow, twin))
    pairs += [(None, w) for w in left_new if id(w) not in taken]
    return sorted(pairs, key=_order)


def python_name(workflow: Workflow) -> str | None:
    """The class or function name that defines the workflow (its type name may be another)."""
    return getattr(workflow.node, "value", None)


def _place(workflow: Workflow) -> tuple:
    return (workflow.engine, workflow.path, workflow.name, python_name(workflow))


def _order(pair: tuple[Workflow | None, Workflow | None]):
    workflow = pair[1] or pair[0]
    return (workflow.engine, workflow.name, workflow.path, pair[0] is None)
