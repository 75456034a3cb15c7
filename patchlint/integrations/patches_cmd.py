"""``patchlint patches``: every patch in the repository, its stage, age and whether it may move on."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from patchlint.errors import InputError
from patchlint.integrations.live_sources import timeout_option


def _relative(root: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for path in paths:
        full = Path(path).resolve()
        try:
            out.append(str(full.relative_to(root.resolve())) or ".")
        except ValueError:
            raise InputError("path is outside the repository", path) from None
    return tuple(out)


def _evidence(temporal_address, namespace, include_closed, dbos_url, timeout):
    from patchlint.integrations.live_patches import DbosEvidence, Evidence, TemporalEvidence

    if include_closed and not temporal_address:
        raise InputError("--include-closed needs --temporal-address")
    if not (temporal_address or dbos_url):
        return None
    dbos = DbosEvidence(dbos_url, timeout) if dbos_url else None
    try:
        temporal = TemporalEvidence(temporal_address, namespace, include_closed, timeout) if temporal_address else None
    except InputError:
        if dbos is not None:
            dbos.close()
        raise
    return Evidence(temporal, dbos)


def render_table(entries) -> str:
    if not entries:
        return "no patches found\n"
    header = ("ID", "ENGINE", "WORKFLOW", "WHERE", "STAGE", "SINCE", "AGE", "OPEN", "VERDICT", "MODEL")
    rows = [header] + [
        (
            e.id, e.engine, e.workflow, f"{e.path}:{e.line}", e.stage,
            f"{e.since} {e.commit[:10]}" if e.commit else "unknown" if "shallow clone" in e.evidence
            else (e.since or "-") + " (uncommitted)",
            "-" if e.age_days is None else f"{e.age_days:g}d",
            "-" if e.open_executions is None else str(e.open_executions),
            e.verdict,
            e.deployment.partition(":")[2] or "-",
        )
        for e in entries
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    evidence = sorted({e.evidence for e in entries})
    lines += ["", "verdicts rest on: " + "; ".join(evidence)]
    return "\n".join(lines) + "\n"


@click.command("patches")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--temporal-address", metavar="HOST:PORT",
              help="count the runs a move would break on this Temporal server")
@click.option("--namespace", default="default", show_default=True, help="Temporal namespace")
@click.option("--include-closed", is_flag=True, help="also count closed Temporal runs still within retention")
@click.option("--dbos-url", metavar="URL", help="DBOS system database (sqlite:///… or postgresql://…), read-only")
@timeout_option
@click.argument("paths", nargs=-1, type=click.Path())
def patches(fmt, temporal_address, namespace, include_closed, dbos_url, timeout, paths):
    """Inventory every patch: id, engine, workflow, stage, since when, and keep / ready-to-deprecate /
    ready-to-remove (from git history and max-workflow-lifetime, or from the live engines), or
    unknown when a shallow clone's history ends before the stage began, or unneeded when the
    deployment model (MODEL) lets no older run replay the code (PINNED, new Build-ID set, per-deploy
    DBOS version)."""
    from patchlint.config import load
    from patchlint.git import repo_root
    from patchlint.lifecycle.inventory import inventory

    evidence = None
    try:
        root = repo_root(".")
        config = load(root)
        evidence = _evidence(temporal_address, namespace, include_closed, dbos_url, timeout)
        entries = inventory(root, config, _relative(root, paths), live=evidence)
    except InputError as exc:
        from patchlint.escape import printable

        click.echo(f"patchlint: error: {printable(str(exc))}", err=True)
        sys.exit(2)
    finally:
        if evidence is not None:
            evidence.close()
    if fmt == "json":
        click.echo(json.dumps({"patches": [e.to_json() for e in entries]}, indent=2))
    else:
        click.echo(render_table(entries), nl=False)
