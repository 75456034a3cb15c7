"""The fast positions (Python's ast) agree with libcst's PositionProvider on every step, patch call
and workflow name of every fixture, duplicates included."""

from __future__ import annotations

import pytest
from casedata import all_cases

from patchlint.api import models_of
from patchlint.extract.source import SourceModule
from patchlint.model.program import DeprecatePatch, Patched, Span, Step, walk

FILES = [
    pytest.param(f, id=f"{c.name}/{f.relative_to(c.folder).as_posix()}")
    for c in all_cases()
    for f in sorted(c.folder.rglob("*.py"))
]


@pytest.mark.parametrize("path", FILES)
def test_fast_positions_match_position_provider(path):
    text = path.read_text()
    models = models_of({path.name: text})
    checked = 0
    for module in models:
        for wf in module.workflows:
            nodes = [wf] + [n for n in walk(wf.program) if isinstance(n, (Step, Patched, DeprecatePatch))]
            for node in nodes:
                src: SourceModule = node.src
                if src is None or node.node is None or src.path != path.name:
                    continue
                pos = src._positions[node.node]
                expected = Span(pos.start.line, pos.start.column, pos.end.line, pos.end.column)
                assert src._fast is not None
                fast = src._fast.find(node.node)
                assert fast in (None, expected), (node, fast, expected)
                assert src.span(node.node) == expected
                checked += fast is not None
    if any(m.workflows for m in models):
        assert checked > 0


@pytest.mark.parametrize("path", FILES)
def test_every_call_has_a_fast_position(path):
    """Every call, over several lines inside an indented block too (libcst prints such a node
    without its block's indentation), is found by text: none falls back to PositionProvider."""
    import libcst as cst

    from patchlint.extract.traverse import walk as walk_tree

    module = SourceModule.from_text(path.read_text(), path.name)
    calls = [node for node in walk_tree(module.tree) if type(node) is cst.Call]
    for call in calls:
        pos = module._positions[call]
        assert module._fast.find(call) == Span(pos.start.line, pos.start.column, pos.end.line, pos.end.column), call
