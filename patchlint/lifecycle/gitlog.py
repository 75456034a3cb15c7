"""When each patch id entered each stage, read from ``git log`` of the files that hold it.

Cost: one ``git log --follow -G<patch call>`` per file that holds a patch id, and one ``git show``
per commit of that file that touched a patch call line, so it grows with the patched files and
their patch edits, never with the size of the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from patchlint.errors import InputError
from patchlint.git import read_worktree, run_git, shallow_boundary
from patchlint.lifecycle.calls import (
    ABSENT,
    DEPRECATED,
    GIT_FILTER,
    PATCHED,
    PatchCalls,
    definition_block,
    scan,
)

_RECORD = "\x1e"


@dataclass(frozen=True)
class PatchEdit:
    """One revision of a file in which its patch calls changed (or the working tree)."""

    commit: str | None  # None: the working tree
    when: datetime
    path: str
    calls: PatchCalls
    dated: bool = True  # False: a shallow clone's boundary, where git shows older code as added

    def label(self) -> str:
        where = "working tree" if self.commit is None else self.commit[:10]
        return f"{self.when.date().isoformat()} ({where})"


@dataclass(frozen=True)
class Era:
    """The current life of one patch id in one file, from its first ``patched`` on.

    ``reused_after``: the id had been removed entirely at that revision before this era began.
    ``grew_at``: a further ``patched(id)`` call site was added while the id was already live, so
    runs of the earlier patched era hold the marker but ran the old code at the new site.
    ``began_by``: the era began at or before the boundary of a shallow clone (this is the boundary's
    date), so when it entered its first stage is unknown (that ``*_since`` is None): rules that need
    the date stay silent, and only a verdict the bound alone settles is given.
    """

    id: str
    patched_since: PatchEdit | None = None
    deprecated_since: PatchEdit | None = None
    removed_at: PatchEdit | None = None
    grew_at: PatchEdit | None = None
    reused_after: PatchEdit | None = None
    ever_patched: bool = False
    began_by: datetime | None = None

    @property
    def undated(self) -> bool:
        return self.began_by is not None

    @property
    def stage(self) -> str:
        if self.removed_at is not None:
            return ABSENT
        return DEPRECATED if self.deprecated_since is not None else PATCHED


def _utc(seconds: str) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def _log(root: Path, path: str, rev: str) -> list[tuple[str, datetime, str]]:
    """(commit, committer date, path at that commit) of every commit touching a patch call, oldest first.

    ``-z``: the name-status fields are NUL-separated, so a path holding a newline is one field."""
    out = run_git(
        root,
        "log",
        "--follow",
        "-M",
        "-E",
        f"-G{GIT_FILTER}",
        "--name-status",
        "--no-color",
        "-z",
        f"--format={_RECORD}%H %ct",
        "--end-of-options",
        rev,
        "--",
        path,
        check=False,
    )
    entries = []
    for record in out.split(_RECORD)[1:]:
        fields = [f.strip("\n") for f in record.split("\0")]
        commit, seconds = fields[0].split()
        status = [f for f in fields[1:] if f]  # [status, path] or [R…, old path, new path]
        if status and status[0].startswith("D"):
            continue  # the file was deleted here: the deletion is seen as the next state
        entries.append((commit, _utc(seconds), status[-1] if len(status) > 1 else path))
    return entries[::-1]


def commit_time(root: Path, rev: str) -> datetime:
    return _utc(run_git(root, "log", "-1", "--format=%ct", "--end-of-options", rev, "--").strip())


def has_head(root: Path) -> bool:
    return bool(run_git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip())


class History:
    """The patch history of the files of one repository, read once per (file, revision, scope).

    ``scope``: the class or function (top level) of a file that defines several workflows; only
    its lines are scanned in each revision, so two workflows of one module never lend each other
    their patch history. A revision without that definition is scanned whole (a renamed class
    keeps its history)."""

    def __init__(self, root: Path | str, now: datetime | None = None):
        self.root = Path(root)
        self.now = now or datetime.now(timezone.utc)
        self._cache: dict[tuple[str, str | None, str | None], tuple[PatchEdit, ...]] = {}
        self._boundary: frozenset[str] | None = None
        self.undated: dict[tuple[str, str], datetime] = {}  # (path, id) whose era a shallow clone cut off

    @property
    def boundary(self) -> frozenset[str]:
        if self._boundary is None:
            self._boundary = shallow_boundary(self.root)
        return self._boundary

    def revisions(self, path: str, rev: str | None, scope: str | None = None) -> tuple[PatchEdit, ...]:
        """The revisions of ``path`` up to ``rev`` (``None``: the working tree) where patch calls changed."""
        key = (path, rev, scope)
        if key not in self._cache:
            self._cache[key] = tuple(self._read(path, rev, scope))
        return self._cache[key]

    def _read(self, path: str, rev: str | None, scope: str | None):
        start = rev if rev is not None else ("HEAD" if has_head(self.root) else None)
        if start is not None:
            for commit, when, at_path in _log(self.root, path, start):
                text = run_git(self.root, "show", f"{commit}:{at_path}", check=False)
                yield PatchEdit(commit, when, at_path, scan(_scoped(text, scope)), commit not in self.boundary)
        if rev is None:
            try:
                text = read_worktree(self.root, path)
            except InputError:
                text = ""
            yield PatchEdit(None, self.now, path, scan(_scoped(text, scope)))

    def era(self, path: str, rev: str | None, patch_id: str, scope: str | None = None) -> Era | None:
        era = era_of(self.revisions(path, rev, scope), patch_id)
        if era is not None and era.undated:
            self.undated[(path, patch_id)] = era.began_by
        return era

    def ever_patched(self, path: str, rev: str | None, patch_id: str, scope: str | None = None) -> bool:
        """Whether a revision called ``patched(id)``; also when the history starts at a shallow
        clone's boundary that already calls the id: what came before is unknown, and may have."""
        revisions = self.revisions(path, rev, scope)
        if revisions and not revisions[0].dated and revisions[0].calls.state(patch_id) != ABSENT:
            return True
        return any(r.calls.patched.get(patch_id) for r in revisions)


