"""Which commit in-flight workflows run, as seen from a GitHub Actions job, and making sure it is here.

A pull request job checks out the merge commit ``refs/pull/N/merge``; its first parent is the base
branch as it would be merged into, so the diff is exactly what the merge changes. A push job has
``before`` in its event. ``actions/checkout`` clones one commit deep by default, so the base is often
missing: it is fetched by id, and if that fails the job stops with an error rather than comparing
against nothing (which would report no finding and look like a pass).

A revision here comes from the ``base`` input or the event payload, which a pull request can shape (a
branch name): ``valid_revision`` refuses one that starts with ``-`` before git sees it (``patchlint.git``'s
``check_revision``), every revision goes after ``--end-of-options`` (``--`` for ``git fetch``), so
``--upload-pack=…`` is never an option. Git runs through ``patchlint.git.spawn`` (its environment and
error lines), with the network's longer timeout.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from patchlint.errors import InputError
from patchlint.git import FETCH_TIMEOUT_S, check_revision, is_shallow, shallow_boundary, spawn

ZERO_SHA = "0" * 40
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


class ActionError(Exception):
    """Shown as ``::error::`` and fails the step."""


class NothingToCompare(Exception):
    """Shown as ``::notice::``; the step passes (e.g. the first commit of a repository)."""


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``git ARGS`` through ``patchlint.git.spawn`` (a fetch included: the network's timeout), its output
    as text; a missing git or a hang is an ``ActionError``."""
    try:
        proc = spawn(root, *args, timeout=FETCH_TIMEOUT_S)
    except InputError as exc:
        raise ActionError(str(exc)) from None
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )


def valid_revision(rev: str) -> str:
    """``rev`` if git can only take it for a revision; an ``ActionError`` (exit 2) otherwise."""
    try:
        return check_revision(rev)
    except InputError as exc:
        raise ActionError(f"base {exc}") from None


def parents(root: Path, rev: str = "HEAD") -> list[str]:
    """Parent ids read from the commit object itself: ``HEAD^1`` fails in a shallow clone, this does not."""
    proc = git(root, "cat-file", "commit", "--end-of-options", valid_revision(rev))
    if proc.returncode != 0:
        raise ActionError(f"cannot read commit {rev}: {proc.stderr.strip()}")
    header = proc.stdout.split("\n\n", 1)[0]
    return [line.split()[1] for line in header.splitlines() if line.startswith("parent ")]


def automatic_base(event_name: str, event: dict, root: Path) -> tuple[str, str]:
    """``(revision, why)`` for the event that started the job."""
    if event_name in PULL_REQUEST_EVENTS:
        merge_parents = parents(root)
        if len(merge_parents) < 2:
            raise ActionError(
                "HEAD is not the pull request's merge commit, so its base cannot be found; "
                "check out the default ref (refs/pull/N/merge) with actions/checkout, or set the `base` input"
            )
        return merge_parents[0], "first parent of the pull request's merge commit"
    if event_name == "merge_group":
        return event["merge_group"]["base_sha"], "merge queue base"
    if event_name == "push":
        before = event.get("before") or ZERO_SHA
        if before != ZERO_SHA:
            return before, "the commit the push replaced (github.event.before)"
        head_parents = parents(root)
        if not head_parents:
            raise NothingToCompare("first commit of the branch history: there is no earlier revision to compare with")
        return head_parents[0], "new branch: parent of the pushed commit (set `base` to check the whole branch)"
    raise ActionError(f"no automatic base for `{event_name}` events: set the `base` input")


def commit_id(root: Path, rev: str) -> str | None:
    proc = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{valid_revision(rev)}^{{commit}}")
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_commit(root: Path, rev: str, remote: str = "origin") -> str:
    """The commit id of ``rev``, fetching it (one commit deep in a shallow clone) when it is missing."""
    found = commit_id(root, valid_revision(rev))
    if found:
        return found
    depth = ["--depth=1"] if is_shallow(root) else []
    fetch = git(root, "fetch", "--no-tags", *depth, "--", remote, rev)
    found = commit_id(root, rev) or (commit_id(root, "FETCH_HEAD") if fetch.returncode == 0 else None)
    if found:
        return found
    reason = (fetch.stderr.strip().splitlines() or ["no error text"])[-1]
    raise ActionError(
        f"base revision {rev} is not in this clone and `git fetch --no-tags {' '.join(depth + [remote, rev])}` "
        f"failed ({reason}); use actions/checkout with `fetch-depth: 2` (or 0), or set the `base` input"
    )


def commit_times(root: Path, commits) -> list[datetime]:
    proc = git(root, "log", "--no-walk=unsorted", "--format=%ct", "--end-of-options", *commits, "--")
    return (
        [datetime.fromtimestamp(int(t), tz=timezone.utc) for t in proc.stdout.split()] if proc.returncode == 0 else []
    )


def deepen_for_lifecycle(root: Path, revs: list[str], days: float | None, remote: str = "origin") -> str | None:
    """In a shallow clone, fetch the history the lifecycle rules read, and no more: every commit of
    ``revs`` from ``days`` (max-workflow-lifetime plus retention) before the head's date, then one
    commit further, so a patch older than that window is known to be older (its exact date is not
    needed). Nothing when the clone is complete, ``days`` is unknown, or the history already reaches
    back far enough. Returns what was done, or why not, for the log; a failed fetch is no error:
    ``check`` then says which lifecycles are unknown."""
    boundary = shallow_boundary(root)
    if not boundary or days is None:
        return None
    (head_time,) = commit_times(root, [revs[0]]) or [None]
    if head_time is None:
        return None
    since = head_time - timedelta(days=days + 1)
    if all(when < since for when in commit_times(root, sorted(boundary))):
        return None  # the clone already reaches past the window
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    for how in (f"--shallow-since={stamp}", "--deepen=1"):
        fetch = git(root, "fetch", "--no-tags", how, "--", remote, *revs)
        if fetch.returncode != 0:
            reason = (fetch.stderr.strip().splitlines() or ["no error text"])[-1]
            return f"could not fetch the history since {stamp} ({reason}): some patch dates may be unknown"
    return f"fetched the history since {stamp} (max-workflow-lifetime plus retention) for the lifecycle rules"
