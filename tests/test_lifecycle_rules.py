"""Lifecycle rules on hand-built models: the parts that need no git and no extraction."""

from __future__ import annotations

from patchlint.config import Config
from patchlint.model.program import (
    DeprecatePatch,
    Loop,
    ModuleModel,
    Parallel,
    Patched,
    Seq,
    Span,
    Step,
    Workflow,
)
from patchlint.rules.context import RuleContext
from patchlint.rules.pat202_premature_deprecate import PrematureDeprecate
from patchlint.rules.pat206_patch_id_not_literal import PatchIdNotLiteral
from patchlint.rules.pat209_patch_in_loop import PatchInLoop


def at(line: int) -> Span:
    return Span(line, 8, line, 30)


def wf(*items, engine="temporal", is_async=True) -> list[ModuleModel]:
    workflow = Workflow(engine, "W", "w.py", at(3), Seq(tuple(items)), is_async=is_async)
    return [ModuleModel("w.py", (workflow,))]


A, B = Step("activity", "a", at(9)), Step("activity", "b", at(10))


def guarded(pid, line):
    return Patched(pid, Seq((B,)), Seq((A,)), at(line))


def codes(rule, new, old=(), **ctx):
    found = rule().check(RuleContext(changes=[], old=list(old), new=new, config=Config(), **ctx))
    return sorted((f.code, f.line, f.severity.value) for f in found)


def test_pat209_loop_parallel_and_dbos_async():
    assert codes(PatchInLoop, wf(Loop("for x in y", Seq((guarded("p", 5),))))) == [("PAT209", 5, "warning")]
    gather = Parallel((Seq((guarded("p", 6),)), Seq((A,))))
    assert codes(PatchInLoop, wf(gather)) == [("PAT209", 6, "warning")]
    assert codes(PatchInLoop, wf(gather, engine="dbos", is_async=True)) == [("PAT209", 6, "error")]
    assert codes(PatchInLoop, wf(Parallel((Seq((guarded("p", 6),)),)))) == []  # one branch is not concurrency
    assert codes(PatchInLoop, wf(guarded("p", 5), Loop("for x in y", Seq((A,))))) == []


def test_pat206_non_literal_ids():
    assert codes(PatchIdNotLiteral, wf(guarded(None, 5), DeprecatePatch(None, at(7)))) == [
        ("PAT206", 5, "warning"),
        ("PAT206", 7, "warning"),
    ]
    assert codes(PatchIdNotLiteral, wf(guarded("p", 5))) == []


def test_pat202_needs_no_history_when_base_never_patched():
    old, new = wf(A), wf(DeprecatePatch("p", at(4)), B)
    assert codes(PrematureDeprecate, new, old) == [("PAT202", 4, "error")]
    assert codes(PrematureDeprecate, new, old=[]) == []  # a new workflow type: nothing in flight
    # base had patched(p) but there is no repository: the dated half stays silent
    assert codes(PrematureDeprecate, new, wf(guarded("p", 4))) == []
