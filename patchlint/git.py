"""The one door to ``git``: revisions, changed files (renames followed), file contents, shallow clones.

Everything that runs git goes through ``spawn`` (check, the lifecycle's ``git log``, flake8, the
Action, the test harness's ``git_env``): one environment, one timeout, one error line. It sits below
everything else and imports only ``errors`` and ``escape``.

Revisions come from the command line, pre-commit and CI event payloads, so git must never read one as
an option (``--upload-pack=…``, ``--output=…``): ``check_revision`` refuses a name starting with ``-``
(or holding a control character), every revision is passed after ``--end-of-options`` and every path
after ``--``."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from patchlint.errors import InputError, decode
from patchlint.escape import printable

GIT_TIMEOUT_S = 300  # one local git command; a hung git (a lock, a network filesystem) ends in one line
FETCH_TIMEOUT_S = 600  # one git command over the network (the Action's fetches)


def git_env() -> dict[str, str]:
    """The environment every git command runs in: no optional locks (a concurrent ``git`` in the
    user's editor is never blocked), C messages (parsed), and never a prompt (CI has no terminal)."""
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


def check_revision(rev: str) -> str:
    """``rev`` if git can only read it as a revision; else the one-line error (exit 2)."""
    if rev.startswith("-"):
        raise InputError(f"revision {rev!r} starts with '-': refusing it, git would read it as an option")
    if not rev or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in rev):
        raise InputError(f"revision {rev!r} is empty or holds a control character: not a revision name")
    return rev


def spawn(
    root: Path | str, *args: str, input: bytes | None = None, timeout: float = GIT_TIMEOUT_S
) -> subprocess.CompletedProcess:
    """``git ARGS`` in ``root``, bytes in and out; a missing git or a hang is one line (exit 2)."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            input=input,
            capture_output=True,
            check=False,
            env=git_env(),
            timeout=timeout,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0] if args else ''} did not finish in {timeout:g} s") from None


def run_git(root: Path | str, *args: str, check: bool = True, ok: tuple[int, ...] = (0,)) -> str:
    """``git ARGS``' output; with ``check``, an exit status not in ``ok`` is one line (exit 2)."""
    proc = spawn(root, *args)
    if check and proc.returncode not in ok:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(printable(f"git {' '.join(args)}: {message[-1] if message else 'failed'}"))
    return proc.stdout.decode("utf-8", "surrogateescape")


def toplevel(start: Path | str) -> Path | None:
    """The work tree's top folder, or ``None`` outside a repository or where git cannot run at all
    (for callers that then just do less, like the flake8 plugin; ``repo_root`` says why instead)."""
    try:
        proc = spawn(start, "rev-parse", "--show-toplevel")
    except (InputError, OSError):  # no git, git hung, no such directory
        return None
    out = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(out) if proc.returncode == 0 and out else None


