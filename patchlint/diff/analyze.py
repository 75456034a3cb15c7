"""Old vs new step programs → ``Change`` records, one per divergence, with its effect on open runs.

For every choice of branches, the base program is recorded (patches live) and the head program is
replayed against that record. The two event sequences are aligned (difflib); each difference is
judged on its own: would a run recorded by the base and paused after any of its steps fail with
only this difference applied?
"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher

from patchlint.diff import changes as C
from patchlint.diff.engines import (
    dbos_breaks,
    first_divergence,
    temporal_breaks,
    temporal_message,
    temporal_normalise,
    temporal_pause_points,
)
from patchlint.diff.trace import (
    Ev,
    hard_task_count,
    record,
    replay_against,
    replay_rows,
    slot_rows,
    task_of,
)
from patchlint.model.program import ModuleModel, Patched, Seq, Span, Workflow, locate, patch_ids, steps_of, walk  # noqa: E501
from patchlint.semantics.choices import enumerate_choices
from patchlint.semantics.dbos import unexpected_step

MAX_LABELS = 60


def diff_models(old_models: list[ModuleModel], new_models: list[ModuleModel], config=None):
    old = {(w.engine, w.name): w for m in old_models for w in m.workflows}
    new = {(w.engine, w.name): w for m in new_models for w in m.workflows}
    changes: list[C.Change] = []
    pairs = []
    for key in sorted(old.keys() | new.keys()):
        o, n = old.get(key), new.get(key)
        pairs.append((o, n))
        if o is not None and n is not None:
            changes += diff_workflow(o, n)
            handlers_new = dict(n.handlers)
            for name, program in o.handlers:
                if name in handlers_new:
                    changes += diff_programs(o, n, program, handlers_new[name])
        elif o is not None:
            changes.append(_removed_workflow(o, {k: w for k, w in new.items() if k not in old}))
    return changes, pairs


def diff_workflow(old: Workflow, new: Workflow) -> list[C.Change]:
    return diff_programs(old, new, old.program, new.program)


def diff_programs(old_wf: Workflow, new_wf: Workflow, old: Seq, new: Seq) -> list[C.Change]:
    engine = new_wf.engine
    found: dict[tuple, C.Change] = {}
    base_ids, head_ids = patch_ids(old), patch_ids(new)
    for choices in enumerate_choices(old, new):
        old_ev = record(engine, old, choices)
        new_ev = replay_against(engine, new, choices, old_ev)
        if engine == "temporal":
            old_ev = temporal_normalise(old_ev, new_ev)
        retrace = lambda rows, choices=choices: replay_rows(new, choices, rows)  # noqa: E731
        judge = _Judge(old_wf, new_wf, old_ev, new_ev, base_ids, head_ids, retrace)
        for change in judge.changes():
            key = (change.kind, change.span)
            if key not in found or (change.breaks_in_flight and not found[key].breaks_in_flight):
                found[key] = change
    changes = list(found.values())
    breaking = {(c.path, c.span.line) for c in changes if c.breaks_in_flight}
    # a change that already breaks open runs needs no second, weaker finding on the same line
    return [c for c in changes if c.kind != C.COMPLETED_ONLY or (c.path, c.span.line) not in breaking]


class _Judge:
    """The changes between one old trace and the new trace replayed against it."""

    def __init__(self, old_wf, new_wf, old_ev: list[Ev], new_ev: list[Ev], base_ids, head_ids, retrace):
        """``retrace(rows)``: the new program's events recovering a DBOS run that recorded ``rows``."""
        self.retrace = retrace
        self.old_wf, self.new_wf = old_wf, new_wf
        self.engine = new_wf.engine
        self.old, self.new = old_ev, new_ev
        self.base_ids, self.head_ids = base_ids, head_ids

    def changes(self) -> list[C.Change]:
        ok, nk = [e.key for e in self.old], [e.key for e in self.new]
        out: list[C.Change] = []
        if ok != nk:
            ops = [op for op in SequenceMatcher(None, ok, nk, autojunk=False).get_opcodes() if op[0] != "equal"]
            for kind, i1, i2, j1, j2 in _pair_moves(ops, ok, nk):
                change = self._judge(kind, i1, i2, j1, j2)
                if change is not None:
                    out.append(change)
        if self.engine == "dbos":
            out += self._patch_before_blocked()
        else:
            out += self._split_tasks()
        return out + self._silent_reorders()

    # -- one difference --------------------------------------------------------------------------
    def _judge(self, kind, i1, i2, j1, j2) -> C.Change | None:
        hyp = self.old[:i1] + self.new[j1:j2] + self.old[i2:]
        if self.engine == "temporal":
            open_break, completed_break, d = temporal_breaks(self.old, hyp)
            message = temporal_message(self.old, d if d is not None and d < len(self.old) else None,
                                       _at(hyp, d)) if d is not None else ""
            cut = self._temporal_cut(d) if open_break else ("completed" if completed_break else "")
        else:
            open_break, slot = dbos_breaks(self.old, hyp)
            completed_break = False
            message, cut = self._dbos_message(hyp, slot)
        change_kind = self._kind(kind, i1, i2, j1, j2)
        if not open_break:
            if self.engine == "temporal" and completed_break:
                change_kind = C.COMPLETED_ONLY
            elif self.engine == "dbos" and kind == "insert" and i1 == len(self.old):
                change_kind, cut = C.SILENT, "blocked in its last step"
            else:
                return None
        return self._make(change_kind, open_break, i1, i2, j1, j2, message, cut)

    def _kind(self, kind, i1, i2, j1, j2) -> str:
        removed_markers = [e for e in self.old[i1:i2] if e.is_marker and e.patch is not None]
        if any(getattr(e.patch, "id", None) not in self.head_ids for e in removed_markers):
            return C.PATCH_REMOVED
        if self._bad_patch(j1, j2) is not None:
            return C.BAD_OLD_BRANCH
        return {"insert": C.INSERTED, "delete": C.REMOVED, "replace": C.REPLACED, "move": C.REORDERED}[kind]

    def _bad_patch(self, j1, j2):
        """The head-only patch whose (replayed) old branch the difference touches, if any."""
        for node, start, end in getattr(self.new, "regions", ()):
            if node.id in self.base_ids:
                continue
            if start == end or j1 == j2:  # an empty old branch, or a removal: touching counts
                touches = j1 <= end and start <= j2
            else:
                touches = j1 < end and start < j2
            if touches:
                return node.id
        return None

    def _make(self, kind, open_break, i1, i2, j1, j2, message, cut) -> C.Change:
        span, path, patch_id = self._where(kind, j1, j2, i1, i2)
        return C.Change(
            kind=kind,
            engine=self.engine,
            workflow=self.new_wf.name,
            path=path,
            span=span,
            breaks_in_flight=open_break,
            old_steps=_labels(self.old),
            new_steps=_labels(self.new),
            old_focus=tuple(e.label() for e in self.old[i1:i2]),
            new_focus=tuple(e.label() for e in self.new[j1:j2]),
            engine_message=message,
            cut=cut,
            patch_id=patch_id,
            before=self.old[i2].label() if i2 < len(self.old) else "",
        )

    def _where(self, kind, j1, j2, i1=0, i2=0):
        """(span, file, patch id) to report a change at, in the new revision."""
        if kind == C.PATCH_REMOVED:
            gone = next(e.patch.id for e in self.old[i1:i2] if e.is_marker and e.patch is not None
                        and e.patch.id not in self.head_ids)
            return locate(self.new_wf), self.new_wf.path, gone
        if kind == C.BAD_OLD_BRANCH:
            patch_id = self._bad_patch(j1, j2)
            node = _patch_node(self.new_wf.program, patch_id)
            return _located(node if node is not None else self.new_wf, self.new_wf.path) + (patch_id,)
        if j1 < len(self.new):
            ev = self.new[j1]
            return _located(ev.step if ev.step is not None else ev.patch, self.new_wf.path) + (None,)
        return locate(self.new_wf), self.new_wf.path, None

    # -- engine wording -------------------------------------------------------------------------
    def _temporal_cut(self, d: int) -> str:
        length = next(length for length in temporal_pause_points(self.old) if length > d)
        return f"paused after step {length} (`{self.old[length - 1].label()}`)"

    def _dbos_message(self, hyp: list[Ev], slot: int | None) -> tuple[str, str]:
        if slot is None:
            return "", ""
        recorded, issued = slot_rows(self.old), slot_rows(hyp)
        last = max(recorded)
        cut = f"paused after step {last} (`{recorded[last]}`)"
        return unexpected_step(slot, recorded[slot], issued[slot]), cut

    # -- DBOS: a new patch written into the slot a blocked recv/get_event left empty -------------
    def _patch_before_blocked(self) -> list[C.Change]:
        out = []
        slot = 1
        for ev in self.old:
            if ev.slots == 2:  # blocked here: rows < slot and the sleep row slot+1 are recorded
                rows = {s: name for s, name in slot_rows(self.old).items() if s < slot}
                rows[slot + 1] = "DBOS.sleep"
                out += self._gap_cut_failures(rows, slot, ev)
            slot += ev.slots
        return out

    def _gap_cut_failures(self, rows: dict[int, str], gap: int, blocked: Ev) -> list[C.Change]:
        """Recover the new code against a run blocked in ``blocked``: a patch that now takes the
        empty call slot pushes the call onto its own recorded sleep row."""
        retraced = self.retrace(rows)
        issued, slot = {}, 1
        for ev in retraced:
            issued[slot] = ev
            if ev.slots == 2:
                issued[slot + 1] = None  # the call's own sleep
            slot += ev.slots
        at_gap = issued.get(gap)
        if at_gap is None or not at_gap.is_marker or at_gap.patch is None:
            return []
        failing = next((s for s in sorted(rows) if s in issued and _row_name(issued, s) != rows[s]), None)
        if failing is None:
            return []
        message = unexpected_step(failing, rows[failing], _row_name(issued, failing))
        return [
            C.Change(
                kind=C.PATCH_BEFORE_BLOCKED, engine="dbos", workflow=self.new_wf.name,
                path=at_gap.patch.path or self.new_wf.path, span=locate(at_gap.patch), breaks_in_flight=True,
                old_steps=_labels(self.old), new_steps=_labels(retraced), old_focus=(blocked.label(),),
                new_focus=(at_gap.label(),), engine_message=message,
                cut=f"blocked in `{blocked.label()}` (step {gap})", patch_id=getattr(at_gap.patch, "id", None),
                before=blocked.label(),
            )
        ]

    # -- Temporal: commands that went out in one workflow task now wait for each other -----------
    def _split_tasks(self) -> list[C.Change]:
        """Replay matches one recorded workflow task at a time: if the new code blocks before it
        has issued every command of the task being replayed, the rest have no command."""
        ok, nk = [e.key for e in self.old], [e.key for e in self.new]
        d = first_divergence(ok, nk)
        limit = min(len(self.old), len(self.new), d if d is not None else len(self.old))
        for i in range(limit):
            if hard_task_count(self.new[:i]) > task_of(self.old, i):
                pauses = [length for length in temporal_pause_points(self.old) if length > i]
                if not pauses:
                    return []
                ev = self.new[i]
                span, path = _located(ev.step if ev.step is not None else ev.patch, self.new_wf.path)
                message = temporal_message(self.old, i, None, no_command=True)
                return [
                    C.Change(
                        kind=C.SPLIT_TASKS, engine="temporal", workflow=self.new_wf.name, path=path,
                        span=span, breaks_in_flight=True, old_steps=_labels(self.old),
                        new_steps=_labels(self.new), old_focus=(self.old[i].label(),),
                        new_focus=(ev.label(),), engine_message=message,
                        cut=f"paused after step {pauses[0]} (`{self.old[pauses[0] - 1].label()}`)",
                    )
                ]
        return []

    # -- same type, different arguments, new order ----------------------------------------------
    def _silent_reorders(self) -> list[C.Change]:
        out = []
        by_key_old: dict[tuple, list[str]] = {}
        by_key_new: dict[tuple, list[tuple[str, Ev]]] = {}
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
                C.Change(
                    kind=C.SILENT, engine=self.engine, workflow=self.new_wf.name,
                    path=first.step.path or self.new_wf.path, span=locate(first.step), breaks_in_flight=False, old_steps=_labels(self.old),
                    new_steps=_labels(self.new), old_focus=tuple(f"{key[1]}({a})" for a in old_args),
                    new_focus=tuple(f"{key[1]}({a})" for a in args), cut="reordered arguments",
                )
            )
        return out


