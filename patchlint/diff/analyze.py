"""Old vs new step programs → ``Change`` records, one per divergence, with its effect on open runs.

A driver over the engine-semantics layer (``patchlint.semantics``), which alone runs programs and
replays histories. For every run (choice of branches, loop counts, exceptions):

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

from collections import Counter
from collections.abc import Iterator

from patchlint.diff import changes as C
from patchlint.diff.identity import pair_workflows
from patchlint.diff.opcodes import Opcode, align, differences
from patchlint.model.program import (
    CONTINUE_AS_NEW,
    ModuleModel,
    Patched,
    Seq,
    Span,
    Workflow,
    locate,
    patch_ids,
    steps_of,
    walk,
)
from patchlint.semantics import dbos, temporal, temporal_events
from patchlint.semantics.choices import enumerate_choices
from patchlint.semantics.history import MARKER
from patchlint.semantics.interpret import BLOCK, DONE, WAIT, PatchCall, Request
from patchlint.semantics.result import Failure
from patchlint.semantics.trace import Issued, Trace

MAX_LABELS = 60
ENGINES = {"temporal": temporal, "dbos": dbos}


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
    engine = ENGINES[new_wf.engine]
    found: dict[tuple, C.Change] = {}
    base_ids, head_ids = patch_ids(old), patch_ids(new)
    for choices in enumerate_choices(old, new):
        old_run = engine.run(engine.requests(old, choices)())
        cuts = engine.histories(old_run, old_wf.name)
        against = cuts[-1] if engine is temporal else {r.function_id: r.name for r in cuts[-1].rows}
        new_run = engine.run(engine.requests(new, choices)(), against)
        judge = _Judge(old_wf, new_wf, old_run, new_run, cuts, base_ids, head_ids)
        for change in judge.changes(engine.requests(new, choices)):
            key = (change.kind, change.span)
            if key not in found or (change.breaks_in_flight and not found[key].breaks_in_flight):
                found[key] = change
    changes = list(found.values())
    breaking = {(c.path, c.span.line) for c in changes if c.breaks_in_flight}
    # a change that already breaks open runs needs no second, weaker finding on the same line
    return [c for c in changes if c.kind != C.COMPLETED_ONLY or (c.path, c.span.line) not in breaking]


def _script(events: list[Issued], completes: bool) -> Iterator[Request]:
    """The requests of a run that issues exactly ``events`` (replies ignored): a hypothetical
    head run with one difference applied, replayed by the one replay of ``semantics``."""
    for event in events:
        if event.is_marker:
            yield PatchCall(event.patch_id, event.deprecated, event.patch)
        else:
            yield event.step
        if event.ends_task:
            yield WAIT if event.soft else BLOCK
    if completes:
        yield DONE


def _drop_skipped_markers(old: list[Issued], new: list[Issued]) -> list[Issued]:
    """Temporal skips a deprecated marker no command asks for: it is not a difference."""
    asked = {ev.key for ev in new if ev.key[0] == MARKER}
    return [ev for ev in old if not (ev.key[0] == MARKER and ev.deprecated and ev.key not in asked)]


class _Judge:
    """The changes between one base run and the head run against it."""

    def __init__(self, old_wf, new_wf, old_run: Trace, new_run: Trace, cuts, base_ids, head_ids):
        self.old_wf, self.new_wf = old_wf, new_wf
        self.engine_name = new_wf.engine
        self.engine = ENGINES[self.engine_name]
        self.new_run = new_run
        self.new = list(new_run.events)
        self.recorded = list(old_run.events)  # one entry per history event / DBOS operation
        self.old = _drop_skipped_markers(self.recorded, self.new) if self.engine is temporal else self.recorded
        self.cuts = cuts
        self.base_ids, self.head_ids = base_ids, head_ids
        self.old_ids, self.new_ids = self._numbers()

    def _numbers(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The engine's own number of each old and new entry, as the step tables print them:
        Temporal's HistoryEvent id, DBOS's function id."""
        if self.engine is dbos:
            return _function_ids(self.old), _function_ids(self.new)
        recorded = dict(zip(map(id, self.recorded), temporal_events.event_ids(self.cuts[-1])))
        head = temporal.histories(self.new_run, self.new_wf.name)[-1]
        return (tuple(recorded.get(id(e), 0) for e in self.old[:MAX_LABELS]),
                tuple(temporal_events.event_ids(head)[:min(len(self.new), MAX_LABELS)]))

    def changes(self, head_requests) -> list[C.Change]:
        ok, nk = [e.key for e in self.old], [e.key for e in self.new]
        out: list[C.Change] = []
        divergence = None
        if ok != nk:
            opcodes = align(ok, nk)
            divergence = next((op.i1 for op in opcodes if op.kind != "equal"), None)
            for op in differences(opcodes, ok, nk):
                change = self._judge(op)
                if change is not None:
                    out.append(change)
        if self.engine is dbos:
            out += self._patch_before_blocked(head_requests)
        else:
            out += self._split_tasks(head_requests, divergence)
        return out + self._silent_reorders()

    # -- one difference --------------------------------------------------------------------------
    def _breaks(self, events: list[Issued]) -> tuple[Failure | None, Failure | None]:
        completes = not (events and events[-1].key[0] == CONTINUE_AS_NEW)
        return self.engine.breaks(lambda: _script(events, completes), self.cuts)

    def _judge(self, op: Opcode) -> C.Change | None:
        """One difference, applied alone to the old run."""
        middle = op.issued(self.old, self.new)
        hypothesis = self.old[:op.i1] + middle + self.old[op.i2:]
        open_failure, completed_failure = self._breaks(hypothesis)
        change_kind = self._kind(op)
        failure = open_failure or completed_failure
        cut = failure.cut if failure is not None else ""
        event = failure.result.event_index if failure is not None else None
        if open_failure is None:
            if completed_failure is not None:
                change_kind = C.COMPLETED_ONLY
            elif self.engine is dbos and op.kind == "insert" and op.i1 == len(self.old):
                change_kind, cut = C.SILENT, "blocked in its last step"
            else:
                return None
        message = failure.result.message if failure is not None else ""
        span, path, patch_id = self._where(change_kind, op)
        return self._change(
            change_kind, span, path, breaks_in_flight=open_failure is not None,
            old_focus=tuple(e.label() for e in op.old(self.old)),
            new_focus=tuple(e.label() for e in middle),
            engine_message=message, cut=cut, patch_id=patch_id, event=event,
            before=self.old[op.i2].label() if op.i2 < len(self.old) else "",
        )

    def _change(self, kind: str, span: Span, path: str, **fields) -> C.Change:
        if "new_steps" not in fields:
            fields.update(old_steps=_labels(self.old), new_steps=_labels(self.new),
                          old_ids=self.old_ids, new_ids=self.new_ids)
        return C.Change(kind=kind, engine=self.engine_name, workflow=self.new_wf.name, path=path, span=span,
                        is_async=self.new_wf.is_async, **fields)

    def _kind(self, op: Opcode) -> str:
        removed_markers = [e for e in op.old(self.old) if e.is_marker and e.patch is not None]
        if any(getattr(e.patch, "id", None) not in self.head_ids for e in removed_markers):
            return C.PATCH_REMOVED
        if self._bad_patch(op) is not None:
            return C.BAD_OLD_BRANCH
        if self._reused_patch(op) is not None:
            return C.PATCH_ID_REUSED
        return {"insert": C.INSERTED, "delete": C.REMOVED, "replace": C.REPLACED, "move": C.REORDERED}[op.kind]

    def _bad_patch(self, op: Opcode):
        """The head-only patch whose (replayed) old branch the difference touches, if any."""
        for node, start, end in self.new_run.regions:
            if node.id in self.base_ids:
                continue
            if start == end or op.j1 == op.j2:  # an empty old branch, or a removal: touching counts
                touches = op.j1 <= end and start <= op.j2
            else:
                touches = op.j1 < end and start < op.j2
            if touches:
                return node.id
        return None

    def _reused_patch(self, op: Opcode):
        """A second ``patched(id)`` site of an id the base revision recorded, whose new branch the
        difference lies in: Temporal answers it from the id's memoized marker (True for runs that
        recorded it), so those runs take a new branch they never ran."""
        first: dict[str, object] = {}
        for node in walk(self.new_wf.program):
            if isinstance(node, Patched) and node.id is not None:
                first.setdefault(node.id, node)
        for node, start, end in self.new_run.taken_regions:
            if (node.id in self.base_ids and first.get(node.id) is not node
                    and start <= op.j1 and op.j2 <= end and op.j1 < op.j2):
                return node
        return None

    def _where(self, kind: str, op: Opcode):
        """(span, file, patch id) to report a change at, in the new revision."""
        if kind == C.PATCH_REMOVED:
            gone = next(e.patch.id for e in op.old(self.old) if e.is_marker and e.patch is not None
                        and e.patch.id not in self.head_ids)
            return locate(self.new_wf), self.new_wf.path, gone
        if kind == C.PATCH_ID_REUSED:
            node = self._reused_patch(op)
            return _located(node, self.new_wf.path) + (node.id,)
        if kind == C.BAD_OLD_BRANCH:
            patch_id = self._bad_patch(op)
            node = _patch_node(self.new_wf.program, patch_id)
            return _located(node if node is not None else self.new_wf, self.new_wf.path) + (patch_id,)
        if op.at < len(self.new):
            return self._at(self.new[op.at]) + (None,)
        return locate(self.new_wf), self.new_wf.path, None

    def _at(self, event: Issued) -> tuple[Span, str]:
        return _located(event.step if event.step is not None else event.patch, self.new_wf.path)

    # -- Temporal: commands that went out in one workflow task now wait for each other -----------
    def _split_tasks(self, head_requests, divergence: int | None) -> list[C.Change]:
        """Replay matches one recorded workflow task at a time: if the head code blocks before it
        has issued every command of the task being replayed, the rest have no command. Seen as a
        failure of the head program's own replay before the first differing command."""
        open_failure, _ = self.engine.breaks(head_requests, self.cuts)
        if open_failure is None:
            return []
        failed = self.recorded[open_failure.result.position]
        position = next((i for i, ev in enumerate(self.old) if ev is failed), None)
        if position is None or position >= len(self.new) or (divergence is not None and position >= divergence):
            return []
        span, path = self._at(self.new[position])
        return [
            self._change(
                C.SPLIT_TASKS, span, path, breaks_in_flight=True,
                old_focus=(self.old[position].label(),), new_focus=(self.new[position].label(),),
                engine_message=open_failure.result.message, cut=open_failure.cut,
                event=open_failure.result.event_index,
            )
        ]

    # -- DBOS: a new patch written into the slot a blocked recv/get_event left empty -------------
    def _patch_before_blocked(self, head_requests) -> list[C.Change]:
        out = []
        for cut in self.cuts:
            if cut.blocked_in is None:
                continue
            rows = {r.function_id: r.name for r in cut.rows}
            gap = next(n for n in range(1, max(rows) + 1) if n not in rows)
            retraced = list(dbos.run(head_requests(), rows).events)
            at_gap = _at_slot(retraced, gap)
            if at_gap is None or not at_gap.is_marker or at_gap.patch is None:
                continue
            result = dbos.replay_stream(head_requests(), cut)
            if result.ok:
                continue
            blocked = cut.blocked_in
            out.append(self._change(
                C.PATCH_BEFORE_BLOCKED, locate(at_gap.patch), at_gap.patch.path or self.new_wf.path,
                breaks_in_flight=True, old_steps=_labels(self.old), old_ids=self.old_ids,
                new_steps=_labels(retraced), new_ids=_function_ids(retraced), old_focus=(blocked,),
                new_focus=(at_gap.label(),), engine_message=result.message,
                cut=cut.describe(), event=result.event_index, patch_id=getattr(at_gap.patch, "id", None),
                before=blocked,
            ))
        return out

    # -- same type, different arguments, new order ----------------------------------------------
    def _silent_reorders(self) -> list[C.Change]:
        out = []
        by_key_old: dict[tuple, list[str]] = {}
        by_key_new: dict[tuple, list[tuple[str, Issued]]] = {}
        for ev in self.old:
            if ev.step is not None:
                by_key_old.setdefault(ev.key, []).append(ev.step.args)
        for ev in self.new:
            if ev.step is not None:
                by_key_new.setdefault(ev.key, []).append((ev.step.args, ev))
        for key, new_args in by_key_new.items():
            old_args = by_key_old.get(key, [])
            args = [a for a, _ in new_args]
            if len(args) < 2 or len(old_args) != len(args) or args == old_args:
                continue
            if Counter(args) != Counter(old_args):
                continue  # arguments changed, not reordered: nothing to say
            first = next(ev for (a, ev), b in zip(new_args, old_args) if a != b)
            out.append(self._change(
                C.SILENT, locate(first.step), first.step.path or self.new_wf.path, breaks_in_flight=False,
                old_focus=tuple(f"{key[1]}({a})" for a in old_args),
                new_focus=tuple(f"{key[1]}({a})" for a in args), cut="reordered arguments",
            ))
        return out


