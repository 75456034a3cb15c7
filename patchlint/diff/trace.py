"""Flatten a step program into the sequence of events one run records, for one choice of branches.

Branch outcomes come from ``patchlint.semantics.choices``, the same runs the reference runtime checks
(condition text shared by old and new: ``if x:`` means the same in both). Old programs are *recorded* (patches live); new programs are *replayed* against an old
trace (a patch is taken when the old trace holds its marker).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from patchlint.model.program import (
    BLOCKING_KINDS,
    DBOS_STEP,
    DeprecatePatch,
    If,
    Loop,
    Node,
    Parallel,
    Patched,
    Return,
    Seq,
    Step,
    Try,
    Wait,
    walk,
)
from patchlint.semantics.choices import Choices, if_value, loop_count, try_outcome
from patchlint.semantics.history import MARKER


@dataclass(frozen=True)
class Ev:
    """One recorded command (Temporal) or row (DBOS)."""

    key: tuple[str, str]  # what the engine compares: (kind, type name)
    step: Step | None = None  # the step that issued it (None for patch markers)
    patch: object = None  # the Patched/DeprecatePatch node behind a marker
    pausable: bool = True  # Temporal: a workflow task may end after it
    deprecated: bool = False  # Temporal marker written by deprecate_patch
    slots: int = 1
    origin: tuple[tuple[str | None, str], ...] = ()  # enclosing (patch id, "new"|"old") branches
    soft: bool = False  # the pause after it comes from a ``Wait``: on replay it may not happen

    @property
    def is_marker(self) -> bool:
        return self.key[0] == MARKER or self.key[1].startswith("DBOS.patch-")

    def label(self) -> str:
        if self.step is not None:
            return self.step.label()
        kind = "deprecate_patch" if self.deprecated else "patched"
        return f"{kind}({self.key[1].removeprefix('DBOS.patch-')!r}) marker"


# ---- traces -------------------------------------------------------------------------------------

class _Stop(Exception):
    pass


class Trace(list):
    """Events, plus where each not-taken patch's old branch ran: ``(patch node, start, end)``."""

    regions: list


class Tracer:
    """Walk a program for one assignment. ``decide(node, events_so_far)`` says whether a patch is
    taken and whether it records a marker; the default records (base revision, patches live)."""

    def __init__(self, engine: str, choices: Choices, decide=None, try_ordinals: dict | None = None):
        self.engine = engine
        self.choices = choices
        self.decide = decide or self._record
        self.events: list[Ev] = []
        self.seen_patches: dict[str, bool] = {}
        self.try_ordinals = try_ordinals  # id(Try node) → its source ordinal (the choice key)
        self.regions: list = []

    def run(self, program: Node) -> Trace:
        if self.try_ordinals is None:
            self.try_ordinals = {id(n): i for i, n in enumerate(n for n in walk(program) if isinstance(n, Try))}
        try:
            self.node(program, ())
        except _Stop:
            pass
        trace = Trace(self.events)
        trace.regions = self.regions
        return trace

    def _record(self, node, events):
        """Base revision running live: patched → True and a marker (once per id for Temporal)."""
        if isinstance(node, DeprecatePatch):
            return True, self.engine == "temporal"
        return True, True

    def node(self, node: Node, origin) -> None:
        if isinstance(node, Step):
            pausable = (node.kind in BLOCKING_KINDS and node.awaited) or node.kind == DBOS_STEP
            self.events.append(Ev(node.identity, node, pausable=pausable, slots=node.slots, origin=origin))
        elif isinstance(node, Wait):
            if self.events and not self.events[-1].is_marker and not self.events[-1].pausable:
                self.events[-1] = _with_pause(self.events[-1], True, soft=True)
        elif isinstance(node, Seq):
            for item in node.items:
                self.node(item, origin)
        elif isinstance(node, If):
            self.node(node.then if if_value(self.choices, node.cond) else node.orelse, origin)
        elif isinstance(node, Patched):
            self.patched(node, origin)
        elif isinstance(node, DeprecatePatch):
            self.deprecate(node, origin)
        elif isinstance(node, Loop):
            for _ in range(loop_count(self.choices, node.cond)):
                self.node(node.body, origin)
            self.node(node.orelse, origin)
        elif isinstance(node, Try):
            self.try_(node, origin)
        elif isinstance(node, Parallel):
            self.parallel(node, origin)
        elif isinstance(node, Return):
            raise _Stop

    def _marker(self, node, deprecated: bool, origin) -> Ev:
        if self.engine == "temporal":
            return Ev((MARKER, node.id or "?"), patch=node, pausable=False, deprecated=deprecated, origin=origin)
        return Ev((DBOS_STEP, f"DBOS.patch-{node.id or '?'}"), patch=node, origin=origin)

    def patched(self, node: Patched, origin) -> None:
        if self.engine == "temporal" and node.id in self.seen_patches:
            taken, marker = self.seen_patches[node.id], False  # memoized per id for the run
        else:
            taken, marker = self.decide(node, self.events)
            self.seen_patches[node.id] = taken
        if marker:
            self.events.append(self._marker(node, False, origin))
        branch = "new" if taken else "old"
        start = len(self.events)
        try:
            self.node(node.new if taken else node.old, (*origin, (node.id, branch)))
        finally:
            if not taken:
                self.regions.append((node, start, len(self.events)))

    def deprecate(self, node: DeprecatePatch, origin) -> None:
        if self.engine == "temporal" and node.id in self.seen_patches:
            return
        _, marker = self.decide(node, self.events)
        self.seen_patches[node.id] = True
        if marker:
            self.events.append(self._marker(node, True, origin))

    def try_(self, node: Try, origin) -> None:
        handler = try_outcome(self.choices, self.try_ordinals.get(id(node), -1))
        self.node(node.body, origin)
        if handler >= 0:
            self.node(node.handlers[handler], origin)
        else:
            self.node(node.orelse, origin)
        self.node(node.final, origin)

    def parallel(self, node: Parallel, origin) -> None:
        """Branches run in rounds: each round, every branch runs up to its next blocking step;
        Temporal sends a round's commands in one workflow task and ends the task after it."""
        segments = []
        for branch in node.branches:
            sub = Tracer(self.engine, self.choices, self.decide, self.try_ordinals)
            sub.seen_patches = self.seen_patches
            sub.node(branch, origin)
            segments.append(_segments(sub.events))
        for round_events in itertools.zip_longest(*segments, fillvalue=[]):
            batch = [ev for seg in round_events for ev in seg]
            if self.engine != "temporal" or not batch:
                self.events.extend(batch)
                continue
            blocks = any(ev.pausable for ev in batch)
            self.events.extend(_unpausable(ev) for ev in batch[:-1])
            last = batch[-1]
            self.events.append(_with_pause(last, blocks))


