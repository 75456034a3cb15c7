"""flake8 plugin ``PAT``: patchlint findings for the buffer an editor is showing.

A thin adapter. flake8 hands over the lines it read (from the file, or from stdin for pylsp and
Neovim, which name the buffer with ``--stdin-display-name``); the base revision comes from git.

Fast where nothing can be found. A buffer that never mentions an engine, or that equals its base
revision while nothing it could import changed, costs no subprocess and no libcst: what is per
repository (its root, the base commit, the base file listing, the changed files) is read once per
flake8 run in each of flake8's processes (``--jobs``).

Honest where it cannot analyse: when an engine buffer cannot be compared (bad ``[tool.patchlint]``,
unknown base, source libcst cannot parse, an internal error) the editor gets one ``PAT000`` at
line 1 saying why, never a traceback: a linter that crashes the editor's lint run is switched off.
Without a repository (a scratch file, bare stdin) only single-revision rules run, quietly unless a
base was configured (``--patchlint-base``), which then cannot be honoured: ``PAT000``.

Warm when asked (``--patchlint-warm``): an editor lints on every keystroke, each time in a new
process that would import libcst again; ``patchlint.integrations.warm`` answers from a server that
keeps it loaded, and this process analyses the buffer itself whenever that server cannot answer.
On a tree (files read from disk), what needs no libcst is still decided here: only the files a
change may reach cost a round trip.
"""

from __future__ import annotations

import ast
import os
import re
import tokenize
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from patchlint import __version__

BARE_STDIN_NAMES = frozenset({"stdin", "-"})
# patchlint.extract.source.ENGINE_MARKERS, without importing libcst (a test holds them equal).
ENGINE_MARKERS = ("temporalio", "dbos")
# Only patch calls give lifecycle findings (PAT2xx) on a file equal to its base revision, and every
# one the extractor resolves names its API: the names of patchlint.extract.apis's PATCH and
# DEPRECATE rows (a test holds them equal), as an attribute (``workflow.patched``, ``DBOS.patch``,
# ``f = wf.patched``), called (``patched(...)``), or imported (``from … import patched as p``).
# Not in a string or a sentence ("Security patch needed", "pre-patch"), nor ``dispatch``.
PATCH_NAMES = ("deprecate_patch", "deprecate_patch_async", "patch", "patch_async", "patched")
PATCH_WORD = re.compile(r"\b(?:" + "|".join(PATCH_NAMES) + r")\b")
PATCH_USE = re.compile(r"\.[\s\\]*(?:" + "|".join(PATCH_NAMES) + r")\b|\b(?:" + "|".join(PATCH_NAMES) + r")\s*\(")


def may_call_patch(text: str) -> bool:
    """Whether the extractor may find a patch API call in ``text`` (a superset, without libcst)."""
    if not PATCH_WORD.search(text):
        return False
    if PATCH_USE.search(text):
        return True
    from patchlint.importers import import_statements

    nodes = import_statements(text, PATCH_WORD)  # None: they cannot be read alone; assume it does
    return nodes is None or any(
        alias.name in PATCH_NAMES for node in nodes if isinstance(node, ast.ImportFrom) for alias in node.names
    )


# git's own repository discovery is used (one call per directory) when these change it.
GIT_DISCOVERY_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")
DEFAULT_BASE = "HEAD"


def mentions_engine(text: str) -> bool:
    return any(marker in text for marker in ENGINE_MARKERS)


def _read_source(path: Path) -> str | None:
    """The file as flake8 reads it (coding cookie, universal newlines); None if it cannot be read."""
    try:
        with tokenize.open(path) as handle:
            return handle.read()
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