def _pair_moves(ops, ok, nk):
    """Turn difflib's delete+insert of the same steps into one move; equal-content replaces too."""
    out = []
    inserts = [op for op in ops if op[0] == "insert"]
    used = set()
    for op in ops:
        tag, i1, i2, j1, j2 = op
        if tag == "replace" and Counter(ok[i1:i2]) == Counter(nk[j1:j2]):
            out.append(("move", i1, i2, j1, j2))
        elif tag == "delete":
            twin = next((ins for ins in inserts if ins not in used and nk[ins[3]:ins[4]] == ok[i1:i2]), None)
            if twin is not None:
                used.add(twin)
                # the move, located where the moved steps now stand
                lo, hi = min(i1, twin[1]), max(i2, twin[1])
                out.append(("move", lo, hi, min(j1, twin[3]), max(j2, twin[4])))
            else:
                out.append(op)
        elif tag == "insert":
            continue
        else:
            out.append(op)
    out += [op for op in inserts if op not in used]
    return sorted(out, key=lambda op: (op[1], op[3]))


def _row_name(issued: dict, slot: int) -> str:
    ev = issued[slot]
    return "DBOS.sleep" if ev is None else ev.key[1]


def _located(node, default_path: str) -> tuple:
    """A node's span and the file it is written in (helpers may live in another module)."""
    return locate(node), (getattr(node, "path", "") or default_path)


def _at(events: list[Ev], index: int | None) -> Ev | None:
    return events[index] if index is not None and index < len(events) else None


def _labels(events: list[Ev]) -> tuple[str, ...]:
    return tuple(e.label() for e in events[:MAX_LABELS])


def _patch_node(program, patch_id):
    return next((n for n in walk(program) if isinstance(n, Patched) and n.id == patch_id), None)


def _removed_workflow(old: Workflow, added: dict) -> C.Change:
    """A workflow type that is gone; located at a new workflow with the same steps (a rename) if any."""
    old_ids = [s.identity for s in steps_of(old.program)]
    twin = next(
        (w for (engine, _), w in sorted(added.items())
         if engine == old.engine and [s.identity for s in steps_of(w.program)] == old_ids),
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
