"""Arrows one way: every import in ``patchlint`` (function-local ones included) points down this list.

A module may import its own layer and the layers below it, never one above: data types and git at
the bottom, the command line at the top. The same order is written in README.md (Layout).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "patchlint"

# Bottom to top. A module belongs to the layer of the longest name here that is it or its package;
# ``patchlint`` alone is the package's ``__init__`` (its version).
LAYERS: list[tuple[str, ...]] = [
    (
        "patchlint",
        "patchlint.escape",
        "patchlint.errors",
        "patchlint.findings",
        "patchlint.model",
        "patchlint.git",
        "patchlint.files",
        "patchlint.importers",
        "patchlint.deployment",
    ),  # data types, errors, file and git reads
    ("patchlint.extract",),  # libcst → model
    ("patchlint.semantics",),  # the one interpreter: runs, histories, replay
    ("patchlint.diff",),  # two models → changes, each judged by the interpreter
    ("patchlint.verify", "patchlint.lifecycle"),  # the runtime as judge; patch stages from git log
    ("patchlint.rules",),  # one module per rule; each builds its own findings
    ("patchlint.suppression",),  # selection of rule codes, # noqa
    ("patchlint.config",),  # [tool.patchlint]: selection, deployment models
    (
        "patchlint.api",
        "patchlint.check",
        "patchlint.replay",
        "patchlint.steps",
        "patchlint.testing",
    ),  # the library's entry points
    ("patchlint.report",),  # text, json, sarif, github, summary
    ("patchlint.integrations", "patchlint.__main__"),  # cli, flake8, Action, live sources, history io
]

# Arrows that still run up, each in a module another change owns; the test fails when one is gone,
# so that it is struck off here too.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every ``patchlint`` module ``path`` imports, wherever the import statement is."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # ``from patchlint import git``: the module patchlint.git
                sub = f"{target}.{alias.name}"
                found.add(sub if _is_module(sub) else target)
    return {m for m in found if m == "patchlint" or m.startswith("patchlint.")}


def layer_of(module: str) -> int:
    best, rank = -1, None
    for index, names in enumerate(LAYERS):
        for name in names:
            fits = module == name if name == "patchlint" else module == name or module.startswith(name + ".")
            if fits and len(name) > best:
                best, rank = len(name), index
    if rank is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS (and README.md's Layout)")
    return rank


def upward_arrows() -> set[tuple[str, str]]:
    arrows = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        for imported in imports_of(path):
            if layer_of(imported) > layer_of(importer):
                arrows.add((importer, imported))
    return arrows


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(_module_name(path))


def test_imports_only_point_down():
    unexpected = sorted(upward_arrows() - KNOWN_UPWARD)
    assert not unexpected, "imports that run up the layers:\n" + "\n".join(f"  {a} -> {b}" for a, b in unexpected)


def test_known_upward_arrows_still_exist():
    gone = sorted(KNOWN_UPWARD - upward_arrows())
    assert not gone, f"fixed, strike them off KNOWN_UPWARD: {gone}"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from patchlint import git\n", {"patchlint.git"}),
        ("def f():\n    from patchlint.api import Report\n", {"patchlint.api"}),
        ("from patchlint import __version__\n", {"patchlint"}),
        ("from .findings import Finding\n", {"patchlint.findings"}),
    ],
)
def test_imports_are_read_everywhere(tmp_path, monkeypatch, source, expected):
    """The reader sees local and relative imports (it would pass vacuously if it did not)."""
    module = PACKAGE / "_layers_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert imports_of(module) == expected


def test_an_upward_import_is_caught():
    assert layer_of("patchlint.report.text") > layer_of("patchlint.api") > layer_of("patchlint.rules.common")
    assert layer_of("patchlint.git") < layer_of("patchlint.lifecycle.gitlog") < layer_of("patchlint.integrations.cli")