class Tree:
    """One repository compared with one base revision; each fact is read from git once, when first needed."""

    def __init__(self, root: Path, rev: str, memo: dict | None = None, kept: bool = False):
        self.root, self.rev = root, rev
        # What a commit id alone decides (its file listing, its blobs): kept across runs by the warm
        # analyser (``patchlint.integrations.warm``); never anything the working tree or a ref decides.
        self.memo = {} if memo is None else memo
        self.kept = kept  # the memo outlives this working tree's state: the warm analyser's
        self._resolved: tuple[str | None, Exception | None] | None = None
        self._config = None
        self._base_paths: frozenset[str] | None = None
        self._changed: frozenset[str] | None = None
        self._reached: set[str] | None = None
        self._context = None
        self._texts: dict[str, str | None] = {}

    @property
    def commit(self) -> str | None:
        """The base commit; None in a repository without commits (every file is new). Raises
        ``InputError`` for a revision git does not know."""
        if self._resolved is None:
            from patchlint import git

            try:
                self._resolved = (git.resolve(self.root, self.rev), None)
            except Exception as exc:  # noqa: BLE001 - kept, raised again for every engine buffer
                unborn = (
                    self.rev == DEFAULT_BASE
                    and not git.run_git(self.root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
                )
                self._resolved = (None, None if unborn else exc)
        commit, error = self._resolved
        if error is not None:
            raise error
        return commit

    def config(self):
        if self._config is None:
            from patchlint.config import load

            try:
                self._config = load(self.root)
            except Exception as exc:  # noqa: BLE001 - kept, raised again for every engine buffer
                self._config = exc
        if isinstance(self._config, Exception):
            raise self._config
        return self._config

    def in_base(self, rel: str) -> bool:
        if self._base_paths is None:
            key = (self.root, self.commit, "ls-tree")
            if key not in self.memo:
                from patchlint import git

                out = git.run_git(
                    self.root,
                    "ls-tree",
                    "-r",
                    "-z",
                    "--name-only",
                    "--full-tree",
                    "--end-of-options",
                    self.commit,
                    "--",
                    ".",
                )
                self.memo[key] = frozenset(out.split("\0"))
            self._base_paths = self.memo[key]
        return rel in self._base_paths

    def base_text(self, rel: str) -> str:
        """The file at the base commit; raises ``InputError`` (not there, not UTF-8)."""
        key = (self.root, self.commit, "show", rel)
        if key not in self.memo:
            from patchlint import git

            self.memo[key] = git.show(self.root, self.commit, rel)
        return self.memo[key]

    def changed(self) -> frozenset[str]:
        """Tracked Python files that differ between the base and the working tree (either name of a
        rename). Untracked files are not in the base: no unchanged module can import them."""
        if self._changed is None:
            from patchlint import git

            changes = git.changed_files(self.root, self.commit, None, untracked=False)
            self._changed = frozenset(p for c in changes for p in (c.old_path, c.new_path) if p)
        return self._changed

    def unchanged(self, rel: str, text: str, from_disk: bool) -> bool:
        """The buffer equals the file in the base revision: it is the file on disk (``from_disk``:
        flake8 read it there), and git finds no difference between that and the base. A buffer from
        stdin that differs from the base blob is changed whatever the working tree holds: that blob
        is read anyway to analyse it, and a ``git diff`` of the whole tree is not."""
        if self.commit is None or not self.in_base(rel):
            return False
        if not from_disk:
            from patchlint.errors import InputError

            try:
                if self.base_text(rel) != text:
                    return False
            except InputError:
                pass  # not UTF-8 at the base: let git and the file on disk decide, as below
        return rel not in self.changed() and (from_disk or _read_source(self.root / rel) == text)

    def worktree_text(self, rel: str) -> str | None:
        """The working tree's ``rel``; None when it cannot be read as Python source (not UTF-8)."""
        if rel not in self._texts:
            self._texts[rel] = _read_source(self.root / rel)
        return self._texts[rel]

    def reach(self, seeds) -> set[str] | None:
        """The modules that import a seed, directly or through other modules, as patchlint resolves
        imports (``patchlint.importers.follow_importers``, untracked files too; a file that cannot be
        read counts as importing, since this is a superset). None: the chain did not end within
        ``MAX_IMPORT_ROUNDS`` links, or git failed: take it as reaching everything."""
        from patchlint import git
        from patchlint.importers import follow_importers, imports_any

        def grep(words: list[str]) -> list[str] | None:
            args = ["grep", "-l", "-z", "-w", "-F", "--untracked"]
            for word in words:
                args += ["-e", word]
            proc = git.spawn(self.root, *args, "--", "*.py")
            if proc.returncode not in (0, 1):
                return None
            return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]

        def imports(rel: str, modules: set[str]) -> bool:
            text = self.worktree_text(rel)
            return text is None or imports_any(text, rel, modules)

        found, complete = follow_importers(seeds, grep, imports)
        return found if complete else None

    def reached(self) -> set[str] | None:
        """What every change of the working tree may reach (see ``reach``)."""
        if self._reached is None:
            changed = self.changed()
            self._reached = set(changed) if not changed else self.reach(changed)
            if self._reached is not None:
                self._reached |= changed
        return self._reached

    def context(self) -> dict:
        if self._context is None:
            from patchlint.git import RevisionFiles

            new = RevisionFiles(self.root, None)
            self._context = {"new": new}
            if self.commit is not None and self.kept:
                # the warm analyser: the base's files and parses serve every later run
                self._context["old"] = self.memo.setdefault(
                    (self.root, self.commit, "files"), RevisionFiles(self.root, self.commit)
                )
            elif self.commit is not None:  # one run: read through the working tree, as ``check`` does
                self._context["old"] = RevisionFiles(self.root, self.commit, (new, self.changed()))
        return self._context