def _function_ids(events: list[Issued]) -> tuple[int, ...]:
    """DBOS function ids: each entry takes the next one (``recv``/``get_event`` take two)."""
    ids, current = [], 1
    for event in events[:MAX_LABELS]:
        ids.append(current)
        current += event.slots
    return tuple(ids)


def _at_slot(events: list[Issued], slot: int) -> Issued | None:
    """The DBOS entry whose own function id is ``slot`` (None: the second id of a two-slot call)."""
    current = 1
    for event in events:
        if current == slot:
            return event
        current += event.slots
        if current > slot:
            return None
    return None


def _located(node, default_path: str) -> tuple:
    """A node's span and the file it is written in (helpers may live in another module)."""
    return locate(node), (getattr(node, "path", "") or default_path)


def _labels(events: list[Issued]) -> tuple[str, ...]:
    return tuple(e.label() for e in events[:MAX_LABELS])


def _patch_node(program, patch_id):
    return next((n for n in walk(program) if isinstance(n, Patched) and n.id == patch_id), None)


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
        out.append(C.Change(
            kind=C.REPLACED if twin is not None else C.REMOVED, engine=new.engine, workflow=new.name,
            path=where.path or new.path, span=locate(where), breaks_in_flight=True,
            old_steps=(key,), new_steps=(twin.key,) if twin is not None else (),
            old_focus=(f"{kind} handler {name}",),
            new_focus=(f"{kind} handler {new_name}",) if twin is not None else (),
            engine_message=_HANDLER_GONE[kind].format(name=name),
            cut=f"received {kind} {name}",
        ))
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
        kind=C.WORKFLOW_REMOVED, engine=old.engine, workflow=old.name, path=path, span=span,
        breaks_in_flight=True, old_steps=tuple(s.label() for s in steps_of(old.program))[:MAX_LABELS],
        new_steps=tuple(s.label() for s in steps_of(twin.program))[:MAX_LABELS] if twin else (),
        new_focus=(twin.name,) if twin else (),
    )
