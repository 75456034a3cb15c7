"""The judge of one run: which differences between a base run and the head run break replay.

The algorithm is shared; what differs per engine (how entries are numbered, what the head runs
against, breaks no single difference explains) is overridden by ``TemporalJudge``
(``judge_temporal``) and ``DbosJudge`` (``judge_dbos``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from types import ModuleType
from typing import ClassVar

from patchlint.diff import changes as C
from patchlint.diff.opcodes import Opcode, align, differences
from patchlint.model.program import (
    CONTINUE_AS_NEW,
    Patched,
    Seq,
    Span,
    Workflow,
    locate,
    walk,
)
from patchlint.semantics.interpret import (
    BLOCK,
    DONE,
    PAUSE,
    WAIT,
    PatchCall,
    Request,
    RunFactory,
)
from patchlint.semantics.result import Failure
from patchlint.semantics.trace import Issued, Trace

MAX_LABELS = 60

Numbers = tuple[int, ...]


class Judge(ABC):
    """The changes between one base run and the head run against it."""

    engine: ClassVar[ModuleType]  # the engine's semantics module (``patchlint.semantics.*``)

    @classmethod
    def of_run(cls, old_wf: Workflow, new_wf: Workflow, old: Seq, new: Seq, choices, base_ids, head_ids) -> Judge:
        """The judge of one choice of branches: the base program runs live, the head program
        against the completed history (unchecked)."""
        engine = cls.engine
        old_run = engine.run(engine.requests(old, choices)())
        cuts = engine.histories(old_run, old_wf.name)
        head_requests = engine.requests(new, choices)
        new_run = engine.run(head_requests(), cls._against(cuts[-1]))
        return cls(new_wf, old_run, new_run, cuts, base_ids, head_ids, head_requests)

    def __init__(
        self, new_wf: Workflow, old_run: Trace, new_run: Trace, cuts, base_ids, head_ids, head_requests: RunFactory
    ):
        self.new_wf = new_wf
        self.new_run = new_run
        self.new = list(new_run.events)
        self.recorded = list(old_run.events)  # one entry per history event / DBOS operation
        self.old = self._compared(self.recorded, self.new)
        self.cuts = cuts
        self.base_ids, self.head_ids = base_ids, head_ids
        self.head_requests = head_requests
        old_ids, new_ids = self._numbers()
        self._template = C.Change(
            kind="",
            engine=new_wf.engine,
            workflow=new_wf.name,
            path=new_wf.path,
            span=locate(new_wf),
            breaks_in_flight=False,
            old_steps=labels(self.old),
            new_steps=labels(self.new),
            old_ids=old_ids,
            new_ids=new_ids,
            is_async=new_wf.is_async,
        )

    # -- what each engine decides ----------------------------------------------------------------
    @staticmethod
    @abstractmethod
    def _against(history) -> object:
        """What the head program runs against: the base run's completed history, as ``engine.run``
        takes it."""

    def _compared(self, recorded: list[Issued], new: list[Issued]) -> list[Issued]:
        """The recorded entries the head run is compared with."""
        return recorded

    @abstractmethod
    def _numbers(self) -> tuple[Numbers, Numbers]:
        """The engine's own number of each old and new entry, as the step tables print them."""

    def _silent_cut(self, op: Opcode) -> str:
        """For a difference no run fails on: the runs it silently changes (``Change.cut``), ""
        when none."""
        return ""

    def _head_breaks(self, divergence: int | None) -> list[C.Change]:
        """Breaks found by replaying the head program itself, which no single difference explains
        (``divergence``: the first old entry that differs, None when none does)."""
        return []

    # -- the shared algorithm ----------------------------------------------------------------------
    def changes(self) -> list[C.Change]:
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
        return out + self._head_breaks(divergence) + self._silent_reorders()

    def _change(self, kind: str, span: Span, path: str, **fields) -> C.Change:
        """A change of this run, reported at ``span`` of ``path``; ``fields`` override the run's
        steps and numbers and the other defaults of ``Change``."""
        return replace(self._template, kind=kind, span=span, path=path, **fields)

    def _breaks(self, events: list[Issued]) -> tuple[Failure | None, Failure | None]:
        completes = not (events and events[-1].key[0] == CONTINUE_AS_NEW)
        return self.engine.breaks(lambda: _script(events, completes), self.cuts)

    def _judge(self, op: Opcode) -> C.Change | None:
        """One difference, applied alone to the old run."""
        middle = op.issued(self.old, self.new)
        hypothesis = self.old[: op.i1] + middle + self.old[op.i2 :]
        open_failure, completed_failure = self._breaks(hypothesis)
        change_kind = self._kind(op)
        failure = open_failure or completed_failure
        cut = failure.cut if failure is not None else ""
        if open_failure is None:
            if completed_failure is not None:
                change_kind = C.COMPLETED_ONLY
            elif silent := self._silent_cut(op):
                change_kind, cut = C.SILENT, silent
            else:
                return None
        span, path, patch_id = self._where(change_kind, op)
        return self._change(
            change_kind,
            span,
            path,
            breaks_in_flight=open_failure is not None,
            old_focus=tuple(e.label() for e in op.old(self.old)),
            new_focus=tuple(e.label() for e in middle),
            engine_message=failure.result.message if failure is not None else "",
            cut=cut,
            patch_id=patch_id,
            event=failure.result.event_index if failure is not None else None,
            before=self.old[op.i2].label() if op.i2 < len(self.old) else "",
        )

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
            if (
                node.id in self.base_ids
                and first.get(node.id) is not node
                and start <= op.j1
                and op.j2 <= end
                and op.j1 < op.j2
            ):
                return node
        return None

    def _where(self, kind: str, op: Opcode) -> tuple[Span, str, str | None]:
        """(span, file, patch id) to report a change at, in the new revision."""
        if kind == C.PATCH_REMOVED:
            gone = next(
                e.patch.id
                for e in op.old(self.old)
                if e.is_marker and e.patch is not None and e.patch.id not in self.head_ids
            )
            return locate(self.new_wf), self.new_wf.path, gone
        if kind == C.PATCH_ID_REUSED:
            node = self._reused_patch(op)
            return (*self._located(node), node.id)
        if kind == C.BAD_OLD_BRANCH:
            patch_id = self._bad_patch(op)
            node = _patch_node(self.new_wf.program, patch_id)
            return (*self._located(node if node is not None else self.new_wf), patch_id)
        if op.at < len(self.new):
            return (*self._at(self.new[op.at]), None)
        return locate(self.new_wf), self.new_wf.path, None

    def _at(self, event: Issued) -> tuple[Span, str]:
        return self._located(event.step if event.step is not None else event.patch)

    def _located(self, node) -> tuple[Span, str]:
        """A node's span and the file it is written in (helpers may live in another module)."""
        return locate(node), (getattr(node, "path", "") or self.new_wf.path)

    # -- same type, different arguments, new order -------------------------------------------------
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
            out.append(
                self._change(
                    C.SILENT,
                    *self._located(first.step),
                    breaks_in_flight=False,
                    old_focus=tuple(f"{key[1]}({a})" for a in old_args),
                    new_focus=tuple(f"{key[1]}({a})" for a in args),
                    cut="reordered arguments",
                )
            )
        return out


def _script(events: list[Issued], completes: bool) -> Iterator[Request]:
    """The requests of a run that issues exactly ``events`` (replies ignored): a hypothetical
    head run with one difference applied, replayed by the one replay of ``semantics``."""
    for event in events:
        if event.is_marker:
            yield PatchCall(event.patch_id, event.deprecated, event.patch)
        else:
            yield event.step
        if event.ends_activation:
            yield PAUSE
        if event.ends_task:
            yield WAIT if event.soft else BLOCK
    if completes:
        yield DONE


def labels(events: list[Issued]) -> tuple[str, ...]:
    return tuple(e.label() for e in events[:MAX_LABELS])


def _patch_node(program, patch_id):
    return next((n for n in walk(program) if isinstance(n, Patched) and n.id == patch_id), None)