class Run:
    """What one flake8 run (in one process) knows about the repositories its files live in."""

    def __init__(self, memo: dict | None = None):
        self.memo = {} if memo is None else memo  # see Tree.memo
        self.kept = memo is not None  # kept across runs (the warm analyser's)
        self.roots: dict[str, Path | None] = {}  # directory → working tree root (None: none)
        self.confirmed: dict[str, Path | None] = {}  # candidate root → git's own answer
        self.trees: dict[tuple[Path, str], Tree] = {}
        self.real: dict[str, str] = {}  # directory as flake8 names it → its real path
        self.folders: dict[str, str] = {}  # real directory → its repository-relative prefix

    def root_of(self, directory: str) -> Path | None:
        if directory not in self.roots:
            self.roots[directory] = self._find_root(directory)
        return self.roots[directory]

    def _find_root(self, directory: str) -> Path | None:
        if any(os.environ.get(name) for name in GIT_DISCOVERY_ENV):
            return _git_toplevel(directory)
        candidate = directory
        while not os.path.lexists(os.path.join(candidate, ".git")):
            parent = os.path.dirname(candidate)
            if parent == candidate:
                return None  # no repository: git would find none either
            candidate = parent
        if candidate not in self.confirmed:
            self.confirmed[candidate] = _git_toplevel(candidate)
        root = self.confirmed[candidate]
        if root is not None and os.path.realpath(root) == candidate:
            return root
        return _git_toplevel(directory)  # a stray .git entry, a bare repository: let git discover

    def folder_in(self, directory: str, root: Path) -> str:
        """``directory`` relative to ``root``, as a prefix of repository paths (``""``, ``"app/"``)."""
        if directory not in self.folders:
            # both real paths: the directory was resolved, git reports the root resolved (as the walk finds it)
            folder = Path(os.path.relpath(directory, root)).as_posix()
            self.folders[directory] = "" if folder == "." else f"{folder}/"
        return self.folders[directory]

    def tree(self, root: Path, rev: str) -> Tree:
        if (root, rev) not in self.trees:
            self.trees[(root, rev)] = Tree(root, rev, self.memo, self.kept)
        return self.trees[(root, rev)]


def _git_toplevel(directory: str) -> Path | None:
    from patchlint import git

    return git.toplevel(directory)


RUN = Run()


def _directory(filename: str, run: Run) -> str:
    """The real path of the file's directory (as git sees it), once per directory as flake8 names it
    and run (one run has one working directory)."""
    named = os.path.dirname(filename)
    if named not in run.real:
        run.real[named] = os.path.realpath(os.path.dirname(os.path.abspath(filename)))
    return run.real[named]


