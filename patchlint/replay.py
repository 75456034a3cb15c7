"""Real histories against the head revision's step programs: the library under ``patchlint replay``.

The head revision's workflows are extracted with libcst (user code is never imported or run), from
files or a git revision; each history is replayed with the reference runtime. A branch the code
takes at run time is unknown here: a Temporal history is replayed on the path it proves, its signal
and update handlers run where the history delivered them (``semantics.guided``); a DBOS history
replays if *some* outcome of the code's branches replays it, and fails with the default outcome's
failure. Reading histories (files, databases, live clusters) is the command's business
(``integrations.history_io``, ``integrations.live_sources``).
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass
from pathlib import Path

from patchlint.config import Config
from patchlint.errors import InputError, decode, read_input
from patchlint.extract import extract_revision
from patchlint.files import FolderFiles
from patchlint.git import RevisionFiles, repo_root, resolve
from patchlint.model.program import Workflow
from patchlint.semantics import dbos as dbos_runtime
from patchlint.semantics import guided
from patchlint.semantics import temporal as temporal_runtime
from patchlint.semantics.choices import enumerate_choices
from patchlint.semantics.history import DbosHistory, TemporalHistory
from patchlint.semantics.result import ReplayResult

_ENGINE_HINTS = ("temporalio", "dbos")


def engine_of(history: TemporalHistory | DbosHistory) -> str:
    return "temporal" if isinstance(history, TemporalHistory) else "dbos"


def replay_one(
    workflows: dict[tuple[str, str], Workflow], workflow_type: str, history: TemporalHistory | DbosHistory
) -> ReplayResult:
    """Replay one history of ``workflow_type`` on the head revision's workflow of that type: a real
    Temporal history on the path it proves (``semantics.guided``), else under every branch outcome
    of the program (ok if any outcome replays)."""
    engine = engine_of(history)
    workflow = workflows.get((engine, workflow_type))
    if workflow is None:
        return ReplayResult(
            ok=False,
            message=f"workflow type {workflow_type!r} is not defined in the head revision "
            "(removed or renamed): the engine cannot replay it",
        )
    if engine == "temporal" and history.activations:
        return guided.replay(workflow, history)
    runtime = temporal_runtime if engine == "temporal" else dbos_runtime
    first = None
    for choices in enumerate_choices(workflow.program, workflow.program):
        result = runtime.replay(workflow, history, choices)
        if result.ok:
            return result
        first = first or result
    return first


def head_workflows(
    sources: tuple[str, ...],
    head: str | None,
    selector: str | None = None,
    needed: set[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], Workflow]:
    """The head revision's workflows by (engine, type name), from files or a git revision.

    ``--source`` files are read with their folders' other modules as context, so helpers and
    activities imported from siblings resolve as in ``check`` and ``diff``; only the given files'
    workflows count. A type that several modules define is ambiguous: ``selector``
    (``module:Name``) picks one; a type in ``needed`` still ambiguous is an input error naming
    the modules."""
    context = None
    if sources:
        files = {source: decode(read_input(source), source) for source in sources}
        folders = dict.fromkeys(Path(source).parent for source in sources)
        context = ChainMap(*(FolderFiles(folder) for folder in folders))
    else:
        root = repo_root(".")
        revision = RevisionFiles(root, resolve(root, head) if head else None)
        files = {}
        for path in revision:
            text = revision.get(path)
            if text is not None and any(hint in text for hint in _ENGINE_HINTS):
                files[path] = text
    found: dict[tuple[str, str], list[Workflow]] = {}
    for model in extract_revision(files, Config(), context):
        for workflow in model.workflows:
            found.setdefault((workflow.engine, workflow.name), []).append(workflow)
    if selector is not None:
        found = _select(found, selector)
    picked = {}
    for key, candidates in found.items():
        if len(candidates) > 1 and needed is not None and key in needed:
            places = ", ".join(sorted(f"{w.path}:{_defined_as(w)}" for w in candidates))
            raise InputError(
                f"workflow type {key[1]!r} is defined in several modules ({places}): "
                "pick one with --workflow module:Name"
            )
        picked[key] = candidates[-1]
    return picked


def _defined_as(workflow: Workflow) -> str:
    """The class or function name that defines the workflow (its type name may differ)."""
    return getattr(workflow.node, "value", None) or workflow.name


def _module_names(path: str) -> set[str]:
    """``app/flows/order.py`` is named by any tail of its path, with or without ``.py``, in slashes
    or dots: ``flows/order.py``, ``flows.order``, ``order``..."""
    stem = path.removesuffix(".py")
    parts = [p for p in stem.replace("\\", "/").split("/") if p not in ("", ".")]
    names = {path}
    for i in range(len(parts)):
        names |= {".".join(parts[i:]), "/".join(parts[i:]), "/".join(parts[i:]) + ".py"}
    return names


def _select(found: dict[tuple[str, str], list[Workflow]], selector: str) -> dict:
    """Keep, for the type ``selector`` (``module:Name``) names, only the workflow it names."""
    module, sep, name = selector.rpartition(":")
    if not sep or not module or not name:
        raise InputError(f"--workflow {selector!r}: expected module:Name (e.g. app.workflows:OrderWorkflow)")
    out = {}
    hit = False
    for key, candidates in found.items():
        chosen = [w for w in candidates if name in (w.name, _defined_as(w)) and module in _module_names(w.path)]
        if chosen:
            hit = True
            out[key] = chosen
        else:
            out[key] = candidates
    if not hit:
        raise InputError(f"--workflow {selector!r}: no such workflow in the head revision")
    return out


@dataclass(frozen=True)
class Replayed:
    """One history and what its replay on the head revision gave."""

    loaded: object  # integrations.history_io.LoadedHistory: source, workflow id and type, event ids
    result: ReplayResult

    def to_json(self) -> dict:
        return {
            "history": self.loaded.source,
            "workflow_id": self.loaded.workflow_id,
            "workflow_type": self.loaded.workflow_type,
            "ok": self.result.ok,
            "event_id": self.event_id(),
            "error": None if self.result.ok else self.result.message,
        }

    def event_id(self) -> int | None:
        """The real event id (Temporal) or function id (DBOS) where replay fails."""
        if self.result.ok:
            return None
        ids = self.loaded.event_ids
        position = self.result.position
        if ids and position is not None and position < len(ids):
            return ids[position]
        return self.result.event_index

    def text(self) -> str:
        """One line: the history, its workflow, ok or where and why it fails."""
        verdict = self
        head = f"{verdict.loaded.source}: {verdict.loaded.workflow_type} ({verdict.loaded.workflow_id})"
        if verdict.result.ok:
            return f"{head}: ok ({verdict.loaded.history.describe()})"
        where = f" at event {verdict.event_id()}" if verdict.event_id() is not None else ""
        return f"{head}: FAILS{where} ({verdict.loaded.history.describe()}): {verdict.result.message}"
