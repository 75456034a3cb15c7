"""The import-table resolver (used on the hot path) agrees with libcst's QualifiedNameProvider
(~8x the parse cost, so only used here as the reference) on every imported name that every
testdata file calls."""

from __future__ import annotations

import libcst as cst
import pytest
from casedata import all_cases
from libcst.metadata import MetadataWrapper, QualifiedNameProvider, QualifiedNameSource

from patchlint.extract.names import collect_imports, dotted

FILES = [
    pytest.param(f, id=f"{c.name}/{f.relative_to(c.folder).as_posix()}")
    for c in all_cases()
    for f in sorted(c.folder.rglob("*.py"))
    if "import" in f.read_text(encoding="utf-8")  # a module that imports nothing has no name to resolve
]


@pytest.mark.parametrize("path", FILES)
def test_resolver_matches_qualified_name_provider(path):
    tree = cst.parse_module(path.read_text())
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    names = wrapper.resolve(QualifiedNameProvider)
    table = collect_imports(tree, path.name)
    compared = 0
    for node, qualified in names.items():
        if not isinstance(node, (cst.Name, cst.Attribute)) or dotted(node) is None:
            continue  # ``f().g`` has no qualified name (libcst names it as if ``f.g``)
        qualified = qualified() if callable(qualified) else qualified  # libcst resolves lazily
        imported = {q.name for q in qualified if q.source is QualifiedNameSource.IMPORT}
        if len(imported) != 1:
            continue
        assert table.qualify(node) == imported.pop(), cst.Module([]).code_for_node(node)
        compared += 1
    assert compared > 0


def test_relative_and_aliased_imports():
    tree = cst.parse_module(
        "from ..acts import charge as pay\nimport temporalio.workflow as wf\nfrom . import helpers\n"
    )
    table = collect_imports(tree, "app/orders/workflow.py")
    assert table.qualify(cst.parse_expression("pay")) == "app.acts.charge"
    assert table.qualify(cst.parse_expression("wf.sleep")) == "temporalio.workflow.sleep"
    assert table.qualify(cst.parse_expression("helpers.go")) == "app.orders.helpers.go"
    assert table.qualify(cst.parse_expression("local_fn")) == "app.orders.workflow.local_fn"
