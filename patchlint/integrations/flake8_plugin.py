"""flake8 plugin ``PAT``: patchlint findings for the buffer an editor is showing.

A thin adapter. flake8 hands over the lines it read (from the file, or from stdin for pylsp and
Neovim, which name the buffer with ``--stdin-display-name``); the base revision comes from git.
Whatever goes wrong (no git, a file new in this revision, source libcst cannot parse) the editor
gets fewer findings, never a traceback: a linter that crashes the editor's lint run is switched off.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from patchlint import __version__

BARE_STDIN_NAMES = frozenset({"stdin", "-"})
GIT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Located:
    """Where the buffer lives in git: repo root, repo-relative path, base commit and text there."""

    root: Path
    path: str
    base_commit: str | None  # None: the revision does not exist (e.g. no commit yet)
    base_text: str | None  # None: the file is new in this revision


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT_S,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
    )


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


def locate(filename: str, rev: str) -> Located | None:
    """Find the buffer's file in git; ``None`` outside a repository (or without git).

    ``git show REV:./name`` runs in the file's own directory, so a display name relative to the
    working directory and an absolute one find the same blob.
    """
    file = Path(os.path.abspath(filename))
    try:
        top = _git(file.parent, "rev-parse", "--show-toplevel", "--show-prefix")
        if top.returncode != 0:
            return None
        root, _, prefix = _out(top).partition("\n")
        if rev.startswith("-") or not rev:  # never an option to git (the base comes from config)
            return None
        commit = _git(file.parent, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
        shown = (_git(file.parent, "show", "--end-of-options", f"{rev}:./{file.name}")
                 if commit.returncode == 0 else None)
    except (OSError, subprocess.SubprocessError):  # no git, no such directory, git hung
        return None
    base_text = shown.stdout.decode("utf-8") if shown is not None and shown.returncode == 0 else None
    base_commit = _out(commit) if commit.returncode == 0 else None
    return Located(Path(root), prefix.strip() + file.name, base_commit, base_text)


def analyze_buffer(filename: str, text: str, rev: str):
    """The report for one buffer: against ``rev`` in git, or single-revision rules only."""
    from patchlint.api import analyze_revisions, analyze_texts

    if filename in BARE_STDIN_NAMES:
        return analyze_texts(None, text, "stdin.py")
    where = locate(filename, rev)
    if where is None:
        return analyze_texts(None, text, filename)
    from patchlint.config import load
    from patchlint.integrations.git import RevisionFiles
    from patchlint.rules.context import RepoRef

    config = load(where.root)
    if config.excluded(where.path):
        return None
    has_base = where.base_text is not None
    context = {"new": RevisionFiles(where.root, None)}
    if where.base_commit is not None:
        context["old"] = RevisionFiles(where.root, where.base_commit)
    old_files = {where.path: where.base_text} if has_base else {}
    new_files = {where.path: text}
    if has_base and where.base_commit is not None and where.base_text != text:
        # a changed helper or base class runs inside the workflows that import it (as `check`)
        from patchlint.integrations.check import Revisions, _add_importers

        _add_importers(where.root, Revisions(rev, None, where.base_commit, None), old_files, new_files, config)
    report = analyze_revisions(
        old_files,
        new_files,
        config=config,
        repo=RepoRef(where.root, where.base_commit, None),
        has_base=has_base,
        context_files=context,
    )
    report.findings = [f for f in report.findings if f.path == where.path]  # this buffer's lines only
    return report


def one_line(message: str) -> str:
    """flake8 and the editors that parse its output expect one line per finding."""
    return " ".join(message.split())


class PatchlintChecker:
    name = "patchlint"
    version = __version__
    base = "HEAD"

    def __init__(self, tree, lines: list[str], filename: str):
        # ``tree`` is accepted (it makes this an AST plugin, run once per file) but unused:
        # patchlint reads the source with libcst.
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--patchlint-base",
            default="HEAD",
            metavar="REV",
            parse_from_config=True,
            help="git revision that in-flight workflows were started on (default: %(default)s)",
        )

    @classmethod
    def parse_options(cls, options) -> None:
        cls.base = options.patchlint_base or "HEAD"

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            report = analyze_buffer(self.filename, "".join(self.lines), self.base)
            findings = list(report.findings) if report is not None else []
        except Exception:  # noqa: BLE001 - an editor's lint run must never see a traceback
            return
        for f in findings:
            yield f.line, f.column, f"{f.code} {one_line(f.message)}", type(self)
