"""What the diff hands to the rules: one ``Change`` per divergence between old and new programs."""

from __future__ import annotations

from dataclasses import dataclass

from patchlint.model.program import Span

# Change kinds (each is turned into findings by exactly one rule module).
INSERTED = "inserted"  # PAT101
REMOVED = "removed"  # PAT102
REORDERED = "reordered"  # PAT103
REPLACED = "replaced"  # PAT104
BAD_OLD_BRANCH = "bad_old_branch"  # PAT105
WORKFLOW_REMOVED = "workflow_removed"  # PAT106
PATCH_BEFORE_BLOCKED = "patch_before_blocked"  # PAT107
SPLIT_TASKS = "split_tasks"  # PAT108
COMPLETED_ONLY = "completed_only"  # PAT110
SILENT = "silent"  # PAT111
PATCH_REMOVED = "patch_removed"  # PAT201
PATCH_ID_REUSED = "patch_id_reused"  # PAT207: a difference inside a second site of a recorded patch id


@dataclass(frozen=True)
class Change:
    kind: str
    engine: str
    workflow: str
    path: str  # new revision's file
    span: Span  # where to report, in the new revision
    breaks_in_flight: bool  # some open workflow recorded by the base revision fails on replay
    old_steps: tuple[str, ...]  # the old run's steps (labels), on the path that shows the change
    new_steps: tuple[str, ...]  # the new run's steps on the same path
    old_focus: tuple[str, ...] = ()  # the old steps this change is about
    new_focus: tuple[str, ...] = ()  # the new steps this change is about
    engine_message: str = ""  # what the engine says to an in-flight workflow
    cut: str = ""  # the open (or completed) run that fails, e.g. "paused after event 11 (charge)"
    patch_id: str | None = None
    before: str = ""  # label of the old step the change sits before ("" at the end)
    # The engine's own number of the first event open runs fail at (Temporal HistoryEvent id, DBOS
    # function id), the same number ``cut`` and the engine message use; None when no run fails.
    event: int | None = None
    old_ids: tuple[int, ...] = ()  # the engine's number of each of ``old_steps``
    new_ids: tuple[int, ...] = ()  # ... and of ``new_steps`` (what the new code would record)
    is_async: bool = False  # the workflow is ``async def`` (DBOS: ``await DBOS.patch_async``)