def _segments(events: list[Ev]) -> list[list[Ev]]:
    """Split a branch's events after each blocking one."""
    out, current = [], []
    for ev in events:
        current.append(ev)
        if ev.pausable:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _with_pause(ev: Ev, pausable: bool, soft: bool = False) -> Ev:
    return Ev(ev.key, ev.step, ev.patch, pausable, ev.deprecated, ev.slots, ev.origin, soft)


def _unpausable(ev: Ev) -> Ev:
    return _with_pause(ev, False)


def record(engine: str, program: Node, choices: Choices) -> list[Ev]:
    return Tracer(engine, choices).run(program)


def replay_against(engine: str, program: Node, choices: Choices, history: list[Ev]) -> list[Ev]:
    """The events the new program issues when replaying ``history`` (a recorded old trace)."""
    if engine == "temporal":
        # patched(id) on replay sees only the markers of the workflow tasks replayed so far
        marker_task: dict[str, int] = {}
        for index, ev in enumerate(history):
            if ev.key[0] == MARKER:
                marker_task.setdefault(ev.key[1], task_of(history, index))

        def decide(node, events):
            present = node.id in marker_task and marker_task[node.id] <= hard_task_count(events)
            return present, present

        return Tracer(engine, choices, decide).run(program)
    return replay_rows(program, choices, slot_rows(history))


def replay_rows(program: Node, choices: Choices, rows: dict[int, str]) -> list[Ev]:
    """DBOS: the events the program issues when recovering a workflow that recorded ``rows``."""

    def decide_dbos(node, events):
        slot = next_slot(events)
        recorded = rows.get(slot)
        mine = f"DBOS.patch-{node.id or '?'}"
        if isinstance(node, DeprecatePatch):
            return True, recorded == mine
        if recorded is None:
            return True, True  # an empty slot: the patch is written now
        return (True, True) if recorded == mine else (False, False)

    return Tracer("dbos", choices, decide_dbos).run(program)


def task_of(events: list[Ev], index: int) -> int:
    """Which workflow task (0-based) a recorded event went out in."""
    return sum(1 for ev in events[:index] if ev.pausable)


def hard_task_count(events: list[Ev]) -> int:
    """Workflow tasks the replaying code has surely ended: it awaited a command it just issued
    (a ``Wait`` may not end one: the awaited result can already be in)."""
    return sum(1 for ev in events if ev.pausable and not ev.soft)


def next_slot(events: list[Ev]) -> int:
    return 1 + sum(ev.slots for ev in events)


def slot_rows(events: list[Ev]) -> dict[int, str]:
    """DBOS function id → recorded name; ``recv``/``get_event`` take the call's id and the next."""
    rows: dict[int, str] = {}
    slot = 1
    for ev in events:
        rows[slot] = ev.key[1]
        if ev.slots == 2:
            rows[slot + 1] = "DBOS.sleep"
        slot += ev.slots
    return rows
