"""Which workflow of the base revision is the same workflow as one of the head revision.

A workflow is its registered type name *in the module that defines it*: Temporal's own patching
sample keeps four stages of ``MyWorkflow`` in four files, and other samples define a ``MyWorkflow``
of their own. Lifecycle rules compare a patch with its past in the same workflow only, so:

1. same engine, type name and file: the same workflow;
2. otherwise a workflow whose file changed (a move, a rename of the file) is followed only when it
   is unambiguous: exactly one unmatched base workflow and one unmatched head workflow of that
   engine and type name;
3. anything else has no counterpart: for the lifecycle it is a new workflow (head) or a removed
   one (base), never one of the others that happen to share its name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from patchlint.model.program import ModuleModel, Workflow


def _ident(workflow: Workflow) -> int:
    return id(workflow)


@dataclass
class Pairing:
    """Base ↔ head counterparts of the workflows of one check (by object identity)."""

    to_new: dict[int, Workflow] = field(default_factory=dict)
    to_old: dict[int, Workflow] = field(default_factory=dict)

    def new_of(self, old: Workflow) -> Workflow | None:
        return self.to_new.get(_ident(old))

    def old_of(self, new: Workflow) -> Workflow | None:
        return self.to_old.get(_ident(new))

    def _pair(self, old: Workflow, new: Workflow) -> None:
        self.to_new[_ident(old)] = new
        self.to_old[_ident(new)] = old


def _all(models: Iterable[ModuleModel]) -> list[Workflow]:
    return [w for m in models for w in m.workflows]


def pair(old_models: Iterable[ModuleModel], new_models: Iterable[ModuleModel]) -> Pairing:
    """Match base and head workflows: same file first, then an unambiguous move."""
    old, new = _all(old_models), _all(new_models)
    result = Pairing()
    by_place: dict[tuple[str, str, str], list[Workflow]] = defaultdict(list)
    for w in old:
        by_place[(w.engine, w.name, w.path)].append(w)
    left_new: list[Workflow] = []
    for w in new:
        same = by_place.get((w.engine, w.name, w.path))
        if same and len(same) == 1 and result.new_of(same[0]) is None:
            result._pair(same[0], w)
        else:
            left_new.append(w)
    left_old: dict[tuple[str, str], list[Workflow]] = defaultdict(list)
    for w in old:
        if result.new_of(w) is None:
            left_old[(w.engine, w.name)].append(w)
    moved: dict[tuple[str, str], list[Workflow]] = defaultdict(list)
    for w in left_new:
        moved[(w.engine, w.name)].append(w)
    for key, news in moved.items():
        olds = left_old.get(key, [])
        if len(olds) == 1 and len(news) == 1:
            result._pair(olds[0], news[0])
    return result


def pairing(ctx) -> Pairing:
    """The pairing of a rule context, computed once per check and shared by the lifecycle rules."""
    if "pairing" not in ctx.extra:
        ctx.extra["pairing"] = pair(ctx.old, ctx.new)
    return ctx.extra["pairing"]


def old_of(ctx, workflow: Workflow) -> Workflow | None:
    """The base revision's version of this head workflow (None: new, or not identifiable)."""
    return pairing(ctx).old_of(workflow)


def new_of(ctx, workflow: Workflow) -> Workflow | None:
    """The head revision's version of this base workflow (None: removed, or not identifiable)."""
    return pairing(ctx).new_of(workflow)
