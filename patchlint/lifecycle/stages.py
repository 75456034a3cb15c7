"""Stages and verdicts: may this patch move on to its next stage, and since when?

A patch may be deprecated once no run started before ``patched(id)`` is open: the era that began
with the patch is older than the longest workflow lifetime. It may be removed once no run started
in the patched era is open: the deprecation is older than the lifetime, plus (Temporal) the
namespace retention, since queries replay closed workflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from patchlint.diff.identity import python_name
from patchlint.errors import warn
from patchlint.git import SHALLOW_FIX, shallow_boundary
from patchlint.lifecycle.calls import ABSENT, DEPRECATED, PATCHED, definition_block
from patchlint.lifecycle.gitlog import Era, History, commit_time
from patchlint.lifecycle.identity import old_of
from patchlint.model.program import (
    DeprecatePatch,
    If,
    Loop,
    ModuleModel,
    Node,
    Parallel,
    Patched,
    Seq,
    Try,
    Workflow,
    locate,
)

KEEP = "keep"
READY_TO_DEPRECATE = "ready-to-deprecate"
READY_TO_REMOVE = "ready-to-remove"
UNKNOWN = "unknown"  # a shallow clone cut the history off before the patch's stage began

CONFIGURE = (
    'set max-workflow-lifetime (e.g. "30d") in [tool.patchlint] of pyproject.toml '
    "so patchlint can tell when this patch may move on"
)


@dataclass(frozen=True)
class Site:
    """One ``patched``/``deprecate_patch`` call of a workflow and what runs it concurrently."""

    workflow: Workflow
    node: Patched | DeprecatePatch
    in_loop: bool = False
    in_parallel: bool = False


def _visit(node: Node, loop: bool, parallel: bool):
    if isinstance(node, (Patched, DeprecatePatch)):
        yield node, loop, parallel
    if isinstance(node, Seq):
        for item in node.items:
            yield from _visit(item, loop, parallel)
    elif isinstance(node, If):
        yield from _visit(node.then, loop, parallel)
        yield from _visit(node.orelse, loop, parallel)
    elif isinstance(node, Patched):
        yield from _visit(node.new, loop, parallel)
        yield from _visit(node.old, loop, parallel)
    elif isinstance(node, Loop):
        yield from _visit(node.body, True, parallel)
        yield from _visit(node.orelse, loop, parallel)
    elif isinstance(node, Try):
        for part in (node.body, *node.handlers, node.orelse, node.final):
            yield from _visit(part, loop, parallel)
    elif isinstance(node, Parallel):
        for branch in node.branches:
            yield from _visit(branch, loop, len(node.branches) > 1 or parallel)


def sites(workflow: Workflow) -> list[Site]:
    """Every patch call of the workflow's main program, in source order, once each (a patch flag
    read in several places puts one call's model node in several branches)."""
    seen: set[int] = set()
    out = []
    for n, lp, par in _visit(workflow.program, False, False):
        call = id(n.node) if n.node is not None else id(n)
        if call not in seen:
            seen.add(call)
            out.append(Site(workflow, n, lp, par))
    return out


def _signature(site: Site) -> tuple:
    return (type(site.node).__name__, site.node.id, site.in_loop, site.in_parallel)


def new_sites(ctx, workflow: Workflow) -> list[Site]:
    """The patch calls of a head workflow that its base version did not already make the same way.

    Single-revision rules report only these in a check with a base: a call that was already there
    (an unchanged file analysed because it imports a changed module, an editor buffer equal to
    ``HEAD``, a comment edit elsewhere) is not news, and the base's own check reported it."""
    mine = sites(workflow)
    old = old_of(ctx, workflow) if ctx.has_base else None
    if old is None:
        return mine
    seen: dict[tuple, int] = {}
    for site in sites(old):
        seen[_signature(site)] = seen.get(_signature(site), 0) + 1
    out = []
    for site in mine:
        key = _signature(site)
        if seen.get(key):
            seen[key] -= 1
        else:
            out.append(site)
    return out


def workflows(models: list[ModuleModel]):
    for module in models:
        yield from module.workflows


def stage_in(workflow: Workflow | None, patch_id: str) -> str:
    """``patched`` if the workflow calls ``patched(id)``, else ``deprecated`` or ``absent``."""
    if workflow is None:
        return ABSENT
    nodes = [s.node for s in sites(workflow) if s.node.id == patch_id]
    if any(isinstance(n, Patched) for n in nodes):
        return PATCHED
    return DEPRECATED if nodes else ABSENT


def dating(models: list[ModuleModel], workflow: Workflow, patch_id: str) -> tuple[str, str | None]:
    """Where the history of the workflow's ``patch_id`` is read: ``(file, scope)``.

    The file holds the calls (a helper's module when they are written there). ``scope`` is the
    workflow's class or function when that file defines other workflows too and every call for
    the id sits inside that definition; None (the whole file) otherwise."""
    calls = [s.node for s in sites(workflow) if s.node.id == patch_id]
    path = next((n.path for n in calls if n.path), workflow.path)
    if path != workflow.path or not calls:
        return path, None
    neighbours = [w for w in workflows(models) if w.path == workflow.path and w is not workflow]
    name = python_name(workflow)
    text = getattr(workflow.src, "text", None)
    if not neighbours or name is None or text is None:
        return path, None
    block = definition_block(text, name)
    if block is None:
        return path, None
    first, last, _ = block
    lines = [locate(n).line for n in calls]
    if all(n.path in ("", path) for n in calls) and all(first <= line <= last for line in lines):
        return path, name
    return path, None


def patched_count(workflow: Workflow | None, patch_id: str) -> int:
    if workflow is None:
        return 0
    return sum(isinstance(s.node, Patched) and s.node.id == patch_id for s in sites(workflow))


