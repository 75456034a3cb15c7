"""Old vs new step programs → ``Change`` records, one per divergence, with its effect on open runs.

A driver over the engine-semantics layer (``patchlint.semantics``), which alone runs programs and
replays histories. For every run (choice of branches, loop counts, exceptions) the engine's judge
(``judge``, ``judge_temporal``, ``judge_dbos``) decides:

1. the base program runs live: its ``Trace`` and the histories it leaves at every cut;
2. the head program runs against the completed history (patches decided as the engine decides
   them on replay), unchecked: its ``Trace``;
3. the two traces are aligned (difflib); each difference is judged on its own by replaying the
   base run's histories against the base trace with only that difference applied: would a run
   recorded by the base and paused at any cut fail? The engine's own words come from that replay;
4. breaks that no single difference explains come from replaying the head program itself:
   Temporal commands split across workflow tasks (PAT108), a DBOS patch written into the slot a
   blocked ``recv`` left empty (PAT107).
"""

from __future__ import annotations

from patchlint.diff import changes as C
from patchlint.diff.identity import pair_workflows
from patchlint.diff.judge import MAX_LABELS, Judge
from patchlint.diff.judge_dbos import DbosJudge
from patchlint.diff.judge_temporal import TemporalJudge
from patchlint.model.program import (
    ModuleModel,
    Seq,
    Span,
    Workflow,
    locate,
    patch_ids,
    steps_of,
)
from patchlint.semantics.choices import enumerate_choices

JUDGES: dict[str, type[Judge]] = {"temporal": TemporalJudge, "dbos": DbosJudge}


def diff_models(old_models: list[ModuleModel], new_models: list[ModuleModel], config=None):
    changes: list[C.Change] = []
    pairs = pair_workflows(old_models, new_models)
    added = [n for o, n in pairs if o is None]
    for o, n in pairs:
        if o is not None and n is not None:
            changes += diff_workflow(o, n)
            handlers_new = dict(n.handlers)
            for name, program in o.handlers:
                if name in handlers_new:
                    changes += diff_programs(o, n, program, handlers_new[name])
            changes += _handlers_gone(o, n)
        elif o is not None:
            changes.append(_removed_workflow(o, added))
    return changes, pairs


def diff_workflow(old: Workflow, new: Workflow) -> list[C.Change]:
    return diff_programs(old, new, old.program, new.program)


def diff_programs(old_wf: Workflow, new_wf: Workflow, old: Seq, new: Seq) -> list[C.Change]:
    judge_of = JUDGES[new_wf.engine]
    found: dict[tuple, C.Change] = {}
    base_ids, head_ids = patch_ids(old), patch_ids(new)
    for choices in enumerate_choices(old, new):
        judge = judge_of.of_run(old_wf, new_wf, old, new, choices, base_ids, head_ids)
        for change in judge.changes():
            key = (change.kind, change.span)
            if key not in found or (change.breaks_in_flight and not found[key].breaks_in_flight):
                found[key] = change
    changes = list(found.values())
    breaking = {(c.path, c.span.line) for c in changes if c.breaks_in_flight}
    # a change that already breaks open runs needs no second, weaker finding on the same line
    return [c for c in changes if c.kind != C.COMPLETED_ONLY or (c.path, c.span.line) not in breaking]


def _handlers_gone(old: Workflow, new: Workflow) -> list[C.Change]:
    """A signal/update handler whose registered name is gone: a run that received that signal or
    update replays it with no handler (Temporal buffers an unhandled signal, so what the handler let
    the run do next is missing; an accepted update has no handler to accept it). A rename is the
    one new handler of the same kind, reported where it is defined."""
    new_keys = {key for key, _ in new.handlers}
    old_keys = {key for key, _ in old.handlers}
    out = []
    for key in sorted(old_keys - new_keys):
        kind, _, name = key.partition(" ")
        added = [d for d in new.handler_defs if d.key.startswith(kind + " ") and d.key not in old_keys]
        twin = added[0] if len(added) == 1 else None
        where = twin if twin is not None else new
        new_name = twin.key.partition(" ")[2] if twin is not None else ""
        out.append(
            C.Change(
                kind=C.REPLACED if twin is not None else C.REMOVED,
                engine=new.engine,
                workflow=new.name,
                path=where.path or new.path,
                span=locate(where),
                breaks_in_flight=True,
                old_steps=(key,),
                new_steps=(twin.key,) if twin is not None else (),
                old_focus=(f"{kind} handler {name}",),
                new_focus=(f"{kind} handler {new_name}",) if twin is not None else (),
                engine_message=_HANDLER_GONE[kind].format(name=name),
                cut=f"received {kind} {name}",
            )
        )
    return out


_HANDLER_GONE = {
    "signal": "the recorded signal {name!r} has no handler: the SDK buffers it, and the commands "
    "its handler let the run issue have none (No command scheduled for event …)",
    "update": "the recorded update {name!r} has no handler: No command scheduled for event "
    "HistoryEvent(…, WorkflowExecutionUpdateAccepted)",
}


def _removed_workflow(old: Workflow, added: list[Workflow]) -> C.Change:
    """A workflow type that is gone; located at a new workflow with the same steps (a rename) if any."""
    old_ids = [s.identity for s in steps_of(old.program)]
    twin = next(
        (w for w in added if w.engine == old.engine and [s.identity for s in steps_of(w.program)] == old_ids),
        None,
    )
    if twin is not None:
        path, span = twin.path, locate(twin)
    else:
        path, span = old.path, Span(1, 0, 1, 0)
    return C.Change(
        kind=C.WORKFLOW_REMOVED,
        engine=old.engine,
        workflow=old.name,
        path=path,
        span=span,
        breaks_in_flight=True,
        old_steps=tuple(s.label() for s in steps_of(old.program))[:MAX_LABELS],
        new_steps=tuple(s.label() for s in steps_of(twin.program))[:MAX_LABELS] if twin else (),
        new_focus=(twin.name,) if twin else (),
    )