def _single_revision(text: str, name: str) -> list:
    from patchlint.api import analyze_texts

    return analyze_texts(None, text, name, noqa=False).findings  # flake8 applies noqa (and --disable-noqa)


def pending_analysis(
    filename: str,
    text: str,
    rev: str = DEFAULT_BASE,
    explicit: bool = False,
    from_disk: bool = False,
    run: Run | None = None,
) -> Callable[[], list] | None:
    """Whether one buffer needs analysing, decided without libcst: None when no finding can arise on
    it, else the analysis still to do (it imports libcst), which returns the findings on the
    buffer's lines: against ``rev`` in git, else single-revision rules only. ``explicit``: ``rev``
    was configured, not the default; ``from_disk``: flake8 read the buffer from ``filename`` (not
    from stdin).

    Raises ``InputError`` (one ``PAT000``) when an engine buffer cannot be compared with ``rev``, here
    or in the analysis."""
    from patchlint.errors import InputError

    run = run or RUN
    engine = mentions_engine(text)
    if filename in BARE_STDIN_NAMES:
        if not engine:
            return None
        if explicit:
            raise InputError(f"no file name (pass --stdin-display-name): cannot compare with {rev}")
        return partial(_single_revision, text, "stdin.py")
    directory = _directory(filename, run)
    root = run.root_of(directory)
    if root is None:
        if not engine:
            return None
        if explicit:
            raise InputError(f"not in a git repository: cannot compare with {rev}")
        return partial(_single_revision, text, filename)
    rel = run.folder_in(directory, root) + os.path.basename(filename)
    tree = run.tree(root, rev)
    if not engine:
        # A module that never mentions an engine matters only when it changed and a workflow module
        # imports it (its code then runs inside the workflow, as `check` analyses it).
        try:
            if tree.commit is None:
                return None
            on_disk = from_disk or _read_source(root / rel) == text
            if (on_disk and rel not in tree.changed()) or not tree.in_base(rel):
                return None  # equal to the base (or untracked), or new: no workflow at the base imports it
            reach = tree.reach({rel})
        except InputError:
            return None  # an unknown base is reported on the workflow modules themselves
        if reach is not None and not any(mentions_engine(tree.worktree_text(p) or "") for p in reach - {rel}):
            return None
    config = tree.config()
    if config.excluded(rel):
        return None
    commit = tree.commit
    if engine and tree.unchanged(rel, text, from_disk) and not may_call_patch(text):
        reached = tree.reached()
        if reached is not None and rel not in reached:
            return None  # equal to the base and nothing it imports changed: no finding can arise
    return partial(_analyse, tree, config, commit, rel, text)


def _analyse(tree: Tree, config, commit: str | None, rel: str, text: str) -> list:
    from patchlint.api import analyze_revisions
    from patchlint.errors import InputError
    from patchlint.rules.context import RepoRef

    base_text = tree.base_text(rel) if commit is not None and tree.in_base(rel) else None
    has_base = base_text is not None
    old_files = {rel: base_text} if has_base else {}
    new_files = {rel: text}
    if has_base and base_text != text:
        # a changed helper or base class runs inside the workflows that import it (as `check`)
        from patchlint.check import Revisions, _add_importers

        _add_importers(tree.root, Revisions(tree.rev, None, commit, None), old_files, new_files, config)
    try:
        report = analyze_revisions(
            old_files,
            new_files,
            config=config,
            repo=RepoRef(tree.root, commit, None),
            has_base=has_base,
            context_files=tree.context(),
            noqa=False,
        )  # flake8 applies noqa (and --disable-noqa)
    except InputError:
        if has_base:  # say which revision libcst could not read: both carry the buffer's path
            from patchlint.extract.source import parse

            parse(base_text, f"{rel} (at {tree.rev})")
        raise
    return [f for f in report.findings if f.path == rel]  # this buffer's lines only


