"""``patchlint.importers``: which files import a changed module, as the extractor resolves imports
(a superset, read without libcst)."""

from __future__ import annotations

import pytest

from patchlint.importers import MAX_IMPORT_ROUNDS, follow_importers, imports_any, module_word

WORKFLOW = "app/workflow.py"
TOP = "helpers.py"
PACKAGE = "app/__init__.py"


@pytest.mark.parametrize(
    ("path", "word"),
    [
        ("app/workflow.py", "workflow"),
        ("src/app/pkg/__init__.py", "pkg"),
        ("helpers.py", "helpers"),
        ("__init__.py", ""),
    ],
)
def test_module_word(path, word):
    assert module_word(path) == word


@pytest.mark.parametrize(
    ("source", "importer", "module", "imports"),
    [
        # the engine's own module of the same name is never the repository's
        ("from temporalio import workflow", "app/run.py", WORKFLOW, False),
        ("from temporalio import activity, workflow", "app/run.py", WORKFLOW, False),
        ("import temporalio.workflow", "app/run.py", WORKFLOW, False),
        ("from temporalio.workflow import defn", "app/run.py", WORKFLOW, False),
        ("from other.workflow import run", "app/run.py", WORKFLOW, False),
        ("workflows = [workflow]", "app/run.py", WORKFLOW, False),
        # a script's own folder: another folder's workflow.py is not the one it imports
        ("from workflow import Order", "app/run.py", WORKFLOW, True),
        ("import workflow", "app/run.py", WORKFLOW, True),
        ("from workflow import Order", "billing/run.py", WORKFLOW, False),
        # a src layout or a monorepo's project: a folder the importer sits in is a root
        ("from app.workflow import Order", "src/app/run.py", "src/app/workflow.py", True),
        ("from app import workflow", "services/orders/app/run.py", "services/orders/app/workflow.py", True),
        ("from app.workflow import Order", "services/billing/app/run.py", "services/orders/app/workflow.py", False),
        # every way the extractor resolves app/workflow.py
        ("from app import workflow", "run.py", WORKFLOW, True),
        ("from app import (\n    activities,\n    workflow,\n)", "run.py", WORKFLOW, True),
        ("from app import \\\n    workflow", "run.py", WORKFLOW, True),
        ("from app import workflow as wf", "run.py", WORKFLOW, True),
        ("from . import workflow", "app/run.py", WORKFLOW, True),
        ("from .workflow import Order", "app/run.py", WORKFLOW, True),
        ("from ..workflow import Order", "app/sub/run.py", WORKFLOW, True),
        ("from .workflow import Order", "billing/run.py", WORKFLOW, False),
        ("import app.workflow", "tests/test_run.py", WORKFLOW, True),
        ("import app.workflow as wf", "tests/test_run.py", WORKFLOW, True),
        ("from app.workflow import Order", "tests/test_run.py", WORKFLOW, True),
        ("with workflow.unsafe.imports_passed_through():\n    from app.workflow import Order", "w.py", WORKFLOW, True),
        ("def main():\n    import os; from app.workflow import Order", "w.py", WORKFLOW, True),
        ("try:\n    pass\nexcept ImportError:\n    from app import workflow", "w.py", WORKFLOW, True),
        # a package is loaded on the way to its modules
        ("import app.workflow", "run.py", PACKAGE, True),
        ("from app.workflow import Order", "run.py", PACKAGE, True),
        ("from temporalio import app", "run.py", PACKAGE, False),
        # a top-level module
        ("import helpers", "run.py", TOP, True),
        ("from helpers import f", "app/run.py", TOP, True),
        ("from app import helpers", "run.py", TOP, False),
        ("import app.helpers", "run.py", TOP, False),
        # what the parser cannot read counts as importing everything
        ("from app import (workflow", "run.py", WORKFLOW, True),
        ("import app.workflow\0", "run.py", WORKFLOW, True),
        ("x = 1\0", "run.py", WORKFLOW, False),  # no import statement at all
    ],
)
def test_imports_any(source, importer, module, imports):
    assert imports_any(source, importer, {module}) is imports


def test_any_of_several_modules():
    assert imports_any("import helpers", "run.py", {WORKFLOW, TOP})
    assert not imports_any("import os", "run.py", {WORKFLOW, TOP})


@pytest.mark.parametrize(
    ("source", "imports"),
    [
        ("from app \\\n    import workflow", True),  # the keyword on a continuation line
        ("try: import app.workflow\nexcept ImportError: pass", True),  # a statement that needs its block
        ("if TYPE_CHECKING: from app import workflow", True),
        ("x = 1; import app.workflow", True),
        ('"""we import workflow data"""\nfrom temporalio import workflow', False),
        ("from app import (  # the order of work\n    activities,\n    workflow,\n)", True),
        ("import os\nfrom app import (\n    activities,\n)\nworkflow = 1", False),
    ],
)
def test_statements_read_alone_or_whole(source, imports):
    assert imports_any(source, "run.py", {WORKFLOW}) is imports


def test_candidates_end_at_an_absolute_root():
    from patchlint.importers import module_path_candidates

    found = module_path_candidates("app.h", "/tmp/x/wf.py")
    assert found[:2] == ["app/h.py", "app/h/__init__.py"] and "/tmp/x/app/h.py" in found
    assert found[-2:] == ["/app/h.py", "/app/h/__init__.py"]


def _chain(files: dict[str, str]):
    """``grep`` and ``imports`` over an in-memory tree, and the words each link looked for."""
    asked: list[list[str]] = []

    def grep(words):
        asked.append(words)
        return [p for p, text in files.items() if any(w in text.split() for w in words)]

    def imports(path, modules):
        return imports_any(files[path], path, modules)

    return grep, imports, asked


FILES = {
    "app/h2.py": "X = 1\n",
    "app/h1.py": "from app import h2\n",
    "app/wf.py": "from app import h1\n",
    "app/run.py": "from app import wf\n",
    "app/other.py": "from lib import h2\n",  # names the word, loads another module
}


def test_follow_importers_walks_the_whole_chain():
    grep, imports, asked = _chain(FILES)
    found, complete = follow_importers({"app/h2.py"}, grep, imports)
    assert (found, complete) == ({"app/h1.py", "app/wf.py", "app/run.py"}, True)
    assert asked == [["h2"], ["h1"], ["wf"], ["run"]]
    found, _ = follow_importers({"app/h2.py"}, *_chain(FILES)[:2], skip={"app/h1.py"})
    assert found == set()


def test_follow_importers_is_incomplete_when_grep_fails_or_the_chain_is_too_long():
    grep, imports, _ = _chain(FILES)
    assert follow_importers({"app/h2.py"}, lambda words: None, imports) == (set(), False)
    long = {f"m{i}.py": f"import m{i - 1}\n" for i in range(1, MAX_IMPORT_ROUNDS + 2)}
    grep, imports, _ = _chain(long)
    found, complete = follow_importers({"m0.py"}, grep, imports)
    assert not complete and len(found) == MAX_IMPORT_ROUNDS
