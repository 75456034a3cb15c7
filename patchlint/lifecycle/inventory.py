"""The inventory behind ``patchlint patches``: every patch of the working tree, its stage and verdict.

Reads only files that mention an engine and a patch call, models them once, and dates each
(workflow, id) from the git history of its file. Live evidence (``live``), when given, replaces
the date-based verdict with counts of the runs that would still break.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from patchlint.errors import decode
from patchlint.extract import extract_revision
from patchlint.git import RevisionFiles, is_regular, run_git
from patchlint.lifecycle.calls import DEPRECATED, PATCHED, scan
from patchlint.lifecycle.gitlog import History
from patchlint.lifecycle.stages import (
    KEEP,
    READY_TO_DEPRECATE,
    READY_TO_REMOVE,
    UNKNOWN,
    age_days,
    dating,
    sites,
    stage_in,
    verdict,
    warn_undated,
    workflows,
)
from patchlint.model.program import locate

HISTORY = "git history"
SHALLOW = "git history of a shallow clone"


@dataclass
class Entry:
    id: str
    engine: str
    workflow: str
    path: str
    line: int
    stage: str  # "patched" | "deprecated"
    since: str | None  # ISO date the id entered its stage
    commit: str | None  # the commit that did it (None: only in the working tree)
    age_days: float | None
    verdict: str
    open_executions: int | None  # None: no live evidence asked for
    evidence: str  # what the verdict rests on
    deployment: str = ""  # the deployment model the verdict assumes, "engine:model" (patchlint.deployment)

    def to_json(self) -> dict:
        return asdict(self)


def candidate_files(root: Path, paths: tuple[str, ...] = ()) -> dict[str, str]:
    """Python files of the working tree that mention an engine and call a patch API.

    Only those must be UTF-8: every other file is only looked at for the engine and patch words, so
    an unrelated latin-1 fixture or binary ``.py`` is no error. A regular file only (a symlink, a
    submodule or a loop named ``x.py`` is no module)."""
    listing = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *(paths or (".",)))
    files = {}
    for path in dict.fromkeys(listing.split("\0")):  # a conflicted file is listed once per stage
        if not path.endswith(".py") or not is_regular(root, path):
            continue
        try:
            raw = (root / path).read_bytes()
        except OSError:
            continue  # vanished meanwhile
        if not ((b"temporalio" in raw or b"dbos" in raw) and b"patch" in raw):
            continue
        guess = raw.decode("latin-1")  # never fails: only to tell whether the file calls a patch API
        if scan(guess).ids() or "patch(" in guess:
            files[path] = decode(raw, path)  # it does: it matters, and must be UTF-8
    return files


def inventory(root: Path, config, paths: tuple[str, ...] = (), now: datetime | None = None, live=None) -> list[Entry]:
    now = now or datetime.now(timezone.utc)
    history = History(root, now)
    entries = []
    files = candidate_files(root, paths)
    models = extract_revision(files, config)
    deployments = _deployments(models, files, config, RevisionFiles(root, None))
    for workflow in workflows(models):
        seen: set[str] = set()
        for site in sites(workflow):
            pid = site.node.id
            if pid is None or pid in seen:
                continue
            seen.add(pid)
            entries.append(
                _entry(
                    models,
                    workflow,
                    site.node,
                    history,
                    config,
                    now,
                    live,
                    deployments.get((workflow.engine, workflow.name)),
                )
            )
    warn_undated({(e.path, e.id) for e in entries if e.verdict == UNKNOWN})
    return sorted(entries, key=lambda e: (e.path, e.line, e.id))


def _deployments(models, files, config, context) -> dict:
    """The deployment model of each workflow, as ``check`` reads it (``patchlint.extract.deployment``):
    from the patch-holding modules, and the worker / application configuration elsewhere."""
    from patchlint.extract.deployment import RevisionFacts, deployments, revision_facts

    pairs = [(None, w) for w in workflows(models)]
    return deployments(pairs, RevisionFacts(), revision_facts(models, files, context), config.deployment)


def _entry(models, workflow, node, history: History, config, now, live, deployment=None) -> Entry:
    pid = node.id
    stage = stage_in(workflow, pid)
    path, scope = dating(models, workflow, pid)
    era = history.era(path, None, pid, scope)
    since = None if era is None else (era.patched_since if stage == PATCHED else era.deprecated_since)
    entry = Entry(
        id=pid,
        engine=workflow.engine,
        workflow=workflow.name,
        path=workflow.path,
        line=locate(node).line,
        stage=stage,
        since=None if since is None else since.when.date().isoformat(),
        commit=None if since is None else since.commit,
        age_days=None if since is None else age_days(since.when, now),
        verdict=verdict(stage, era, config, workflow.engine, now),
        open_executions=None,
        evidence=HISTORY
        if getattr(config, "max_workflow_lifetime_days", None) is not None
        else "none: set max-workflow-lifetime in [tool.patchlint]",
    )
    if era is not None and era.undated and since is None:
        entry.evidence = (
            f"{SHALLOW}, its history ends on {era.began_by.date().isoformat()}, before this stage "
            f"began" + ("" if entry.verdict == UNKNOWN else ", older than the wait")
        )
    if live is not None and live.covers(workflow.engine):
        count, evidence = live.count(workflow.engine, workflow.name, pid, stage)
        entry.open_executions, entry.evidence = count, evidence
        ready = READY_TO_DEPRECATE if stage == PATCHED else READY_TO_REMOVE
        entry.verdict = ready if count == 0 else KEEP
    if deployment is not None:
        entry.deployment = deployment.label
        if not deployment.replays and stage == PATCHED:
            # no run started on older code runs this code: the old branch is dead from the start (PAT114)
            entry.verdict, entry.evidence = UNNEEDED, f"deployment {deployment.label} ({deployment.source})"
    return entry


UNNEEDED = "unneeded"


STAGES = (PATCHED, DEPRECATED)


def render_table(entries) -> str:
    """The inventory as a table for people (``patchlint patches``), with what its verdicts rest on."""
    if not entries:
        return "no patches found\n"
    header = ("ID", "ENGINE", "WORKFLOW", "WHERE", "STAGE", "SINCE", "AGE", "OPEN", "VERDICT", "MODEL")
    rows = [header] + [
        (
            e.id,
            e.engine,
            e.workflow,
            f"{e.path}:{e.line}",
            e.stage,
            f"{e.since} {e.commit[:10]}"
            if e.commit
            else "unknown"
            if "shallow clone" in e.evidence
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
