"""The fast positions (Python's ast) agree with libcst's PositionProvider on every step, patch call
and workflow name of every fixture, duplicates included."""

from __future__ import annotations

import pytest
from casedata import all_cases

from patchlint.api import models_of
from patchlint.extract.source import SourceModule, code_text
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


@pytest.mark.parametrize("path", FILES)
def test_attributes_and_dicts_found_fast_are_where_position_provider_says(path):
    """Values (``versioning_behavior=VersioningBehavior.PINNED``, a DBOS configuration dict) are
    found by text when it is unique; a dotted import name (an attribute to libcst, none to ast)
    or a parenthesised value is not mistaken for one."""
    import libcst as cst

    from patchlint.extract.traverse import walk as walk_tree

    text = path.read_text()
    module = SourceModule.from_text(text, path.name)
    for node in walk_tree(module.tree):
        if type(node) in (cst.Attribute, cst.Dict):
            fast = module._fast.find(node)
            pos = module._positions[node]
            assert fast in (None, Span(pos.start.line, pos.start.column, pos.end.line, pos.end.column)), node


def test_import_names_and_parenthesised_values_fall_back_and_repeated_values_go_by_order():
    """``import temporalio.common`` holds the attribute ``temporalio.common`` to libcst and none to
    ast, and a parenthesised value prints with its parentheses, which ast leaves out:
    PositionProvider answers for those. Identical values are told apart by their order."""
    import libcst as cst

    from patchlint.extract.traverse import walk as walk_tree

    text = (
        "import temporalio.common\nfrom temporalio.common import VersioningBehavior\n"
        "X = temporalio.common\nY = (VersioningBehavior.PINNED)\nZ = {'a': 1}\nW = {'a': 1}\n"
        "V = VersioningBehavior.AUTO_UPGRADE\nU = VersioningBehavior.AUTO_UPGRADE\n"
    )
    module = SourceModule.from_text(text, "m.py")
    found = {}
    for node in walk_tree(module.tree):
        if type(node) in (cst.Attribute, cst.Dict):
            pos = module._positions[node]
            found[(pos.start.line, code_text(node))] = module._fast.find(node)
    assert found == {
        (1, "temporalio.common"): None,
        (2, "temporalio.common"): None,
        (3, "temporalio.common"): None,
        (4, "(VersioningBehavior.PINNED)"): None,
        (5, "{'a': 1}"): Span(5, 4, 5, 12),
        (6, "{'a': 1}"): Span(6, 4, 6, 12),
        (7, "VersioningBehavior.AUTO_UPGRADE"): Span(7, 4, 7, 35),
        (8, "VersioningBehavior.AUTO_UPGRADE"): Span(8, 4, 8, 35),
    }