def one_line(message: str) -> str:
    """flake8 and the editors that parse its output expect one line per finding."""
    return " ".join(message.split())


def why_not(exc: Exception, root: Path | None = None) -> str:
    """The ``PAT000`` text: why the buffer was not analysed (paths inside ``root`` relative to it)."""
    from patchlint.errors import InputError

    if isinstance(exc, InputError):
        text = str(exc)
        if exc.path and os.path.isabs(exc.path) and root is not None:  # the repository's pyproject.toml
            text = os.path.relpath(exc.path, root) + text[len(exc.path) :]
        return f"PAT000 not analysed: {one_line(text)}"
    return f"PAT000 not analysed: internal error ({type(exc).__name__}: {one_line(str(exc))}), please report it"


def results(
    filename: str, text: str, rev: str, explicit: bool, from_disk: bool, run: Run
) -> list[tuple[int, int, str]]:
    """flake8's ``(line, column, text)`` for one buffer: its findings, or one ``PAT000`` saying why
    there are none. What the checker yields, in this process or from the warm analyser."""
    try:
        analysis = pending_analysis(filename, text, rev, explicit, from_disk, run)
        findings = [] if analysis is None else analysis()
    except Exception as exc:  # noqa: BLE001 - an editor's lint run must never see a traceback
        return [(1, 0, why_not(exc, run.roots.get(_directory(filename, run))))]
    return [(f.line, f.column, f"{f.code} {one_line(f.message)}") for f in findings]


def _may_find(filename: str, text: str, rev: str, explicit: bool) -> bool:
    """A file flake8 read from disk may get a finding (or a ``PAT000``): it needs libcst."""
    try:
        return pending_analysis(filename, text, rev, explicit, True, RUN) is not None
    except Exception:  # noqa: BLE001 - the PAT000 is made where the buffer is analysed
        return True


WARM_ENV = "PATCHLINT_WARM"


class PatchlintChecker:
    name = "patchlint"
    version = __version__
    base = DEFAULT_BASE
    base_explicit = False
    from_disk = False  # no "-" among flake8's file arguments: every buffer is the file on disk
    warm = False  # --patchlint-warm: ask the warm analyser (patchlint.integrations.warm) first
    session = ""  # this flake8 run, to the warm analyser

    def __init__(self, tree, lines: list[str], filename: str):
        # ``tree`` is accepted (it makes this an AST plugin, run once per file) but unused:
        # patchlint reads the source with libcst.
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--patchlint-base",
            default=None,
            metavar="REV",
            parse_from_config=True,
            help=f"git revision that in-flight workflows were started on (default: {DEFAULT_BASE})",
        )
        parser.add_option(
            "--patchlint-warm",
            action="store_true",
            default=False,
            parse_from_config=True,
            help=f"keep a patchlint analyser running for editors (exits after 10 idle minutes; also {WARM_ENV}=1)",
        )

    @classmethod
    def parse_options(cls, options) -> None:
        global RUN
        cls.base_explicit = options.patchlint_base is not None
        cls.base = options.patchlint_base if cls.base_explicit else DEFAULT_BASE
        cls.from_disk = "-" not in (getattr(options, "filenames", None) or ["-"])
        cls.warm = bool(getattr(options, "patchlint_warm", False)) or os.environ.get(WARM_ENV, "") not in ("", "0")
        cls.session = os.urandom(8).hex()
        RUN = Run()  # what a run learnt about repositories is not kept for the next one

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        text = "".join(self.lines)
        answer = None
        if self.warm and self.from_disk and not _may_find(self.filename, text, self.base, self.base_explicit):
            return  # a tree: most files are decided here, without a round trip per file
        if self.warm:  # None: no warm analyser could answer (it is then started): analyse here
            from patchlint.integrations import warm

            answer = warm.ask(self.filename, text, self.base, self.base_explicit, self.from_disk, self.session)
        if answer is None:
            answer = results(self.filename, text, self.base, self.base_explicit, self.from_disk, RUN)
        for line, column, message in answer:
            yield line, column, message, type(self)