def lifetime(config) -> timedelta | None:
    days = getattr(config, "max_workflow_lifetime_days", None)
    return None if days is None else timedelta(days=days)


def removal_wait(config, engine: str) -> timedelta | None:
    """How long after the deprecation every patched-era run is gone (and, Temporal, out of retention)."""
    life = lifetime(config)
    if life is None:
        return None
    retention = getattr(config, "retention_days", None) if engine == "temporal" else None
    return life + timedelta(days=retention or 0)


def ready_at(stage: str, era: Era, config, engine: str) -> datetime | None:
    """When the id may leave ``stage`` (None: unknown, lifetime not configured or no date)."""
    if stage == PATCHED:
        wait, since = lifetime(config), era.patched_since
    else:
        wait, since = removal_wait(config, engine), era.deprecated_since
    if wait is None or since is None:
        return None
    return since.when + wait


def verdict(stage: str, era: Era | None, config, engine: str, now: datetime) -> str:
    if era is None:
        return KEEP
    wait = lifetime(config) if stage == PATCHED else removal_wait(config, engine)
    if era.undated and (era.patched_since if stage == PATCHED else era.deprecated_since) is None:
        # the stage began on or before the shallow clone's boundary: only that bound is known
        if wait is not None and era.began_by + wait <= now:
            return READY_TO_DEPRECATE if stage == PATCHED else READY_TO_REMOVE
        return UNKNOWN
    when = ready_at(stage, era, config, engine)
    if when is None or when > now:
        return KEEP
    return READY_TO_DEPRECATE if stage == PATCHED else READY_TO_REMOVE


def day(when: datetime) -> str:
    return when.astimezone(timezone.utc).date().isoformat()


def age_days(since: datetime, now: datetime) -> float:
    return round((now - since).total_seconds() / 86400, 1)


class Lifecycle:
    """What the lifecycle rules of one check share: the history reader and "now" (the head's date)."""

    def __init__(self, repo):
        self.repo = repo
        now = commit_time(repo.root, repo.head) if repo.head else datetime.now(timezone.utc)
        self.now = now
        self.history = History(repo.root, now)

    def at_base(self, models: list[ModuleModel], workflow: Workflow, patch_id: str) -> Era | None:
        """The id's era in ``workflow`` (of the base ``models``) up to the base revision."""
        if not self.repo.base:
            return None
        return self.history.era(*_at(models, workflow, patch_id, self.repo.base))

    def at_head(self, models: list[ModuleModel], workflow: Workflow, patch_id: str) -> Era | None:
        """The id's era in ``workflow`` (of the head ``models``) up to the head revision."""
        return self.history.era(*_at(models, workflow, patch_id, self.repo.head))

    def ever_patched(self, models: list[ModuleModel], workflow: Workflow, patch_id: str) -> bool:
        """Whether any revision up to the head called ``patched(id)`` where the workflow's call is."""
        path, rev, pid, scope = _at(models, workflow, patch_id, self.repo.head)
        return self.history.ever_patched(path, rev, pid, scope)


def undated_patches(repo, old: list[ModuleModel], new: list[ModuleModel], config) -> set[tuple[str, str]]:
    """``(path, id)`` of the patches of a check whose stage began before a shallow clone's boundary,
    recently enough that a date-based rule could have needed the date (the lifecycle rules skipped
    them). A boundary older than max-workflow-lifetime plus retention settles every such rule: the
    stage is older still. Empty at once when the clone is complete."""
    if repo is None or not shallow_boundary(repo.root):
        return set()
    lc = Lifecycle(repo)
    for models, at in ((new, lc.at_head), (old, lc.at_base)):
        for workflow in workflows(models):
            for pid in {s.node.id for s in sites(workflow)} - {None}:
                at(models, workflow, pid)
    wait = removal_wait(config, "temporal")  # the longest wait any rule measures
    return {key for key, by in lc.history.undated.items() if wait is None or by + wait > lc.now}


def warn_undated(undated: set[tuple[str, str]]) -> None:
    """The one stderr line that says some lifecycle is unknown, and how to make it known."""
    if undated:
        n = len({pid for _, pid in undated})
        warn(
            f"shallow clone: the history ends before the stage of {n} patch id{'s' * (n != 1)} began, so "
            f"{'their' if n != 1 else 'its'} lifecycle is unknown and date-based rules skip "
            f"{'them' if n != 1 else 'it'}; {SHALLOW_FIX}"
        )


def _at(models, workflow, patch_id, rev):
    path, scope = dating(models, workflow, patch_id)
    return path, rev, patch_id, scope


def lifecycle(ctx) -> Lifecycle | None:
    """The shared ``Lifecycle`` of a check (None outside a git repository: history rules stay silent)."""
    if ctx.repo is None:
        return None
    if "lifecycle" not in ctx.extra:
        ctx.extra["lifecycle"] = Lifecycle(ctx.repo)
    return ctx.extra["lifecycle"]


def ripe(ctx, call_type: type, stage: str):
    """The head's patch calls of ``call_type`` whose id has stood in ``stage`` for a lifetime:
    ``(workflow, call, patch_id, era, ready)``, once per workflow and id (nothing outside git)."""
    lc = lifecycle(ctx)
    if lc is None:
        return
    for workflow in workflows(ctx.new):
        seen: set[str] = set()
        for site in sites(workflow):
            pid = site.node.id
            if not isinstance(site.node, call_type) or pid is None or pid in seen:
                continue
            seen.add(pid)
            if stage_in(workflow, pid) != stage:
                continue
            era = lc.at_head(ctx.new, workflow, pid)
            ready = era and ready_at(stage, era, ctx.config, workflow.engine)
            if ready is not None and ready <= lc.now:
                yield workflow, site.node, pid, era, ready