def _scoped(text: str, scope: str | None) -> str:
    if scope is None:
        return text
    block = definition_block(text, scope)
    return text if block is None else block[2]


def era_of(revisions: tuple[PatchEdit, ...] | list[PatchEdit], patch_id: str) -> Era | None:
    """Walk the revisions oldest first and keep the id's current era (None: never called)."""
    era: Era | None = None
    sites = 0
    ever = False
    for rev in revisions:
        state = rev.calls.state(patch_id)
        count = rev.calls.patched.get(patch_id, 0)
        if state == PATCHED:
            ever = True
            if era is None or era.removed_at is not None:
                reused = era.removed_at if era is not None else None
                era, sites = Era(patch_id, patched_since=rev, reused_after=reused), count
            elif era.deprecated_since is not None:  # deprecation reverted: back to patched
                era = replace(era, deprecated_since=None, patched_since=era.patched_since or rev)
                sites = count
            elif count > sites:
                era, sites = replace(era, grew_at=rev), count
        elif state == DEPRECATED:
            if era is None or era.removed_at is not None:
                reused = era.removed_at if era is not None else None
                era = Era(patch_id, deprecated_since=rev, reused_after=reused)
            elif era.deprecated_since is None:
                era = replace(era, deprecated_since=rev)
        elif era is not None and era.removed_at is None:
            era = replace(era, removed_at=rev)
    if era is None:
        return None
    era = replace(era, ever_patched=ever)
    for stage in ("patched_since", "deprecated_since"):  # never a date the clone made up
        since = getattr(era, stage)
        if since is not None and not since.dated:
            era = replace(era, **{stage: None, "began_by": since.when})
    return era
