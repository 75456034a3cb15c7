"""The modules of one revision: parsed once, on demand, and the functions and classes they define.

Workflow files are parsed up front; other modules of the repository (helpers, activity definitions)
only when a workflow's code refers to them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from patchlint.errors import InputError
from patchlint.extract.names import module_name_for, module_path_candidates
from patchlint.extract.source import SourceModule


# Top-level packages that are never part of the repository: no need to look for their files.
EXTERNAL = frozenset(sys.stdlib_module_names) | {"temporalio", "dbos", "pydantic", "sqlalchemy"}


@dataclass(frozen=True)
class FunctionRef:
    module: SourceModule
    node: cst.FunctionDef
    owner: cst.ClassDef | None  # the class a method belongs to

    @property
    def qualname(self) -> str:
        name = self.node.name.value
        return f"{self.owner.name.value}.{name}" if self.owner is not None else name


@dataclass(frozen=True)
class ClassRef:
    module: SourceModule
    node: cst.ClassDef


class Revision:
    """Source files of one revision, parsed at most once each."""

    def __init__(self, files: Mapping[str, str], context: Mapping[str, str] | None = None):
        self.files = files
        self.context = context if context is not None else {}
        self._parsed: dict[str, SourceModule | None] = {}
        self._by_module: dict[str, str] = {module_name_for(p): p for p in files}

    def module(self, path: str) -> SourceModule | None:
        if path not in self._parsed:
            text = self.files.get(path)
            if text is None:
                text = self.context.get(path)
            self._parsed[path] = None if text is None else SourceModule.from_text(text, path)
        return self._parsed[path]

    def module_named(self, dotted: str, importer: str) -> SourceModule | None:
        """The module ``dotted`` as imported from ``importer``, if it is part of the repository."""
        if dotted in self._by_module:
            return self.module(self._by_module[dotted])
        for candidate in module_path_candidates(dotted, importer):
            if candidate in self.files or candidate in self.context:
                try:
                    return self.module(candidate)
                except InputError:
                    return None  # a broken helper module elsewhere is not this change's problem
        return None

    def resolve(self, qualified: str, importer: SourceModule) -> FunctionRef | ClassRef | None:
        """Find the function, method or class a qualified name points to, in this revision."""
        own = importer.imports.module
        if own and qualified.startswith(own + "."):  # a name of this module, not an import
            return lookup(importer, qualified[len(own) + 1 :].split("."))
        parts = qualified.split(".")
        if parts[0] in EXTERNAL:
            return None
        for cut in range(len(parts) - 1, 0, -1):
            mod_name, attrs = ".".join(parts[:cut]), parts[cut:]
            module = importer if mod_name == importer.imports.module else self.module_named(mod_name, importer.path)
            if module is None:
                continue
            found = lookup(module, attrs)
            if found is not None:
                return found
        return None


def lookup(module: SourceModule, attrs: list[str]) -> FunctionRef | ClassRef | None:
    if len(attrs) == 1:
        if attrs[0] in module.functions:
            return FunctionRef(module, module.functions[attrs[0]], None)
        cls = module.classes.get(attrs[0])
        return ClassRef(module, cls) if cls is not None else None
    if len(attrs) == 2 and attrs[0] in module.classes:
        owner = module.classes[attrs[0]]
        method = method_of(owner, attrs[1])
        if method is not None:
            return FunctionRef(module, method, owner)
    return None


def method_of(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    return None
