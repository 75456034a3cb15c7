"""Run a rule ``Example`` the way ``patchlint check`` would, history included.

Lifecycle examples carry their past in ``options``:
``{"config": {<[tool.patchlint] keys>}, "history": [(date, source), ...], "dates": (old_date, new_date)}``.
The runner commits each history source to ``workflow.py`` of a fresh git repository at its date
(author and committer), then ``old`` and ``new`` at their dates, and checks base=old-commit against
head=new-commit with a ``RepoRef``, exactly as ``check --base`` does. Examples without those options
run the same way (dated today), so this runner serves every rule.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from patchlint.config import from_table
from patchlint.rules.base import Example
from patchlint.rules.context import RepoRef

PATH = "workflow.py"


def commit(root: Path, text: str | None, date: str, message: str) -> str:
    """Write ``workflow.py`` (``None``: delete it) and commit it at ``date`` (ISO); returns the commit id."""
    file = root / PATH
    if text is None:
        file.unlink(missing_ok=True)
    else:
        file.write_text(text, encoding="utf-8")
    stamp = date if "T" in date else f"{date}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    git = ["git", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", message], cwd=root, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)


def run_example(example: Example, workdir: Path | None = None):
    """The ``Report`` of ``patchlint check`` on the example's two revisions inside its dated history."""
    from patchlint.api import analyze_revisions

    options = example.options or {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = Path(tmp)
        init(root)
        for i, (date, text) in enumerate(options.get("history", ())):
            commit(root, text, date, f"history {i}")
        old_date, new_date = options.get("dates", ("2024-01-01", "2024-01-02"))
        base = commit(root, example.old, old_date, "old") if example.old is not None else None
        head = commit(root, example.new, new_date, "new")
        config = from_table(dict(options.get("config", {})))
        old_files = {PATH: example.old} if example.old is not None else {}
        return analyze_revisions(
            old_files, {PATH: example.new}, config=config, has_base=example.old is not None,
            repo=RepoRef(root, base, head),
        )
