"""``git`` through subprocess: revisions, changed files (renames followed) and file contents.

Revisions come from the command line, pre-commit and CI event payloads, so git must never read one as
an option (``--upload-pack=…``, ``--output=…``): ``check_revision`` refuses a name starting with ``-``
(or holding a control character), every revision is passed after ``--end-of-options`` and every path
after ``--``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from patchlint.errors import InputError
from patchlint.report.escape import printable

WORKTREE = None  # the head "revision" meaning the working tree
GIT_TIMEOUT_S = 300  # one git command; a hung git (a lock, a network filesystem) ends in one line


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


def check_revision(rev: str) -> str:
    """``rev`` if git can only read it as a revision; else the one-line error (exit 2)."""
    if rev.startswith("-"):
        raise InputError(f"revision {rev!r} starts with '-': refusing it, git would read it as an option")
    if not rev or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in rev):
        raise InputError(f"revision {rev!r} is empty or holds a control character: not a revision name")
    return rev


def spawn(root: Path | str, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """``git ARGS`` in ``root``, bytes in and out; a missing git or a hang is one line (exit 2)."""
    try:
        return subprocess.run(
            ["git", *args], cwd=root, input=input, capture_output=True, check=False, env=git_env(),
            timeout=GIT_TIMEOUT_S,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0] if args else ''} did not finish in {GIT_TIMEOUT_S} s") from None


def run_git(root: Path | str, *args: str, check: bool = True) -> str:
    proc = spawn(root, *args)
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(printable(f"git {' '.join(args)}: {message[-1] if message else 'failed'}"))
    return proc.stdout.decode("utf-8", "surrogateescape")


def repo_root(start: Path | str = ".") -> Path:
    proc = spawn(start, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise InputError(f"not inside a git repository: {Path(start).resolve()} (use `patchlint diff OLD NEW` for two files)")
    return Path(proc.stdout.decode("utf-8", "surrogateescape").strip())


def is_shallow(root: Path) -> bool:
    return run_git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


def resolve(root: Path, rev: str) -> str:
    """The commit id of ``rev``; a clear error for unknown revisions and shallow clones."""
    check_revision(rev)
    proc = spawn(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if proc.returncode == 0:
        return proc.stdout.decode("ascii").strip()
    if is_shallow(root):
        raise InputError(
            f"revision {rev!r} is not in this shallow clone; fetch it first, e.g. "
            f"`git fetch --deepen=50 origin` or `git fetch origin -- {rev}` (in CI: actions/checkout with fetch-depth: 0 or 2)"
        )
    raise InputError(f"unknown revision {rev!r}")


@dataclass(frozen=True)
class FileChange:
    old_path: str | None  # None: added
    new_path: str | None  # None: deleted


def changed_files(root: Path, base: str, head: str | None, untracked: bool = True) -> list[FileChange]:
    """Python files changed between ``base`` and ``head`` (``None``: the working tree), renames followed."""
    args = ["diff", "--name-status", "-M", "--no-color", "--no-ext-diff", "-z", "--end-of-options",
            check_revision(base)]
    if head is not None:
        args.append(check_revision(head))
    args += ["--", "*.py"]
    fields = run_git(root, *args).split("\0")
    changes: list[FileChange] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status.startswith(("R", "C")):
            changes.append(FileChange(fields[i + 1], fields[i + 2]))
            i += 3
            continue
        path = fields[i + 1]
        if status.startswith("A"):
            changes.append(FileChange(None, path))
        elif status.startswith("D"):
            changes.append(FileChange(path, None))
        else:
            changes.append(FileChange(path, path))
        i += 2
    if head is None and untracked:  # untracked files are part of the working tree too
        for path in run_git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", "*.py").split("\0"):
            if path:
                changes.append(FileChange(None, path))
    return changes


def decode(data: bytes, where: str) -> str:
    if b"\0" in data:
        raise InputError("binary file, not Python source", printable(where))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte {exc.start}): patchlint reads Python source as UTF-8", printable(where)) from None


def show(root: Path, rev: str, path: str) -> str:
    proc = spawn(root, "cat-file", "blob", "--end-of-options", f"{check_revision(rev)}:{path}")
    if proc.returncode != 0:
        raise InputError(f"not found in revision {rev}", printable(path))
    return decode(proc.stdout, f"{path} (at {rev})")


def show_many(root: Path, rev: str, paths: list[str]) -> dict[str, str]:
    """Several files of one revision through a single ``git cat-file --batch -z`` (NUL-separated
    requests, so a file name holding a newline is one request; git older than 2.38 lacks ``-z`` and
    falls back to one ``cat-file`` per file)."""
    if not paths:
        return {}
    check_revision(rev)
    names = [f"{rev}:{p}".encode("utf-8", "surrogateescape") for p in paths]
    proc = spawn(root, "cat-file", "--batch", "-z", input=b"\0".join(names) + b"\0")
    if proc.returncode != 0:
        return {p: show(root, rev, p) for p in paths}
    out, data, pos = {}, proc.stdout, 0
    for path, name in zip(paths, names):
        missing = name + b" missing\n"  # git echoes the request, which may hold newlines itself
        if data.startswith(missing, pos):
            raise InputError(f"not found in revision {rev}", printable(path))
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[-1] in (b"missing", b"ambiguous"):
            raise InputError(f"not found in revision {rev}", printable(path))
        size = int(header[2])
        out[path] = decode(data[pos : pos + size], f"{path} (at {rev})")
        pos += size + 1
    return out


def read_worktree(root: Path, path: str) -> str:
    file = root / path
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError("file vanished while patchlint was reading it", printable(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a Python file", printable(path)) from None
    return decode(data, path)


class RevisionFiles(Mapping):
    """The Python files of one revision (or the working tree), read only when asked for."""

    def __init__(self, root: Path, rev: str | None):
        self.root, self.rev = root, rev
        self._cache: dict[str, str | None] = {}
        self._listing: list[str] | None = None

    def _list(self) -> list[str]:
        if self._listing is None:
            if self.rev is None:
                out = run_git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py")
            else:
                out = run_git(self.root, "ls-tree", "-r", "-z", "--name-only", "--end-of-options",
                              check_revision(self.rev), "--", ".")
            self._listing = [p for p in out.split("\0") if p.endswith(".py")]
        return self._listing

    def get(self, path, default=None):
        if path not in self._listed():
            return default
        if path not in self._cache:
            try:
                self._cache[path] = (
                    read_worktree(self.root, path) if self.rev is None else show(self.root, self.rev, path)
                )
            except InputError:
                self._cache[path] = None
        value = self._cache[path]
        return default if value is None else value

    def __getitem__(self, path):
        value = self.get(path)
        if value is None:
            raise KeyError(path)
        return value

    def _listed(self) -> frozenset[str]:
        if not hasattr(self, "_set"):
            self._set = frozenset(self._list())
        return self._set

    def __contains__(self, path):
        return path in self._listed()

    def __iter__(self):
        return iter(self._list())

    def __len__(self):
        return len(self._list())
