"""``patchlint steps``: the step program patchlint extracted for each workflow, as people and tools see it.

Users must be able to see what patchlint sees: every step with its kind and engine name (DBOS: the
name recorded in ``operation_outputs`` and the function ids it takes), branches, loops (with the
iteration count when Python fixes it), patches and their two branches, try/except, parallel
groups, early returns, waits, Temporal signal/update/query handlers, and every call that reaches an
engine object but that patchlint does not model ("not modelled"), each with ``file:line``.

Files come from the working tree or, with ``rev``, from a git revision read through
``patchlint.git`` (no checkout). Nothing here imports or runs user code.

Text (``render_text``): one indented tree per workflow (like ``python -m ast``), each node's
``file:line`` in a column on the right, DBOS function ids beside each step. JSON (``render_json``):
schema ``patchlint-steps/1``. Both are documented, with examples, in ``docs/steps.md``; a test
holds that document to every field the command emits.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from patchlint.errors import InputError
from patchlint.model.program import (
    DBOS_STEP,
    DeprecatePatch,
    If,
    Loop,
    ModuleModel,
    Parallel,
    Patched,
    Return,
    Seq,
    Step,
    Try,
    Wait,
    Workflow,
    locate,
    walk,
)

SCHEMA = "patchlint-steps/1"
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}
_MAX_IDS = 4  # DBOS numberings tracked at once; beyond that the ids are "not fixed by the code"
_MAX_UNROLL = 64  # fixed-count loops numbered iteration by iteration up to this count


@dataclass
class Program:
    """What ``steps`` read: the workflows of PATHS, at ``revision`` (None: the working tree)."""

    files: list[str]
    models: list[ModuleModel]
    revision: str | None = None
    workflows: list[Workflow] = field(default_factory=list)


# -- reading the files -------------------------------------------------------------------------


class _Tree(Mapping):
    """The Python files under a folder (outside git), read lazily: helpers resolve from it."""

    def __init__(self, root: Path):
        self.root = root
        self._paths: list[str] | None = None

    def _list(self) -> list[str]:
        if self._paths is None:
            self._paths = sorted(_walk(self.root, self.root))
        return self._paths

    def get(self, path, default=None):
        if path not in set(self._list()):
            return default
        try:
            return _read(self.root / path, path)
        except InputError:
            return default

    def __getitem__(self, path):
        value = self.get(path)
        if value is None:
            raise KeyError(path)
        return value

    def __iter__(self):
        return iter(self._list())

    def __len__(self):
        return len(self._list())


def _walk(folder: Path, root: Path):
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d not in _SKIP_DIRS and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield (here / name).relative_to(root).as_posix()


def _read(file: Path, shown: str) -> str:
    from patchlint.errors import decode

    try:
        return decode(file.read_bytes(), shown)
    except FileNotFoundError:
        raise InputError("no such file or directory", shown) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a Python file", shown) from None


def _in_repo(root: Path, raw: str, cwd: Path) -> str:
    full = (cwd / raw).resolve()
    try:
        rel = full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(f"path is outside the repository {root}", raw) from None
    return "" if rel == "." else rel


def _select(listing: list[str], wanted: str, raw: str) -> list[str]:
    if not wanted:
        return [p for p in listing if p.endswith(".py")]
    if wanted in listing:
        if not wanted.endswith(".py"):
            raise InputError("not a Python file", raw)
        return [wanted]
    inside = [p for p in listing if p.startswith(wanted.rstrip("/") + "/") and p.endswith(".py")]
    return inside


def read_paths(
    paths: tuple[str, ...] | list[str], rev: str | None = None, cwd: Path | str = ".", config=None
) -> tuple[dict[str, str], Mapping[str, str], Path | None, str | None, object]:
    """``(files, context, repo root or None, commit or None, config)`` for PATHS at ``rev``.

    Inside a git repository paths are repo-relative (so imports resolve as in ``check``) and the
    working tree is what ``git ls-files`` lists (ignored files left out); ``rev`` reads the
    revision through git without a checkout. Outside git only the working tree can be read."""
    from patchlint import config as config_mod
    from patchlint import git

    cwd = Path(cwd)
    if not paths:
        raise InputError("no PATH given: name files or folders, e.g. `patchlint steps .`")
    try:
        root: Path | None = git.repo_root(cwd)
    except InputError:
        if rev is not None:
            raise
        root = None
    config = config or config_mod.load(root if root is not None else cwd)
    files: dict[str, str] = {}
    if root is None:
        for raw in paths:
            target = cwd / raw
            if target.is_dir():
                chosen = [p for p in _walk(target, cwd) if not config.excluded(p)]
            elif target.exists():
                if not raw.endswith(".py"):
                    raise InputError("not a Python file", raw)
                chosen = [Path(os.path.relpath(target.resolve(), cwd.resolve())).as_posix()]
            else:
                raise InputError("no such file or directory", raw)
            for path in chosen:
                files[path] = _read(cwd / path, path)
        return files, _Tree(cwd), None, None, config
    commit = git.resolve(root, rev) if rev is not None else None
    if commit is None:
        listing = git.run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
        listing = [p for p in listing if p and (root / p).is_file()]
    else:
        listing = [
            p
            for p in git.run_git(root, "ls-tree", "-r", "-z", "--name-only", "--end-of-options", commit).split("\0")
            if p
        ]
    chosen: list[str] = []
    for raw in paths:
        wanted = _in_repo(root, raw, cwd)
        found = _select(listing, wanted, raw)
        if not found:
            if commit is None and (root / wanted).is_file() and not wanted.endswith(".py"):
                raise InputError("not a Python file", raw)
            if commit is None and (root / wanted).is_file():
                found = [wanted]  # an ignored file named explicitly: the user asked for it
            elif commit is None and (root / wanted).is_dir():
                found = []
            else:
                where = f"in revision {rev}" if commit else "in the working tree"
                raise InputError(f"no such file or directory {where}", raw)
        explicit = len(found) == 1 and found[0] == wanted
        chosen += [p for p in found if explicit or not config.excluded(p)]
    chosen = sorted(set(chosen))
    if commit is None:
        files = {p: git.read_worktree(root, p) for p in chosen}
    else:
        files = git.show_many(root, commit, chosen)
    return files, git.RevisionFiles(root, commit), root, commit, config


def extract(paths, rev: str | None = None, cwd: Path | str = ".", config=None) -> Program:
    """The step programs of every workflow defined in PATHS (at ``rev``; None: the working tree)."""
    from patchlint.extract import extract_revision

    files, context, _, commit, config = read_paths(paths, rev, cwd, config)
    models = extract_revision(files, config, context)
    workflows = [w for m in models for w in m.workflows]
    return Program(sorted(files), models, commit, workflows)


# -- DBOS function ids -------------------------------------------------------------------------


def _numbering(workflow: Workflow, program: Seq) -> dict[int, list[list[int]]]:
    """For each DBOS step and patch call (by ``id()``), the function ids it takes, one list per
    way a run can reach it (another branch before it, another iteration of a loop with a fixed
    count), in ascending order, when the code alone fixes them ([] otherwise).

    DBOS numbers operations 1, 2, … in the order the workflow issues them; ``recv``/``get_event``
    take two. ``DBOS.patch`` writes its marker row at the next id only when it answers True (the
    new branch); ``deprecate_patch`` takes that id only in runs that recorded the patch. A branch
    whose outcome only the run knows keeps every numbering its arms end with, up to a few; a loop
    without a fixed count, a ``try`` and concurrent branches leave later ids to the run."""
    out: dict[int, list[list[int]]] = {}
    unknowns: set[int] = set()
    if workflow.engine != "dbos":
        return out

    def note(node, numberings):
        known = out.setdefault(id(node), [])
        known += [n for n in numberings if n not in known]

    def seq(node: Seq, starts):
        for item in node.items:
            if starts is None:
                unknown(item)
                continue
            starts = one(item, starts)
            if starts is not None and not starts:
                return frozenset()  # every numbering returned
        return starts

    def unknown(node):
        for n in walk(node):
            if isinstance(n, (Step, Patched, DeprecatePatch)):
                unknowns.add(id(n))

    def one(node, starts):
        if isinstance(node, Step):
            note(node, [list(range(s + 1, s + 1 + node.slots)) for s in sorted(starts)])
            return frozenset(s + node.slots for s in starts)
        if isinstance(node, Return):
            return frozenset()
        if isinstance(node, Seq):
            return seq(node, starts)
        if isinstance(node, Patched):
            note(node, [[s + 1] for s in sorted(starts)])
            new = seq(node.new, frozenset(s + 1 for s in starts))
            old = seq(node.old, starts)
            return _merge(new, old)
        if isinstance(node, DeprecatePatch):
            note(node, [[s + 1] for s in sorted(starts)])
            return _cap(starts | frozenset(s + 1 for s in starts))
        if isinstance(node, If):
            return _merge(seq(node.then, starts), seq(node.orelse, starts))
        if isinstance(node, Loop):
            if node.count is not None and node.count <= _MAX_UNROLL:
                for _ in range(node.count):
                    starts = seq(node.body, starts)
                    if starts is None or not starts:
                        if starts is None:
                            unknown(node)
                        return starts
                return seq(node.orelse, starts)
            unknown(node)
            return None
        if isinstance(node, (Try, Parallel)):
            unknown(node)
            return None
        return starts  # Wait: takes no id

    seq(program, frozenset({0}))
    return {key: ([] if key in unknowns else sorted(value)) for key, value in out.items()} | {
        key: [] for key in unknowns if key not in out
    }


def _merge(a, b):
    if a is None or b is None:
        return None
    return _cap(a | b)


def _cap(starts):
    return starts if len(starts) <= _MAX_IDS else None


# -- one shape for both renderings ------------------------------------------------------------


def _where(node, fallback_path: str) -> tuple[str | None, int | None, int | None]:
    span = locate(node)
    if span.line <= 0:
        return None, None, None
    return getattr(node, "path", "") or fallback_path, span.line, span.column


def _flat(seq: Seq) -> list:
    """The items of a sequence, nested sequences (a condition's own steps before its ``if``)
    spliced in where they run."""
    out = []
    for item in seq.items:
        out += _flat(item) if isinstance(item, Seq) else [item]
    return out


def _node(node, path: str, ids: dict[int, list[list[int]]], dbos: bool) -> dict:
    where, line, column = _where(node, path)
    base = {"path": where, "line": line, "column": column}

    def items(s: Seq) -> list[dict]:
        return [_node(n, where or path, ids, dbos) for n in _flat(s)]

    if isinstance(node, Step):
        return {
            "type": "step",
            **base,
            "kind": node.kind,
            "name": node.name,
            "label": node.label(),
            "awaited": node.awaited,
            "slots": node.slots,
            "function_ids": ids.get(id(node), []) if dbos else None,
        }
    if isinstance(node, If):
        return {"type": "if", **base, "cond": node.cond, "then": items(node.then), "else": items(node.orelse)}
    if isinstance(node, Patched):
        return {
            "type": "patch",
            **base,
            "id": node.id,
            "negated": node.negated,
            "function_ids": ids.get(id(node), []) if dbos else None,
            "new": items(node.new),
            "old": items(node.old),
        }
    if isinstance(node, DeprecatePatch):
        return {
            "type": "deprecate_patch",
            **base,
            "id": node.id,
            "function_ids": ids.get(id(node), []) if dbos else None,
        }
    if isinstance(node, Loop):
        return {
            "type": "loop",
            **base,
            "header": node.cond,
            "count": node.count,
            "body": items(node.body),
            "else": items(node.orelse),
        }
    if isinstance(node, Try):
        return {
            "type": "try",
            **base,
            "body": items(node.body),
            "handlers": [items(h) for h in node.handlers],
            "else": items(node.orelse),
            "finally": items(node.final),
        }
    if isinstance(node, Parallel):
        return {"type": "parallel", **base, "branches": [items(b) for b in node.branches]}
    if isinstance(node, Return):
        return {"type": "return", **base}
    if isinstance(node, Wait):
        return {"type": "wait", **base}
    raise TypeError(f"unknown model node {type(node).__name__}")  # pragma: no cover - model grew


def workflow_dict(workflow: Workflow) -> dict:
    dbos = workflow.engine == "dbos"
    span = locate(workflow)
    handlers = []
    for name, program in workflow.handlers:
        ids = _numbering(workflow, program)
        handlers.append({"name": name, "program": [_node(n, workflow.path, ids, dbos) for n in _flat(program)]})
    ids = _numbering(workflow, workflow.program)
    unclassified = []
    for call in workflow.unclassified:
        where, line, column = _where(call, workflow.path)
        unclassified.append(
            {"text": call.text, "path": where or call.path or workflow.path, "line": line, "column": column}
        )
    return {
        "engine": workflow.engine,
        "name": workflow.name,
        "path": workflow.path,
        "line": span.line if span.line > 0 else None,
        "column": span.column if span.line > 0 else None,
        "is_async": workflow.is_async,
        "program": [_node(n, workflow.path, ids, dbos) for n in _flat(workflow.program)],
        "handlers": handlers,
        "unclassified": unclassified,
    }


def as_json(program: Program) -> dict:
    return {
        "schema": SCHEMA,
        "revision": program.revision,
        "files": program.files,
        "workflows": [workflow_dict(w) for w in _ordered(program.workflows)],
    }


def _ordered(workflows):
    return sorted(workflows, key=lambda w: (w.path, locate(w).line, w.engine, w.name))


def render_json(program: Program) -> str:
    return json.dumps(as_json(program), indent=2) + "\n"


# -- text: a tree ------------------------------------------------------------------------------

_TEE, _ELBOW, _PIPE, _GAP = "├─ ", "└─ ", "│  ", "   "
_LOCATION_COLUMN = 70  # locations line up here (further right only after a longer label)


def _ids_text(numberings: list[list[int]]) -> str:
    """``function id 3``, ``function ids 2,3`` (two slots), ``function id 3 | 4`` (depending on
    an earlier branch, or one per iteration of a loop)."""
    if not numberings:
        return "function id: depends on the run"
    shown = [",".join(map(str, ids)) for ids in numberings]
    noun = "function ids" if len(numberings[0]) > 1 else "function id"
    return f"{noun} {' | '.join(shown)}"


def _patch_id(node: dict) -> str:
    return "<not a string literal>" if node["id"] is None else json.dumps(node["id"])


def _label(node: dict, engine: str) -> str:
    kind = node["type"]
    if kind == "step":
        if node["kind"] == DBOS_STEP:
            text = f"step {node['name']}"
            slots = f"  ({_ids_text(node['function_ids'])})" if node["function_ids"] is not None else ""
            return text + slots
        text = node["label"]
        return text if node["awaited"] else f"{text}  (started, not awaited here)"
    if kind == "if":
        return f"if {node['cond']}"
    if kind == "patch":
        negated = "  (written `if not …`)" if node["negated"] else ""
        if engine == "dbos":
            return f"DBOS.patch({_patch_id(node)})  (True: marker at {_ids_text(node['function_ids'])}){negated}"
        return f"workflow.patched({_patch_id(node)}){negated}"
    if kind == "deprecate_patch":
        if engine == "dbos":
            ids = _ids_text(node["function_ids"])
            return f"DBOS.deprecate_patch({_patch_id(node)})  (marker of patched runs at {ids})"
        return f"workflow.deprecate_patch({_patch_id(node)})"
    if kind == "loop":
        count = "runs decide how often" if node["count"] is None else f"{node['count']} iteration(s)"
        return f"loop {node['header']}  ({count})"
    if kind == "try":
        return "try"
    if kind == "parallel":
        return f"parallel ({len(node['branches'])} branches start in order)"
    if kind == "return":
        return "return"
    if kind == "wait":
        return "wait  (the workflow waits here without a new command)"
    return kind


def _children(node: dict) -> list[tuple[str, list[dict]]]:
    kind = node["type"]
    if kind == "if":
        return [("then", node["then"]), ("else", node["else"])]
    if kind == "patch":
        return [
            ("new  (patched: runs started on this code)", node["new"]),
            ("old  (runs started before the patch)", node["old"]),
        ]
    if kind == "loop":
        return [("body", node["body"])] + ([("else", node["else"])] if node["else"] else [])
    if kind == "try":
        parts = [("body", node["body"])]
        parts += [(f"except #{i + 1}", h) for i, h in enumerate(node["handlers"])]
        if node["else"]:
            parts.append(("else", node["else"]))
        if node["finally"]:
            parts.append(("finally", node["finally"]))
        return parts
    if kind == "parallel":
        return [(f"branch {i + 1}", b) for i, b in enumerate(node["branches"])]
    return []


def _location(path: str | None, line: int | None) -> str:
    return "" if line is None else f"{path}:{line}"


def _rows(items: list[dict], prefix: str, out: list[tuple[str, str]], engine: str) -> None:
    if not items:
        out.append((prefix + _ELBOW + "(nothing)", ""))
        return
    for i, node in enumerate(items):
        last = i == len(items) - 1
        out.append((prefix + (_ELBOW if last else _TEE) + _label(node, engine), _location(node["path"], node["line"])))
        inner = prefix + (_GAP if last else _PIPE)
        groups = _children(node)
        for j, (title, group) in enumerate(groups):
            glast = j == len(groups) - 1
            out.append((inner + (_ELBOW if glast else _TEE) + title, ""))
            _rows(group, inner + (_GAP if glast else _PIPE), out, engine)


def workflow_rows(data: dict) -> list[tuple[str, str]]:
    kind = "workflow" if data["engine"] == "temporal" else "workflow" + ("" if data["is_async"] else " (sync)")
    rows = [(f"{data['name']}  {data['engine']} {kind}", _location(data["path"], data["line"]))]
    groups: list[tuple[str, list[dict] | list]] = [("run" if data["engine"] == "temporal" else "body", data["program"])]
    groups += [(f"handler {h['name']}", h["program"]) for h in data["handlers"]]
    if data["unclassified"]:
        groups.append(
            ("not modelled: calls reaching an engine object that patchlint does not classify", data["unclassified"])
        )
    for i, (title, items) in enumerate(groups):
        last = i == len(groups) - 1
        rows.append(((_ELBOW if last else _TEE) + title, ""))
        prefix = _GAP if last else _PIPE
        if title.startswith("not modelled"):
            for j, call in enumerate(items):
                mark = _ELBOW if j == len(items) - 1 else _TEE
                rows.append((prefix + mark + f"? {call['text']}(…)", _location(call["path"], call["line"])))
        else:
            _rows(items, prefix, rows, data["engine"])
    return rows


def render_text(program: Program) -> str:
    data = as_json(program)
    blocks = []
    for workflow in data["workflows"]:
        rows = workflow_rows(workflow)
        width = min(max(len(left) for left, _ in rows), _LOCATION_COLUMN)
        lines = [f"{left.ljust(width)}  {right}" if right else left for left, right in rows]
        blocks.append("\n".join(lines))
    count = len(data["workflows"])
    where = f"revision {program.revision[:10]}" if program.revision else "the working tree"
    tail = (
        f"{count} workflow(s) in {len(program.files)} file(s) at {where}"
        if count
        else f"no workflow found in {len(program.files)} Python file(s) at {where}"
    )
    return "\n\n".join(blocks + [tail]) + "\n"


def render(program: Program, fmt: str) -> str:
    if fmt == "json":
        return render_json(program)
    return render_text(program)
