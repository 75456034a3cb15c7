"""``patchlint replay``: would these real histories replay on the head revision?

The command: it reads real histories (Temporal JSON files, DBOS exports or system databases, or a
live Temporal cluster) and prints what ``patchlint.replay`` says of each.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass

import click

from patchlint.errors import InputError
from patchlint.integrations.history_io import (
    LoadedHistory,
    load_dbos_url,
    load_history_file,
    temporal_history_document,
)
from patchlint.integrations.live_sources import timeout_option
from patchlint.replay import engine_of, head_workflows, replay_one
from patchlint.semantics.result import ReplayResult


@dataclass(frozen=True)
class Replayed:
    """One history and what its replay on the head revision gave."""

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


def _text(verdict: Replayed) -> str:
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
    needed = {(engine_of(item.history), item.workflow_type) for item in loaded}
    workflows = head_workflows(tuple(sources), head, selector, needed)
    verdicts = [Replayed(item, replay_one(workflows, item.workflow_type, item.history)) for item in loaded]
    if fmt == "json":
        click.echo(json.dumps({"results": [v.to_json() for v in verdicts]}, indent=2))
    else:
        for verdict in verdicts:
            click.echo(_text(verdict))
    sys.exit(1 if any(not v.result.ok for v in verdicts) else 0)
