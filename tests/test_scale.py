"""Cost that follows the size of the input, checked by counting work (never by timing): the same
count at n and at 4n where the cost must not grow, and --verify deciding every cut of a run with
one replay while finding exactly what replaying every cut finds."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchlint.api import models_of
from patchlint.extract import source as source_module
from patchlint.extract.source import SourceModule
from patchlint.extract.traverse import children, walk
from patchlint.model.program import Seq, Span, Step, Workflow
from patchlint.semantics import dbos, temporal
from patchlint.semantics.choices import enumerate_choices
from patchlint.verify import verify_pair
from tests.strategies import program_pairs, render

ROOT = Path(__file__).resolve().parent.parent


# ---- --verify: one replay per run, not one per cut ---------------------------------------------
def long_workflow(engine: str, steps: int, insert_at: int | None = None) -> Workflow:
    kind = "activity" if engine == "temporal" else "dbos_step"
    names = [f"s{i % 3}" for i in range(steps)]
    if insert_at is not None:
        names.insert(insert_at, "inserted")
    program = Seq(tuple(Step(kind, name) for name in names))
    return Workflow(engine, "Long", "workflow.py", Span(1, 0, 1, 0), program)


def replays(monkeypatch, engine_module, old: Workflow, new: Workflow):
    count = 0
    real = engine_module.replay_stream

    def counting(stream, history):
        nonlocal count
        count += 1
        return real(stream, history)

    monkeypatch.setattr(engine_module, "replay_stream", counting)
    verdict = verify_pair(old, new)
    return count, verdict


@pytest.mark.parametrize("engine, module", [("temporal", temporal), ("dbos", dbos)])
def test_verify_replays_each_run_once_whatever_its_length(monkeypatch, engine, module):
    counts = []
    for steps in (50, 200):
        old, new = long_workflow(engine, steps), long_workflow(engine, steps, insert_at=steps // 2)
        count, verdict = replays(monkeypatch, module, old, new)
        assert verdict.breaks_in_flight
        assert verdict.histories == steps + 1  # every cut is still decided
        counts.append(count)
    assert counts[0] == counts[1] == 1


# ---- --verify means what it meant: every cut replayed on its own ---------------------------------
def every_cut(old: Workflow, new: Workflow) -> tuple[bool, bool, dict | None, dict | None]:
    """The reference: replay every cut of every run separately (quadratic, the old --verify)."""
    engine = {"temporal": temporal, "dbos": dbos}[old.engine]
    failing = []
    new_handlers = dict(new.handlers)
    pairs = [(old.program, new.program)] + [
        (program, new_handlers[key]) for key, program in old.handlers if key in new_handlers
    ]
    for old_program, new_program in pairs:
        for choices in enumerate_choices(old_program, new_program):
            cuts = engine.record(Workflow(old.engine, old.name, old.path, old.span, old_program), choices)
            for cut in cuts:
                result = engine.replay_stream(engine.requests(new_program, choices)(), cut)
                if not result.ok:
                    failing.append((choices, cut, result))

    def first(in_flight: bool):
        def size(item):
            recorded = item[1].events if hasattr(item[1], "events") else item[1].rows
            return (len(recorded), item[2].position or 0)

        wanted = [f for f in failing if f[1].completed != in_flight]
        if not wanted:
            return None
        _, cut, result = min(wanted, key=size)
        return {"cut": cut.describe(), "event": result.event_index, "engine_message": result.message}

    return (
        any(not c.completed for _, c, _ in failing),
        any(c.completed for _, c, _ in failing),
        first(True),
        first(False),
    )


def workflow_of(source: str, name: str) -> Workflow:
    for module in models_of({"workflow.py": source}):
        for workflow in module.workflows:
            if workflow.name == name:
                return workflow
    raise AssertionError(f"{name} not extracted")


@pytest.mark.parametrize("engine", ["temporal", "dbos"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
@pytest.mark.slow
def test_verify_finds_what_replaying_every_cut_finds(engine, data):
    old, new, _ = data.draw(program_pairs(engine))
    old_wf = workflow_of(render(old), old.workflow_name)
    new_wf = workflow_of(render(new), new.workflow_name)
    verdict = verify_pair(old_wf, new_wf)

    def witness(in_flight):
        failure = verdict.first(in_flight=in_flight)
        if failure is None:
            return None
        data = failure.witness()
        data.pop("run", None)
        return data

    got = (verdict.breaks_in_flight, verdict.breaks_completed, witness(True), witness(False))
    assert got == every_cut(old_wf, new_wf)


# ---- positions: each call's text printed once, however many findings -----------------------------
def twins_module(workflows: int) -> str:
    """Every workflow calls its own activity twice with the same text (a duplicated call)."""
    parts = ["from temporalio import workflow\n"]
    for n in range(workflows):
        call = f"await workflow.execute_activity(act_{n}, x)"
        parts.append(
            f"\n\n@workflow.defn\nclass W{n}:\n    @workflow.run\n    async def run(self, x):\n"
            f"        {call}\n        {call}\n"
        )
    return "".join(parts)


def printed_while_locating(monkeypatch, workflows: int) -> int:
    module = SourceModule.from_text(twins_module(workflows), "workflow.py")
    calls = [n for n in walk(module.tree) if isinstance(n, cst.Call)]
    count = 0
    real = source_module.code_text

    def counting(node):
        nonlocal count
        count += 1
        return real(node)

    monkeypatch.setattr(source_module, "code_text", counting)
    located = [module.span(call) for call in calls[:6]]  # both twins of three workflows
    assert [s.line for s in located] == [8, 9, 16, 17, 24, 25]
    return count


def test_locating_a_call_with_a_twin_does_not_print_every_call_of_the_module(monkeypatch):
    assert printed_while_locating(monkeypatch, 20) == printed_while_locating(monkeypatch, 80)


# ---- the fast walk meets the nodes a CSTVisitor meets, in the same order --------------------------
def visitor_order(tree: cst.CSTNode) -> list[cst.CSTNode]:
    seen = []
    layout_free = {id(n) for n in walk(tree)}  # compared on code nodes only

    class Every(cst.CSTVisitor):
        def on_visit(self, node):
            seen.append(node)
            # libcst visits an f-string's format spec before its expression, and an import's
            # names before its module: not their source order
            return not isinstance(node, (cst.FormattedStringExpression, cst.ImportFrom))

    tree.visit(Every())
    return [n for n in seen if id(n) in layout_free]


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "testdata").rglob("*.py"))[:80])
def test_walk_meets_every_code_node_in_source_order(path):
    tree = cst.parse_module((ROOT / path).read_text())
    stop = (cst.FormattedStringExpression, cst.ImportFrom)
    assert [id(n) for n in walk(tree, stop=stop)] == [id(n) for n in visitor_order(tree)]


def test_children_are_in_source_order():
    expr = cst.parse_expression("f(a)(b) if g(c) else h(d)")  # the body comes before the test
    assert [cst.Module([]).code_for_node(c) for c in children(expr)] == ["f(a)(b)", "g(c)", "h(d)"]
    fn = cst.parse_statement("@deco(x)\nasync def run(self, y=z()):\n    await go()\n")
    assert [type(c).__name__ for c in children(fn)] == [
        "Decorator",
        "Asynchronous",
        "Name",
        "Parameters",
        "IndentedBlock",
    ]
