"""The modules of one revision: parsed once, on demand, and the functions and classes they define.

Workflow files are parsed up front; other modules of the repository (helpers, activity definitions)
only when a workflow's code refers to them.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from patchlint.errors import InputError
from patchlint.extract.source import SourceModule
from patchlint.importers import module_name_for, module_path_candidates

# Top-level packages that are never part of the repository: no need to look for their files.
MAX_REEXPORTS = 16
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


MAX_SHARED_PARSES = 256  # modules parsed once per revision files object, then all are forgotten


class Revision:
    """Source files of one revision, parsed at most once each."""

    def __init__(self, files: Mapping[str, str], context: Mapping[str, str] | None = None):
        self.files = files
        self.context = context if context is not None else {}
        self._parsed: dict[str, SourceModule | None] = {}
        self._by_module: dict[str, str] = {module_name_for(p): p for p in files}
        self._mros: dict[tuple[str, int], list[ClassRef]] = {}

    def module(self, path: str) -> SourceModule | None:
        if path not in self._parsed:
            text = self.files.get(path)
            if text is not None:
                self._parsed[path] = _without_gc(SourceModule.from_text, text, path)
            else:
                self._parsed[path] = self._context_module(path)
        return self._parsed[path]

    def adopt(self, other: Revision, paths) -> None:
        """Read ``paths`` (files with the same text in both revisions) from ``other``'s parses: a
        parse depends on its text alone."""
        for path in paths:
            if path in other._parsed and path not in self._parsed:
                self._parsed[path] = other._parsed[path]

    def _context_module(self, path: str) -> SourceModule | None:
        """A module of the context, parsed once for every analysis that shares the context (a
        flake8 run analyses each buffer with the same revisions around it)."""
        shared = getattr(self.context, "derived", None)
        key = ("module", path)
        if shared is not None and key in shared:
            found = shared[key]
        else:
            text = self.context.get(path)
            try:
                found = None if text is None else _without_gc(SourceModule.from_text, text, path)
            except InputError as exc:
                found = exc
            if shared is not None:
                if len(shared) >= MAX_SHARED_PARSES:  # the warm analyser keeps a base commit's files for long
                    shared.clear()
                shared[key] = found
        if isinstance(found, InputError):
            raise found
        return found

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

    def resolve(self, qualified: str, importer: SourceModule, _depth: int = 0) -> FunctionRef | ClassRef | None:
        """Find the function, method or class a qualified name points to, in this revision
        (following re-exports: ``from .impl import go`` in a package's module, to any depth)."""
        if _depth > MAX_REEXPORTS:
            return None
        own = importer.imports.module
        if own and qualified.startswith(own + "."):  # a name of this module, not an import
            return self._in_module(importer, qualified[len(own) + 1 :].split("."), _depth)
        parts = qualified.split(".")
        if parts[0] in EXTERNAL:
            return None
        for cut in range(len(parts) - 1, 0, -1):
            mod_name, attrs = ".".join(parts[:cut]), parts[cut:]
            module = importer if mod_name == importer.imports.module else self.module_named(mod_name, importer.path)
            if module is None:
                continue
            found = self._in_module(module, attrs, _depth)
            if found is not None:
                return found
        return None

    def _in_module(self, module: SourceModule, attrs: list[str], depth: int) -> FunctionRef | ClassRef | None:
        found = lookup(module, attrs)
        if found is None and len(attrs) == 2 and attrs[0] in module.classes:  # inherited
            found = self.find_method(ClassRef(module, module.classes[attrs[0]]), attrs[1])
        if (
            found is None
            and attrs[0] in module.imports.names
            and attrs[0] not in module.functions
            and attrs[0] not in module.classes
        ):  # re-exported from another module
            target = ".".join([module.imports.names[attrs[0]], *attrs[1:]])
            if target != ".".join([module.imports.module, *attrs]):
                found = self.resolve(target, module, depth + 1)
        return found

    # ---- classes ------------------------------------------------------------------------------
    def bases(self, cls: ClassRef) -> list[ClassRef]:
        """The base classes of ``cls`` that are defined in the repository, in order (``Base[T]``
        is ``Base``; keywords such as ``metaclass=`` and external bases are skipped)."""
        out = []
        for arg in cls.node.bases:
            if arg.keyword is not None or arg.star:
                continue
            expr = arg.value
            if isinstance(expr, cst.Subscript):
                expr = expr.value
            qualified = cls.module.imports.qualify(expr)
            if qualified is None:
                continue
            found = self.resolve(qualified, cls.module)
            if isinstance(found, ClassRef):
                out.append(found)
        return out

    def mro(self, cls: ClassRef) -> list[ClassRef]:
        """``cls.__mro__`` restricted to the repository: C3 linearisation over the bases that
        resolve here (bases from external libraries are skipped). A hierarchy Python would reject
        (inconsistent order, a cycle) falls back to depth-first, left to right, first seen."""
        key = _class_key(cls)
        if key not in self._mros:
            self._mros[key] = self._mro(cls, ())
        return list(self._mros[key])

    def _mro(self, cls: ClassRef, active: tuple) -> list[ClassRef]:
        key = _class_key(cls)
        if key in active or len(active) > 64:
            return [cls]
        bases = self.bases(cls)
        lists = [self._mro(b, (*active, key)) for b in bases] + [list(bases)]
        merged = _c3(lists)
        if merged is None:
            merged = []
            for seq in lists[:-1]:
                for item in seq:
                    if all(_class_key(item) != _class_key(m) for m in merged):
                        merged.append(item)
        return [cls, *[c for c in merged if _class_key(c) != key]]

    def find_method(self, cls: ClassRef, name: str, after: ClassRef | None = None) -> FunctionRef | None:
        """The function ``cls.<name>`` is, as Python finds it along ``cls``'s MRO (``after``: start
        after that class, as ``super()`` in a method of ``after`` does). None when the first class
        that defines the name binds it to something other than a ``def``, or no class does."""
        order = self.mro(cls)
        if after is not None:
            keys = [_class_key(c) for c in order]
            if _class_key(after) not in keys:
                return None
            order = order[keys.index(_class_key(after)) + 1 :]
        for klass in order:
            found = class_attribute(klass.node, name)
            if found is None:
                continue
            if isinstance(found, cst.FunctionDef):
                return FunctionRef(klass.module, found, klass.node)
            return None
        return None


def _without_gc(fn, *args):
    """``fn(*args)`` with the cyclic garbage collector paused: a parse allocates a tree that stays
    alive (and holds no cycles), and each collection the allocations trigger would scan every tree
    parsed before it (a third of the parse time on a large module)."""
    if not gc.isenabled():
        return fn(*args)
    gc.disable()
    try:
        return fn(*args)
    finally:
        gc.enable()


def _class_key(cls: ClassRef) -> tuple[str, int]:
    return (cls.module.path, id(cls.node))


def _c3(lists: list[list[ClassRef]]) -> list[ClassRef] | None:
    lists = [list(seq) for seq in lists if seq]
    out: list[ClassRef] = []
    while lists:
        for seq in lists:
            head = seq[0]
            if not any(_class_key(head) in {_class_key(c) for c in other[1:]} for other in lists):
                break
        else:
            return None
        out.append(head)
        lists = [[c for c in seq if _class_key(c) != _class_key(head)] for seq in lists]
        lists = [seq for seq in lists if seq]
    return out


def class_attribute(cls: cst.ClassDef, name: str) -> cst.CSTNode | None:
    """What the class body binds ``name`` to last: a ``def``, or the statement that assigns it."""
    found = None
    for stmt in cls.body.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
            found = stmt
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)) and (
                    not isinstance(small, cst.AnnAssign) or small.value is not None
                ):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                    found = small
    return found


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
    """The ``def`` the class body binds ``name`` to (the last one, as Python keeps it)."""
    found = class_attribute(cls, name)
    return found if isinstance(found, cst.FunctionDef) else None
