"""``patchlint replay``: would these real histories replay on the head revision?

Reads real histories (Temporal JSON files, DBOS exports or system databases, or a live Temporal
cluster), extracts the head revision's step programs with libcst (user code is never imported or
run) and replays each history with the reference runtime. A branch the code takes at run time is
unknown here: a Temporal history is replayed on the path it proves, its signal and update handlers
run where the history delivered them (``semantics.guided``); a DBOS history replays if *some*
outcome of the code's branches replays it, and fails with the default outcome's failure.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from patchlint.errors import InputError, read_input
from patchlint.integrations.history_io import (
    LoadedHistory,
    load_dbos_url,
    load_history_file,
    temporal_history_document,
)
from patchlint.integrations.live_sources import timeout_option
from patchlint.model.program import Workflow
from patchlint.semantics import dbos as dbos_runtime
from patchlint.semantics import guided
from patchlint.semantics import temporal as temporal_runtime
from patchlint.semantics.choices import enumerate_choices
from patchlint.semantics.history import TemporalHistory
from patchlint.semantics.result import ReplayResult

_ENGINE_HINTS = ("temporalio", "dbos")


@dataclass(frozen=True)
class Verdict:
    loaded: LoadedHistory
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


def _engine_of(loaded: LoadedHistory) -> str:
    return "temporal" if isinstance(loaded.history, TemporalHistory) else "dbos"


def replay_one(workflows: dict[tuple[str, str], Workflow], loaded: LoadedHistory) -> ReplayResult:
    """Replay one history on the head revision's workflow of its type: a real Temporal history on
    the path it proves (``semantics.guided``), else under every branch outcome of the program
    (ok if any outcome replays)."""
    engine = _engine_of(loaded)
    workflow = workflows.get((engine, loaded.workflow_type))
    if workflow is None:
        return ReplayResult(
            ok=False,
            message=f"workflow type {loaded.workflow_type!r} is not defined in the head revision "
            "(removed or renamed): the engine cannot replay it",
        )
    if engine == "temporal" and loaded.history.activations:
        return guided.replay(workflow, loaded.history)
    runtime = temporal_runtime if engine == "temporal" else dbos_runtime
    first = None
    for choices in enumerate_choices(workflow.program, workflow.program):
        result = runtime.replay(workflow, loaded.history, choices)
        if result.ok:
            return result
        first = first or result
    return first


def head_workflows(
    sources: tuple[str, ...], head: str | None, selector: str | None = None,
    needed: set[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], Workflow]:
    """The head revision's workflows by (engine, type name), from files or a git revision.

    ``--source`` files are read with their folders' other modules as context, so helpers and
    activities imported from siblings resolve as in ``check`` and ``diff``; only the given files'
    workflows count. A type that several modules define is ambiguous: ``selector``
    (``module:Name``) picks one; a type in ``needed`` still ambiguous is an input error naming
    the modules."""
    from patchlint.config import Config
    from patchlint.extract import extract_revision

    context = None
    if sources:
        from collections import ChainMap

        from patchlint.integrations.files import FolderFiles
        from patchlint.errors import decode

        files = {source: decode(read_input(source), source) for source in sources}
        folders = dict.fromkeys(Path(source).parent for source in sources)
        context = ChainMap(*(FolderFiles(folder) for folder in folders))
    else:
        from patchlint.git import RevisionFiles, repo_root, resolve

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
        chosen = [
            w for w in candidates
            if name in (w.name, _defined_as(w)) and module in _module_names(w.path)
        ]
        if chosen:
            hit = True
            out[key] = chosen
        else:
            out[key] = candidates
    if not hit:
        raise InputError(f"--workflow {selector!r}: no such workflow in the head revision")
    return out


def fetch_temporal(address: str, namespace: str, query: str | None, timeout: float | None = None) -> list[LoadedHistory]:
    """List executions on a live cluster and fetch each history (needs ``patchlint[temporal]``); every
    wait is bounded by ``timeout`` seconds (``live_sources``)."""
    from datetime import timedelta

    from patchlint.integrations import live_sources as live

    try:
        import asyncio

        from temporalio.client import Client
    except ImportError:
        raise InputError("--temporal-address needs temporalio (pip install 'patchlint[temporal]')") from None
    timeout = live.DEFAULT_TIMEOUT if timeout is None else timeout
    rpc = {"rpc_timeout": timedelta(seconds=timeout)}

    async def fetch() -> list[LoadedHistory]:
        client = await asyncio.wait_for(
            Client.connect(address, namespace=namespace, **live.temporal_client_options(timeout)),
            live.backstop(timeout),
        )
        loaded = []
        async for execution in client.list_workflows(query, **rpc):
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            history = await asyncio.wait_for(handle.fetch_history(**rpc), live.backstop(timeout))
            source = f"temporal://{address}/{namespace}/{execution.id}/{execution.run_id}"
            loaded += temporal_history_document(json.loads(history.to_json()), source)
        return loaded

    return live.run_temporal(fetch, address, timeout)


def _text(verdict: Verdict) -> str:
    head = f"{verdict.loaded.source}: {verdict.loaded.workflow_type} ({verdict.loaded.workflow_id})"
    if verdict.result.ok:
        return f"{head}: ok ({verdict.loaded.history.describe()})"
    where = f" at event {verdict.event_id()}" if verdict.event_id() is not None else ""
    return f"{head}: FAILS{where} ({verdict.loaded.history.describe()}): {verdict.result.message}"


def _one_line_errors(fn):
    """The CLI's ``one_line_errors``, looked up when the command runs (the CLI module imports this one)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from patchlint.integrations.cli import one_line_errors

        return one_line_errors(fn)(*args, **kwargs)

    return wrapper


@click.command("replay")
@click.argument("histories", nargs=-1, type=click.Path())
@click.option("--head", "head", default=None, help="Git revision with the new code (default: working tree).")
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="Workflow source file(s) to replay against, instead of a git revision.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--dbos-url", default=None, help="DBOS system database: sqlite:///… or postgresql://…")
@click.option("--temporal-address", default=None, help="HOST:PORT of a Temporal frontend.")
@click.option("--namespace", default="default", show_default=True)
@click.option("--query", default=None, help="Visibility query selecting executions.")
@timeout_option
@click.option("--workflow", "selector", default=None, metavar="MODULE:NAME",
              help="The workflow to replay against when several modules define the history's type.")
@_one_line_errors
def replay(histories, head, sources, fmt, dbos_url, temporal_address, namespace, query, timeout, selector):
    """Replay real HISTORY files (and/or live histories) against the head revision's step model."""
    if head and sources:
        raise InputError("give either --head or --source, not both")
    loaded: list[LoadedHistory] = []
    for path in histories:
        loaded += load_history_file(path)
    if dbos_url:
        loaded += load_dbos_url(dbos_url, timeout)
    if temporal_address:
        loaded += fetch_temporal(temporal_address, namespace, query, timeout)
    if not (histories or dbos_url or temporal_address):
        raise InputError("nothing to replay: give HISTORY files, --dbos-url or --temporal-address")
    needed = {(_engine_of(item), item.workflow_type) for item in loaded}
    workflows = head_workflows(tuple(sources), head, selector, needed)
    verdicts = [Verdict(item, replay_one(workflows, item)) for item in loaded]
    if fmt == "json":
        click.echo(json.dumps({"results": [v.to_json() for v in verdicts]}, indent=2))
    else:
        for verdict in verdicts:
            click.echo(_text(verdict))
    sys.exit(1 if any(not v.result.ok for v in verdicts) else 0)
