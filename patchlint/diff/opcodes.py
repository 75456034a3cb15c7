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
        return seq[self.i1 : self.i2]

    def new(self, seq: Sequence[T]) -> Sequence[T]:
        return seq[self.j1 : self.j2]

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


MAX_EDITS = 500  # past this many edits Myers' search costs more than it is worth: difflib aligns


def align(ok: Sequence, nk: Sequence) -> list[Opcode]:
    """Opcodes (difflib's tags) turning ``ok`` into ``nk`` through a longest common subsequence.

    difflib's ``SequenceMatcher`` anchors on the longest contiguous block, which is not the
    longest common subsequence: ``A L L L`` → ``A L A L L`` comes out as "insert ``A L``, delete
    the last ``L``" rather than "insert ``A``", and a pure insertion then reads as a move. Myers'
    O(ND) search (Myers 1986, as git and GNU diff use it) finds a shortest edit script; difflib
    is kept for wholesale rewrites, past ``MAX_EDITS`` edits."""
    script = _shortest_edit_script(ok, nk)
    if script is None:
        return [Opcode(*op) for op in SequenceMatcher(None, ok, nk, autojunk=False).get_opcodes()]
    return _opcodes(script, len(ok), len(nk))


def _shortest_edit_script(a: Sequence, b: Sequence) -> list[tuple[int, int]] | None:
    """The matched pairs ``(i, j)`` of a longest common subsequence of ``a`` and ``b``, in order;
    None when more than ``MAX_EDITS`` edits separate them."""
    n, m = len(a), len(b)
    lo = 0
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = n, m
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a, hi_b = hi_a - 1, hi_b - 1
    head = [(k, k) for k in range(lo)]
    tail = [(hi_a + k, hi_b + k) for k in range(n - hi_a)]
    a, b = a[lo:hi_a], b[lo:hi_b]
    n, m = len(a), len(b)
    frontier = {1: 0}  # diagonal k = x - y → furthest x reached
    history = []
    for d in range(min(n + m, MAX_EDITS) + 1):
        history.append(dict(frontier))
        for k in range(-d, d + 1, 2):
            if _down(frontier, k, d):
                x = frontier[k + 1]  # down: an insertion
            else:
                x = frontier[k - 1] + 1  # right: a deletion
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            frontier[k] = x
            if x >= n and y >= m:
                return head + [(i + lo, j + lo) for i, j in _backtrack(history, a, b, d, k)] + tail
    return None


def _down(frontier: dict[int, int], k: int, d: int) -> bool:
    """Whether the furthest path to diagonal ``k`` at edit ``d`` comes down from ``k + 1`` (an
    insertion) rather than right from ``k - 1`` (a deletion). On a tie the deletion comes second:
    the earlier old step stays matched, as difflib keeps it (a swap ``A B`` → ``B A`` moves ``B``)."""
    return k == -d or (k != d and frontier[k - 1] + 1 < frontier[k + 1])


def _backtrack(history: list[dict[int, int]], a: Sequence, b: Sequence, d: int, k: int) -> list[tuple[int, int]]:
    """The matched pairs of the path Myers' search found: walk back from the end, one edit at a
    time, through the frontier each edit started from (``history[step]``)."""
    x, y = len(a), len(b)
    pairs = []
    for step in range(d, 0, -1):
        before = history[step]
        down = _down(before, k, step)
        k_prev = k + 1 if down else k - 1
        x_prev = before[k_prev]
        y_prev = x_prev - k_prev
        x_edit, y_edit = (x_prev, y_prev + 1) if down else (x_prev + 1, y_prev)
        while x > x_edit and y > y_edit:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y, k = x_prev, y_prev, k_prev
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        pairs.append((x, y))
    pairs.reverse()
    return pairs


def _opcodes(pairs: list[tuple[int, int]], n: int, m: int) -> list[Opcode]:
    """difflib-style opcodes from the matched pairs of a common subsequence."""
    out: list[Opcode] = []
    i = j = 0
    for pi, pj in [*pairs, (n, m)]:
        if i < pi or j < pj:
            kind = "replace" if i < pi and j < pj else ("delete" if i < pi else "insert")
            out.append(Opcode(kind, i, pi, j, pj))
        if pi < n:
            if out and out[-1].kind == "equal" and out[-1].i2 == pi and out[-1].j2 == pj:
                out[-1] = Opcode("equal", out[-1].i1, pi + 1, out[-1].j1, pj + 1)
            else:
                out.append(Opcode("equal", pi, pi + 1, pj, pj + 1))
        i, j = pi + 1, pj + 1
    return out


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
    new_of = {i: j for op in opcodes if op.kind == "equal" for i, j in zip(range(op.i1, op.i2), range(op.j1, op.j2))}
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
