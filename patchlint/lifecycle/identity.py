"""Which workflow of the base revision is the same workflow as one of the head revision.

A workflow is its registered type name *in the module that defines it*: Temporal's own patching
sample keeps four stages of ``MyWorkflow`` in four files, and other samples define a ``MyWorkflow``
of their own. Lifecycle rules compare a patch with its past in the same workflow only, so:

1. same engine, type name and file: the same workflow (and, when one module registers the same
   type name twice, the same class or function name);
2. otherwise a workflow whose file changed (a move, a rename of the file) is followed only when it
   is unambiguous: exactly one unmatched base workflow and one unmatched head workflow of that
   engine and type name;
3. anything else has no counterpart: for the lifecycle it is a new workflow (head) or a removed
   one (base), never one of the others that happen to share its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from patchlint.diff.identity import pair_workflows
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


def pair(old_models: Iterable[ModuleModel], new_models: Iterable[ModuleModel]) -> Pairing:
    """Match base and head workflows the way the diff does (``diff.identity``), so a lifecycle
    rule and the replay rules talk about the same pair."""
    result = Pairing()
    for old, new in pair_workflows(old_models, new_models):
        if old is not None and new is not None:
            result._pair(old, new)
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
