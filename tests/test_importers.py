"""``patchlint.importers``: which files may import a changed module (a superset, read without libcst)."""

from __future__ import annotations

import pytest

from patchlint.importers import Target, imports_any, target


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app/workflow.py", Target("workflow", "app")),
        ("src/app/pkg/__init__.py", Target("pkg", "app")),
        ("helpers.py", Target("helpers", None)),
        ("__init__.py", Target("", None)),
    ],
)
def test_target(path, expected):
    assert target(path) == expected


WORKFLOW = target("app/workflow.py")
TOP = target("helpers.py")


@pytest.mark.parametrize(
    ("source", "module", "imports"),
    [
        # the engine's own module of the same name is never the repository's
        ("from temporalio import workflow", WORKFLOW, False),
        ("from temporalio import activity, workflow", WORKFLOW, False),
        ("import temporalio.workflow", WORKFLOW, False),
        ("from temporalio.workflow import defn", WORKFLOW, False),
        ("from other.workflow import run", WORKFLOW, False),
        ("workflows = [workflow]", WORKFLOW, False),
        # every way Python can load app/workflow.py
        ("from app import workflow", WORKFLOW, True),
        ("from app import (\n    activities,\n    workflow,\n)", WORKFLOW, True),
        ("from app import \\\n    workflow", WORKFLOW, True),
        ("from app import workflow as wf", WORKFLOW, True),
        ("from src.app import workflow", WORKFLOW, True),
        ("from . import workflow", WORKFLOW, True),
        ("from .workflow import Order", WORKFLOW, True),
        ("from ..app.workflow import Order", WORKFLOW, True),
        ("import app.workflow", WORKFLOW, True),
        ("import app.workflow as wf", WORKFLOW, True),
        ("from app.workflow import Order", WORKFLOW, True),
        ("from src.app.workflow import Order", WORKFLOW, True),
        ("import workflow", WORKFLOW, True),  # the script's own directory on sys.path
        ("from workflow import Order", WORKFLOW, True),
        ("with workflow.unsafe.imports_passed_through():\n    from app.workflow import Order", WORKFLOW, True),
        ("def main():\n    import os; from app.workflow import Order", WORKFLOW, True),
        ("try:\n    pass\nexcept ImportError:\n    from app import workflow", WORKFLOW, True),
        # a top-level module: only its own name or a relative import load it
        ("import helpers", TOP, True),
        ("from helpers import f", TOP, True),
        ("from . import helpers", TOP, True),
        ("from app import helpers", TOP, False),
        ("import app.helpers", TOP, False),
        # what the parser cannot read counts as importing everything
        ("from app import (workflow", WORKFLOW, True),
        ("x = 1\0", WORKFLOW, True),
    ],
)
def test_imports_any(source, module, imports):
    assert imports_any(source, {module}) is imports


def test_any_of_several_targets():
    assert imports_any("import helpers", {WORKFLOW, TOP})
    assert not imports_any("import os", {WORKFLOW, TOP})