def repo_root(start: Path | str = ".") -> Path:
    proc = spawn(start, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise InputError(
            f"not inside a git repository: {Path(start).resolve()} (use `patchlint diff OLD NEW` for two files)"
        )
    return Path(proc.stdout.decode("utf-8", "surrogateescape").strip())


SHALLOW_FIX = "run `git fetch --unshallow` (in GitHub Actions: actions/checkout with `fetch-depth: 0`)"


def shallow_boundary(root: Path | str) -> frozenset[str]:
    """The commits a shallow clone has without their parents (empty: the history is complete).

    Git shows such a commit as a root: every file in it looks added there, so a date read from it is
    when the clone was cut off, not when the code arrived."""
    proc = spawn(root, "rev-parse", "--git-path", "shallow")
    if proc.returncode != 0:
        return frozenset()
    path = Path(root, proc.stdout.decode("utf-8", "surrogateescape").strip())
    try:
        return frozenset(path.read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return frozenset()


def is_shallow(root: Path | str) -> bool:
    return bool(shallow_boundary(root))


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


REGULAR_MODES = ("100644", "100755")  # a symlink (120000) or a submodule (160000) is not Python source


def changed_files(root: Path, base: str, head: str | None, untracked: bool = True) -> list[FileChange]:
    """Python files changed between ``base`` and ``head`` (``None``: the working tree), renames followed.

    Read with ``git diff --raw -z``: NUL-separated, so any file name is one field, and with the modes,
    so a side that is a symlink or a submodule named ``x.py`` counts as no file at all."""
    args = [
        "diff",
        "--raw",
        "-M",
        "--no-abbrev",
        "--no-color",
        "--no-ext-diff",
        "-z",
        "--end-of-options",
        check_revision(base),
    ]
    if head is not None:
        args.append(check_revision(head))
    args += ["--", "*.py"]
    fields = run_git(root, *args).split("\0")
    changes: list[FileChange] = []
    i = 0
    while i + 1 < len(fields) and fields[i].startswith(":"):
        old_mode, new_mode, _, _, status = fields[i][1:].split(" ")
        if status.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        old = old if old_mode in REGULAR_MODES else None
        new = new if new_mode in REGULAR_MODES else None
        if head is None and new is not None and not is_regular(root, new):
            new = None  # the diff reads a symlink's target as its content (or fails on a loop)
        if old is not None or new is not None:
            changes.append(FileChange(old, new))
    if head is None and untracked:  # untracked files are part of the working tree too
        for path in run_git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", "*.py").split("\0"):
            if path and is_regular(root, path):
                changes.append(FileChange(None, path))
    return changes


def is_regular(root: Path, path: str) -> bool:
    """A regular file of the working tree, not followed through a symlink (a loop is just not a file)."""
    try:
        return stat.S_ISREG(os.lstat(Path(root, path)).st_mode)
    except OSError:
        return False


def show(root: Path, rev: str, path: str) -> str:
    proc = spawn(root, "cat-file", "blob", "--end-of-options", f"{check_revision(rev)}:{path}")
    if proc.returncode != 0:
        raise InputError(f"not found in revision {rev}", printable(path))
    return decode(proc.stdout, f"{path} (at {rev})")


def tree(root: Path, rev: str, paths: list[str] | tuple[str, ...] = (".",)) -> dict[str, tuple[str, str]]:
    """``{path: (mode, object id)}`` of the Python files of ``rev`` under ``paths``, from ``ls-tree -r -z``."""
    out = run_git(root, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", check_revision(rev), "--", *paths)
    entries = {}
    for entry in out.split("\0"):
        meta, tab, path = entry.partition("\t")
        if tab and path.endswith(".py"):
            mode, _, oid = meta.split(" ")
            entries[path] = (mode, oid)
    return entries


def read_blobs(root: Path, oids: list[str]) -> list[bytes]:
    """The contents of blobs named by id, through one ``git cat-file --batch`` (an id holds no newline,
    unlike ``rev:path``, so the line protocol is safe on every git version)."""
    if not oids:
        return []
    proc = spawn(root, "cat-file", "--batch", input="".join(f"{oid}\n" for oid in oids).encode("ascii"))
    if proc.returncode != 0:
        raise InputError(printable(f"git cat-file --batch: {proc.stderr.decode('utf-8', 'replace').strip()}"))
    blobs, data, pos = [], proc.stdout, 0
    for oid in oids:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            raise InputError(f"git cat-file --batch: object {oid} is not a blob")
        size = int(header[2])
        blobs.append(data[pos : pos + size])
        pos += size + 1
    return blobs


def show_many(root: Path, rev: str, paths: list[str]) -> dict[str, str]:
    """Several files of one revision: their ids from ``ls-tree -z``, their contents through one
    ``cat-file --batch``. A path that is a symlink or a submodule there is left out (it holds no
    Python source); a path that is not there at all is an error."""
    if not paths:
        return {}
    listing = tree(root, rev)
    for path in paths:
        if path not in listing:
            raise InputError(f"not found in revision {rev}", printable(path))
    wanted = [p for p in paths if listing[p][0] in REGULAR_MODES]
    blobs = read_blobs(root, [listing[p][1] for p in wanted])
    return {p: decode(blob, f"{p} (at {rev})") for p, blob in zip(wanted, blobs)}


def read_worktree(root: Path, path: str) -> str:
    """A file of the working tree, through a symlink as Python's import would; a FIFO, a device, a
    directory or a symlink loop is not Python source (and a FIFO is never opened: it would block)."""
    file = Path(root, path)
    try:
        if not stat.S_ISREG(os.stat(file).st_mode):
            raise InputError("not a regular file (a directory, a FIFO or a device): not Python source", printable(path))
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError("file vanished while patchlint was reading it", printable(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror or exc}", printable(path)) from None
    return decode(data, path)


class RevisionFiles(Mapping):
    """The Python files of one revision (or the working tree), read only when asked for.

    Only regular files of a revision are listed (a symlink or a submodule named ``x.py`` is no module)."""

    def __init__(self, root: Path, rev: str | None, like: tuple[RevisionFiles, frozenset[str]] | None = None):
        """``like``: another revision (the working tree) and every path that differs between the
        two; ``containing`` then asks that revision's cheaper ``git grep`` (a commit's inflates
        every blob) and adds the differing paths, and ``get`` reads every other file there (no
        ``cat-file`` each), since it is the same in both."""
        self.root, self.rev, self._like = root, rev, like
        self._cache: dict[str, str | None] = {}
        self._listing: list[str] | None = None
        self._ids: dict[str, str] = {}
        self._grepped: dict[tuple[str, ...], list[str]] = {}
        # what readers derive from one of these files alone (``patchlint.extract.repo`` keeps each
        # module's parse here), shared by every analysis that reads this revision
        self.derived: dict[tuple[str, str], object] = {}

    def _list(self) -> list[str]:
        if self._listing is None:
            if self.rev is None:
                out = run_git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py")
                self._listing = [p for p in out.split("\0") if p.endswith(".py")]
            else:
                self._ids = {p: oid for p, (mode, oid) in tree(self.root, self.rev).items() if mode in REGULAR_MODES}
                self._listing = list(self._ids)
        return self._listing

    def get(self, path, default=None):
        if path not in self._listed():
            return default
        if path not in self._cache:
            self._cache[path] = self._read(path)
        value = self._cache[path]
        return default if value is None else value

    def _read(self, path: str) -> str | None:
        if self._like is not None and path not in self._like[1]:
            return self._like[0].get(path)  # the same file in both: read where it costs no git
        try:
            if self.rev is None:
                return read_worktree(self.root, path)
            (blob,) = read_blobs(self.root, [self._ids[path]])
            return decode(blob, f"{path} (at {self.rev})")
        except InputError:  # gone, not a regular file, or not UTF-8: no module to resolve from
            return None

    def __getitem__(self, path):
        value = self.get(path)
        if value is None:
            raise KeyError(path)
        return value

    def containing(self, words: tuple[str, ...]) -> list[str]:
        """The files whose text holds one of ``words`` (``git grep``, once per set of words: no file
        is read here; ``get`` still answers only for the listed regular files)."""
        if words in self._grepped:
            return self._grepped[words]
        patterns = [arg for word in words for arg in ("-e", word)]
        if self._like is not None:
            other, differing = self._like
            found = [*other.containing(words), *differing]
        elif self.rev is None:
            out = run_git(self.root, "grep", "-l", "-z", "-F", "--untracked", *patterns, "--", "*.py", ok=(0, 1))
            found = out.split("\0")
        else:
            rev = check_revision(self.rev)  # never an option: git grep takes no --end-of-options
            out = run_git(self.root, "grep", "-l", "-z", "-F", *patterns, rev, "--", "*.py", ok=(0, 1))
            found = [p[len(rev) + 1 :] for p in out.split("\0") if p.startswith(f"{rev}:")]
        self._grepped[words] = sorted({p for p in found if p.endswith(".py")})
        return self._grepped[words]

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
