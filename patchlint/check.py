"""``patchlint check``: the two revisions of every changed Python file in a git repository."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from patchlint import config as config_mod
from patchlint import git
from patchlint.api import analyze_revisions
from patchlint.errors import InputError, Undecodable, decode, warn
from patchlint.extract.source import mentions_engine
from patchlint.findings import Report
from patchlint.importers import follow_importers, imports_any
from patchlint.lifecycle.stages import undated_patches, warn_undated
from patchlint.rules.context import RepoRef


@dataclass(frozen=True)
class Revisions:
    base: str  # as the user named it
    head: str | None  # None: the working tree
    base_commit: str
    head_commit: str | None


def pick_revisions(root: Path, base: str | None, head: str | None) -> Revisions:
    """``--base``/``--head``, else pre-commit's push-stage refs, else ``HEAD`` vs the working tree."""
    env_from, env_to = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if base is None and head is None and env_from and env_to:
        base, head = env_from, env_to
    base = "HEAD" if base is None else base  # an empty --base is refused, not read as HEAD
    return Revisions(base, head, git.resolve(root, base), git.resolve(root, head) if head else None)


def _repo_relative(root: Path, paths: tuple[str, ...]) -> list[str]:
    out = []
    for raw in paths:
        path = Path(raw).resolve()
        try:
            out.append(path.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise InputError(f"path is outside the repository {root}", raw) from None
    return out


def _selected(change: git.FileChange, wanted: list[str]) -> bool:
    if not wanted:
        return True
    for path in (change.old_path, change.new_path):
        if path and any(path == w or path.startswith(w.rstrip("/") + "/") or w in ("", ".") for w in wanted):
            return True
    return False


def _add_importers(root: Path, revs: Revisions, old_files: dict, new_files: dict, config) -> None:
    """Unchanged workflow files that import a changed module, directly or through other modules
    (the workflow imports ``h1``, ``h1`` imports ``h2``, only ``h2`` changed), run changed code too:
    analyse them at both revisions (``importers.follow_importers``). A changed module that defines
    a workflow counts as well: another module's workflow may subclass it (``super().run()``) or
    call a helper it defines."""
    changed = set(old_files) | set(new_files)
    texts: dict[str, tuple[str, str]] = {}  # unchanged files found importing: (base, head)
    head_blobs: dict[str, bytes] = {}  # at a head commit: every candidate, read in one batch
    head_listing = cache(lambda: git.tree(root, revs.head_commit))

    def grep(words: list[str]) -> list[str]:
        args = ["grep", "-l", "-z", "-w", "-F"]  # -z: one NUL-terminated name per file, whatever it holds
        for word in words:
            args += ["-e", word]
        # git grep (2.39) takes no --end-of-options; head_commit is a resolved commit id, never an option
        at = [revs.head_commit, "--"] if revs.head_commit else ["--"]
        out = git.run_git(root, *args, *at, "*.py", ok=(0, 1))  # 1: no file matched
        prefix = f"{revs.head_commit}:" if revs.head_commit else ""  # git grep REV names files REV:path
        named = (name[len(prefix) :] for name in out.split("\0") if name.startswith(prefix) and name != prefix)
        paths = [path for path in named if path not in changed and not config.excluded(path)]
        if revs.head_commit is not None:  # one cat-file for them all, not a git show each
            listing = head_listing()
            regular = [p for p in paths if p not in head_blobs and listing.get(p, ("",))[0] in git.REGULAR_MODES]
            head_blobs.update(zip(regular, git.read_blobs(root, [listing[p][1] for p in regular])))
        return paths

    def head_text(path: str) -> str:
        if revs.head_commit is None:
            return git.read_worktree(root, path)
        if path not in head_blobs:
            raise InputError("not a regular file at the head revision", path)
        return decode(head_blobs[path], f"{path} (at {revs.head_commit})")

    def imports(path: str, modules: set[str]) -> bool:
        """An unchanged file that imports one of ``modules``; the base is read only for those."""
        try:
            text = head_text(path)
            if not imports_any(text, path, modules):
                return False
            base = git.show(root, revs.base_commit, path)
        except Undecodable as exc:  # an error only if it is a workflow module importing the change
            raw = exc.raw.decode("latin-1")
            if mentions_engine(raw) and imports_any(raw, path, modules):
                raise
            return False
        except InputError:
            return False  # not in the base revision (a new file, already part of the change), or not a file
        if base != text:
            return False
        texts[path] = (base, text)
        return True

    # a chain longer than MAX_IMPORT_ROUNDS: what was found so far
    found, _ = follow_importers(changed, grep, imports, skip=changed)
    for path in sorted(found):
        base, text = texts[path]
        if mentions_engine(text):
            old_files[path], new_files[path] = base, text


def check_repo(
    start: Path | str = ".",
    base: str | None = None,
    head: str | None = None,
    paths: tuple[str, ...] = (),
    config=None,
    verify: bool = False,
    live=None,
) -> tuple[Report, RepoRef]:
    root = git.repo_root(start)
    config = config or config_mod.load(root)
    revs = pick_revisions(root, base, head)
    wanted = _repo_relative(root, paths)
    for raw, rel in zip(paths, wanted):
        exists = (root / rel).exists() or git.run_git(
            root, "ls-tree", "--name-only", "--end-of-options", revs.base_commit, "--", rel, check=False
        ).strip()
        if not exists:
            raise InputError("no such file or directory (in the working tree or the base revision)", raw)
    untracked = os.environ.get("PRE_COMMIT") != "1"  # pre-commit does not stash untracked files
    changes = git.changed_files(root, revs.base_commit, revs.head_commit, untracked=untracked)
    selected = [c for c in changes if _selected(c, wanted)]
    old_paths = [c.old_path for c in selected if c.old_path and not config.excluded(c.old_path)]
    new_paths = [c.new_path for c in selected if c.new_path and not config.excluded(c.new_path)]
    old_files = git.show_many(root, revs.base_commit, old_paths)
    if revs.head_commit is None:
        new_files = {p: git.read_worktree(root, p) for p in new_paths}
    else:
        new_files = git.show_many(root, revs.head_commit, new_paths)
    _add_importers(root, revs, old_files, new_files, config)
    repo = RepoRef(root, revs.base_commit, revs.head_commit)
    new_context = git.RevisionFiles(root, revs.head_commit)
    differing = frozenset(p for c in changes for p in (c.old_path, c.new_path) if p)
    like = (new_context, differing) if revs.head_commit is None else None  # the working tree greps fast
    context = {"old": git.RevisionFiles(root, revs.base_commit, like), "new": new_context}
    report = analyze_revisions(
        old_files, new_files, config=config, repo=repo, context_files=context, verify=verify, live=live
    )
    warn_undated(undated_patches(repo, report.old_models, report.new_models, config))
    if not changes and revs.base == "HEAD" and revs.head is None and os.environ.get("PRE_COMMIT") == "1":
        warn(NOTHING_COMPARED)
    return report, repo


NOTHING_COMPARED = (
    "nothing compared: the working tree equals HEAD (as under `pre-commit run --all-files`); in CI compare "
    "with the branch in production: `pre-commit run --from-ref origin/main --to-ref HEAD` or "
    "`patchlint check --base origin/main`"
)
