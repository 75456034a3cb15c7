"""The diff judge: differences as ``Opcode``s, one judge per engine, no engine branches in diff/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import patchlint.diff
from patchlint.diff.analyze import JUDGES
from patchlint.diff.judge_dbos import DbosJudge, function_ids
from patchlint.diff.judge_temporal import TemporalJudge
from patchlint.diff.opcodes import Move, Opcode, align, differences
from patchlint.semantics import dbos, temporal
from patchlint.semantics.trace import Issued

ENGINE_NAMES = {"temporal", "dbos"}


def judged(ok: str, nk: str) -> list[tuple]:
    """Each difference of ``ok`` → ``nk`` (one letter a step) as (kind, i1, i2, what the new code
    issues in place of old[i1:i2], the new index it is reported at)."""
    return [(d.kind, d.i1, d.i2, "".join(d.issued(ok, nk)), d.at) for d in differences(align(ok, nk), ok, nk)]


@pytest.mark.parametrize(
    "ok, nk, expected",
    [
        ("ABC", "AXC", [("replace", 1, 2, "X", 1)]),
        ("ABC", "AC", [("delete", 1, 2, "", 1)]),
        # a swap after an insertion: difflib sees an insert and a delete, the judge a move
        ("ABC", "XACB", [("insert", 0, 0, "X", 0), ("move", 1, 3, "CB", 2)]),
        # a step moved to the front
        ("ABCD", "DABC", [("move", 0, 4, "DABC", 0)]),
        # C moved before A while B was dropped: the move keeps B in place, the removal is its own
        ("ABCD", "CAD", [("move", 0, 3, "CBA", 0), ("delete", 1, 2, "", 2)]),
        # what is left of a replace around a moved step is a replace of its own
        ("ABCDE", "AXEDC", [("replace", 1, 2, "X", 1), ("move", 2, 5, "EDC", 2)]),
    ],
)
def test_differences(ok, nk, expected):
    assert judged(ok, nk) == expected


def test_opcode_slices():
    op = Opcode("replace", 1, 3, 2, 3)
    assert (op.old("abcd"), op.new("wxyz"), op.issued("abcd", "wxyz"), op.at) == ("bc", "y", ["y"], 2)
    move = Move("move", 0, 2, 0, 2, ((True, 1), (False, 0)), moved=1)
    assert (move.issued("ab", "xy"), move.at) == (["y", "a"], 1)


def test_a_judge_per_engine():
    assert JUDGES == {"temporal": TemporalJudge, "dbos": DbosJudge}
    assert (TemporalJudge.engine, DbosJudge.engine) == (temporal, dbos)


def test_dbos_function_ids_count_two_for_recv():
    events = [Issued(("dbos_step", "a")), Issued(("recv", "DBOS.recv"), slots=2), Issued(("dbos_step", "b"))]
    assert function_ids(events) == (1, 2, 4)


def _engine_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing with an engine's name or semantics module (``engine == "dbos"``, ``is temporal``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                if (isinstance(operand, ast.Constant) and operand.value in ENGINE_NAMES) or (
                    isinstance(operand, ast.Name) and operand.id in ENGINE_NAMES
                ):
                    lines.append(node.lineno)
    return lines


def test_no_engine_branches_in_diff():
    """What differs per engine is a method of its judge, never a branch on the engine."""
    found = {}
    for path in sorted(Path(next(iter(patchlint.diff.__path__))).glob("*.py")):
        lines = _engine_comparisons(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[path.name] = lines
    assert found == {}


def _lcs_length(a, b) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        new = [0]
        for j, y in enumerate(b):
            new.append(row[j] + 1 if x == y else max(row[j + 1], new[j]))
        row = new
    return row[-1]


@given(st.lists(st.sampled_from("ALC"), max_size=12), st.lists(st.sampled_from("ALC"), max_size=12))
def test_align_keeps_a_longest_common_subsequence(old, new):
    """difflib anchors on the longest contiguous block, not the longest common subsequence: it
    turned A L L L → A L A L L into "insert A L, delete L", which the move pairing then read as a
    reorder (a false PAT103 on a plain insertion)."""
    ops = align(old, new)
    starts = [(op.i1, op.j1) for op in ops] + [(len(old), len(new))]
    assert starts == [(0, 0)] + [(op.i2, op.j2) for op in ops]  # contiguous, covering both
    assert sum(op.i2 - op.i1 for op in ops if op.kind == "equal") == _lcs_length(old, new)
    assert all(old[op.i1 : op.i2] == new[op.j1 : op.j2] for op in ops if op.kind == "equal")


def test_an_insertion_between_equal_steps_is_an_insertion():
    assert differences(align(list("ALLL"), list("ALALL")), list("ALLL"), list("ALALL")) == [
        Opcode("insert", 2, 2, 2, 3)
    ]
