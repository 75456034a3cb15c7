"""The DBOS judge: function ids, a step appended after the last, a patch in a blocked call's slot."""

from __future__ import annotations

from patchlint.diff import changes as C
from patchlint.diff.judge import MAX_LABELS, Judge, Numbers, labels
from patchlint.diff.opcodes import Opcode
from patchlint.semantics import dbos
from patchlint.semantics.history import DbosHistory
from patchlint.semantics.trace import Issued


class DbosJudge(Judge):
    engine = dbos

    @staticmethod
    def _against(history: DbosHistory) -> dict[int, str]:
        return _rows(history)

    def _numbers(self) -> tuple[Numbers, Numbers]:
        return function_ids(self.old), function_ids(self.new)

    def _silent_cut(self, op: Opcode) -> str:
        """Steps appended after the last: runs already blocked in that step run them when they
        resume."""
        return "blocked in its last step" if op.kind == "insert" and op.i1 == len(self.old) else ""

    def _head_breaks(self, divergence: int | None) -> list[C.Change]:
        """A new patch written into the slot a blocked ``recv``/``get_event`` left empty."""
        out = []
        for cut in self.cuts:
            if cut.blocked_in is None:
                continue
            rows = _rows(cut)
            gap = next(n for n in range(1, max(rows) + 1) if n not in rows)
            retraced = list(dbos.run(self.head_requests(), rows).events)
            at_gap = _at_slot(retraced, gap)
            if at_gap is None or not at_gap.is_marker or at_gap.patch is None:
                continue
            result = dbos.replay_stream(self.head_requests(), cut)
            if result.ok:
                continue
            out.append(
                self._change(
                    C.PATCH_BEFORE_BLOCKED,
                    *self._located(at_gap.patch),
                    breaks_in_flight=True,
                    new_steps=labels(retraced),
                    new_ids=function_ids(retraced),
                    old_focus=(cut.blocked_in,),
                    new_focus=(at_gap.label(),),
                    engine_message=result.message,
                    cut=cut.describe(),
                    event=result.event_index,
                    patch_id=getattr(at_gap.patch, "id", None),
                    before=cut.blocked_in,
                )
            )
        return out


def function_ids(events: list[Issued]) -> tuple[int, ...]:
    """DBOS function ids: each entry takes the next one (``recv``/``get_event`` take two)."""
    ids, current = [], 1
    for event in events[:MAX_LABELS]:
        ids.append(current)
        current += event.slots
    return tuple(ids)


def _rows(history: DbosHistory) -> dict[int, str]:
    return {r.function_id: r.name for r in history.rows}


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
