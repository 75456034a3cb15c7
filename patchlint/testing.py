"""The test harness, as Fixit has ``fixit/testing.py``: dated git repositories and the example runner.

``DatedRepo`` builds a repository whose commits carry the dates a test chooses (author and committer
alike), so the lifecycle rules, ``patches`` and the live sources read a history as old as the test
says. ``run_example`` runs a rule's ``Example`` the way ``patchlint check`` would, inside such a
history.

Lifecycle examples carry their past in ``options``:
``{"config": {<[tool.patchlint] keys>}, "history": [(date, source), ...], "dates": (old_date, new_date)}``.
The runner commits each history source to ``workflow.py`` at its date, then ``old`` and ``new`` at
theirs, and checks base=old-commit against head=new-commit with a ``RepoRef``, exactly as
``check --base`` does. Examples without those options run the same way, so this runner serves
every rule.

Nothing in ``patchlint`` imports this module: it sits above the rules and imports them.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from patchlint.api import analyze_revisions, analyze_texts
from patchlint.config import from_table
from patchlint.findings import Report
from patchlint.git import git_env
from patchlint.rules import all_rules
from patchlint.rules.base import Example, Rule
from patchlint.rules.context import RepoRef

PATH = "workflow.py"
AUTHOR = ("t", "t@example.com")


def git_date(date: str) -> str:
    """``date`` as git reads it: a bare day (``2024-01-01``) is noon UTC, a timestamp stays as is."""
    return date if "T" in date else f"{date}T12:00:00+00:00"


class DatedRepo:
    """A git repository (branch ``main``) whose commits are dated by the caller."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    @classmethod
    def init(cls, root: Path | str) -> DatedRepo:
        repo = cls(root)
        repo.root.mkdir(parents=True, exist_ok=True)
        repo.git("init", "-q", "-b", "main")
        return repo

    def git(self, *args: str, date: str | None = None) -> str:
        """``git ARGS`` in the repository (``git_env()``, a fixed identity, ``date`` if given); its output."""
        name, email = AUTHOR
        env = {
            **git_env(),
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = git_date(date)
        return subprocess.run(
            ["git", "-c", "commit.gpgsign=false", *args],
            cwd=self.root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def write(self, files: Mapping[str, str | None]) -> None:
        """Write each ``{path: text}`` (``None``: delete the file) into the working tree."""
        for path, text in files.items():
            file = self.root / path
            if text is None:
                file.unlink(missing_ok=True)
            else:
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(text, encoding="utf-8")

    def commit(self, files: Mapping[str, str | None], date: str, message: str) -> str:
        """Write ``files``, commit the whole tree at ``date`` (ISO day or timestamp); the commit id."""
        self.write(files)
        self.git("add", "-A", "--", ".")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "--verify", "HEAD").strip()

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)


def init(root: Path) -> DatedRepo:
    """A fresh repository at ``root``."""
    return DatedRepo.init(root)


def commit(root: Path, text: str | None, date: str, message: str, path: str = PATH) -> str:
    """Write ``path`` (``None``: delete it) and commit the tree at ``date``; the commit id."""
    return DatedRepo(root).commit({path: text}, date, message)


def run_example(example: Example, workdir: Path | None = None) -> Report:
    """The ``Report`` of ``patchlint check`` on the example's two revisions inside its dated history."""
    options = example.options or {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        repo = DatedRepo.init(tmp)
        for i, (date, text) in enumerate(options.get("history", ())):
            repo.commit({PATH: text}, date, f"history {i}")
        old_date, new_date = example.dates
        base = repo.commit({PATH: example.old}, old_date, "old") if example.old is not None else None
        head = repo.commit({PATH: example.new}, new_date, "new")
        old_files = {PATH: example.old} if example.old is not None else {}
        return analyze_revisions(
            old_files,
            {PATH: example.new},
            config=from_table(dict(options.get("config", {}))),
            has_base=example.old is not None,
            repo=RepoRef(repo.root, base, head),
        )


@dataclass(frozen=True)
class ExampleCase:
    """One documented example of a rule: ``INVALID[index]`` or ``VALID[index]``."""

    rule: type[Rule]
    valid: bool
    index: int
    example: Example

    @property
    def id(self) -> str:
        return f"{self.rule.code}-{'valid' if self.valid else 'invalid'}-{self.index}"

    @property
    def dated(self) -> bool:
        """Does it carry a config, dates or a history (``options``), so that only a repository runs it?"""
        return bool(self.example.options)

    def findings(self, workdir: Path | None = None, in_repo: bool = False) -> list[tuple[str, int]]:
        """The ``(code, line)`` findings of the rule's code and of every code ``expect`` names, sorted.

        A dated example (or any, with ``in_repo``) runs in a dated repository through ``run_example``;
        the others compare the two texts with ``analyze_texts``, as ``patchlint diff`` does."""
        ex = self.example
        report = run_example(ex, workdir) if in_repo or self.dated else analyze_texts(ex.old, ex.new, PATH)
        codes = {self.rule.code} | {code for code, _ in ex.expect}
        return sorted((f.code, f.line) for f in report.findings if f.code in codes)

    def check(self, workdir: Path | None = None, in_repo: bool = False) -> None:
        """Raise ``AssertionError`` unless the example reports exactly what it ``expect``s: an
        INVALID one at least one finding of its rule, a VALID one none."""
        got = self.findings(workdir, in_repo)
        problems = []
        if got != sorted(self.example.expect):
            problems.append(f"expected {sorted(self.example.expect)}, got {got}")
        own = [f for f in got if f[0] == self.rule.code]
        if self.valid and own:
            problems.append(f"a VALID example must not report {self.rule.code}")
        if not self.valid and not own:
            problems.append(f"an INVALID example must report {self.rule.code}")
        if problems:
            raise AssertionError(f"{self.id}: " + "; ".join(problems))


def example_cases(rules: Iterable[type[Rule]] | None = None) -> list[ExampleCase]:
    """Every INVALID and VALID example of ``rules`` (default: all rules), in rule order."""
    return [
        ExampleCase(rule, valid, index, example)
        for rule in (all_rules() if rules is None else rules)
        for valid, examples in ((False, rule.INVALID), (True, rule.VALID))
        for index, example in enumerate(examples)
    ]
