"""Two runs' keys aligned: the differences between them, each to be judged on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Opcode:
    """``old[i1:i2]`` becomes ``new[j1:j2]``; ``kind`` is difflib's tag ("equal", "insert", "delete",
    "replace") or "move" (a ``Move``)."""

    kind: str
    i1: int
    i2: int
    j1: int
    j2: int

    def old(self, seq: Sequence[T]) -> Sequence[T]:
        return seq[self.i1:self.i2]

    def new(self, seq: Sequence[T]) -> Sequence[T]:
        return seq[self.j1:self.j2]

    def issued(self, old: Sequence[T], new: Sequence[T]) -> list[T]:
        """What the new code issues in place of ``old[i1:i2]``."""
        return list(self.new(new))

    @property
    def at(self) -> int:
        """The new entry to report the difference at."""
        return self.j1


@dataclass(frozen=True)
class Move(Opcode):
    """Steps of ``old[i1:i2]`` issued in a new order. ``order`` lists the range's entries as the
    new code issues them: ``(True, j)`` is ``new[j]``; ``(False, i)`` is ``old[i]``, a step the new
    code dropped, left where it was. Reported at ``new[moved]``, the first moved step."""

    order: tuple[tuple[bool, int], ...] = ()
    moved: int = 0

    def issued(self, old: Sequence[T], new: Sequence[T]) -> list[T]:
        return [new[k] if is_new else old[k] for is_new, k in self.order]

    @property
    def at(self) -> int:
        return self.moved


def align(ok: Sequence, nk: Sequence) -> list[Opcode]:
    """difflib's opcodes turning ``ok`` into ``nk``."""
    return [Opcode(*op) for op in SequenceMatcher(None, ok, nk, autojunk=False).get_opcodes()]


def differences(opcodes: list[Opcode], ok: Sequence, nk: Sequence) -> list[Opcode]:
    """``opcodes`` as differences to judge one at a time, in old order.

    A step deleted at one place and inserted at another is a move, whatever else changed around
    it: difflib pairs only what stays in order, so a swap after an insertion comes out as a
    delete here and an insert there (or inside one wider insert). Each moved step is paired with
    its twin; overlapping moves make one ``Move``. What is left of each opcode is judged as
    before: an insertion, a removal or a replacement."""
    changed = [op for op in opcodes if op.kind != "equal"]
    deleted = [i for op in changed if op.kind != "insert" for i in range(op.i1, op.i2)]
    inserted = [j for op in changed if op.kind != "delete" for j in range(op.j1, op.j2)]
    twin: dict[int, int] = {}  # old index -> new index of a moved step
    free = list(inserted)
    for i in deleted:
        j = next((j for j in free if nk[j] == ok[i]), None)
        if j is not None:
            twin[i] = j
            free.remove(j)
    moved_new = set(twin.values())
    out: list[Opcode] = []
    for op in changed:
        olds = [i for i in range(op.i1, op.i2) if i not in twin]
        news = [j for j in range(op.j1, op.j2) if j not in moved_new]
        if len(olds) == op.i2 - op.i1 and len(news) == op.j2 - op.j1:
            out.append(op)
            continue
        old_runs, new_runs = _runs(olds), _runs(news)
        if op.kind == "replace" and len(old_runs) == 1 and len(new_runs) == 1:
            (old_run,), (new_run,) = old_runs, new_runs
            out.append(Opcode("replace", old_run.start, old_run.stop, new_run.start, new_run.stop))
            continue
        out += [Opcode("delete", r.start, r.stop, op.j1, op.j1) for r in old_runs]
        out += [Opcode("insert", op.i1, op.i1, r.start, r.stop) for r in new_runs]
    out += _moves(opcodes, twin)
    return sorted(out, key=lambda op: (op.i1, op.j1))


def _runs(indices: list[int]) -> list[range]:
    """``[1, 2, 5]`` → ``[range(1, 3), range(5, 6)]``."""
    runs: list[list[int]] = []
    for k in indices:
        if runs and runs[-1][1] == k:
            runs[-1][1] = k + 1
        else:
            runs.append([k, k + 1])
    return [range(a, b) for a, b in runs]


def _moves(opcodes: list[Opcode], twin: dict[int, int]) -> list[Move]:
    """The moves of ``twin`` (old index -> new index), overlapping ones merged into one."""
    if not twin:
        return []
    new_of = {i: j for op in opcodes if op.kind == "equal"
              for i, j in zip(range(op.i1, op.i2), range(op.j1, op.j2))}
    new_of.update(twin)
    spans = []
    for i, j in twin.items():
        # where new[j] stands in old's order: before the old step the opcode holding it starts at
        op = next(op for op in opcodes if op.j1 <= j < op.j2)
        lands = op.i1 + min(j - op.j1, op.i2 - op.i1)
        spans.append((i, lands, j) if lands > i else (lands, i + 1, j))
    spans.sort()
    groups: list[list] = []
    for lo, hi, j in spans:
        if groups and lo < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], hi)
            groups[-1][2].append(j)
        else:
            groups.append([lo, hi, [j]])
    out = []
    for lo, hi, moved in groups:
        kept = sorted((new_of[i], i) for i in range(lo, hi) if i in new_of)  # in the new order
        slots = [i for i in range(lo, hi) if i in new_of]
        order = [(False, i) for i in range(lo, hi)]
        for slot, (j, _) in zip(slots, kept):
            order[slot - lo] = (True, j)
        js = [j for j, _ in kept]
        out.append(Move("move", lo, hi, min(js), max(js) + 1, tuple(order), min(moved)))
    return out
